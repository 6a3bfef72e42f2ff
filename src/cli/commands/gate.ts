/**
 * `vigil gate`: a release gate for CI jobs. Asks a running `vigil api` whether the SLOs have budget left
 * to ship and exits 0 (pass), 1 (fail, or the answer could not be had: unknown never passes) or 2 (usage
 * error: bad flags, an SLO that does not exist), printing one line per SLO.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseObjectRef } from '../../model/resource.js';
import { parseCommandArgs, usageError } from '../command-args.js';
import type { CommandIo } from '../io.js';

const USAGE = `usage: vigil gate --api URL (--slo NAMESPACE/NAME [--slo …] | --selector namespace=NS [--selector service=NAME])
                  [--min-budget-remaining 0.25] [--max-burn-rate 2] [--window 1h [--window 6h]] [--allow-unknown]
                  [--token-file FILE]

Passes (exit 0) when every SLO has at least --min-budget-remaining of its period budget left (default 0:
fails only when the budget is spent) and no --window (default 1h) burns faster than --max-burn-rate (not
checked unless given). Stale, partial or missing figures fail unless --allow-unknown. Exit 1 when the gate
fails or the API cannot answer; exit 2 on usage errors (bad flags, unknown SLO).

  --api URL             the Vigil API (env VIGIL_API_URL)
  --slo NS/NAME         an SLO to check (repeatable; all in one namespace)
  --selector K=V        namespace=NS (required without --slo) and optionally service=NAME: every SLO of the service
  --token-file FILE     bearer token (env VIGIL_API_TOKEN holds the token itself)
`;

const options = {
  api: { type: 'string' },
  slo: { type: 'string', multiple: true },
  selector: { type: 'string', multiple: true },
  'min-budget-remaining': { type: 'string' },
  'max-burn-rate': { type: 'string' },
  window: { type: 'string', multiple: true },
  'allow-unknown': { type: 'boolean' },
  'token-file': { type: 'string' },
  timeout: { type: 'string' },
} as const;

interface SloGateLine {
  namespace: string;
  name: string;
  pass: boolean;
  reasons: Array<{ code: string; blocking: boolean; message: string }>;
  budgetRemaining: number | null;
  burnRates: Record<string, number | null>;
}

const percent = (x: number) => `${(x * 100).toFixed(1)} %`;

function describe(slo: SloGateLine): string {
  const figures = [
    slo.budgetRemaining === null ? 'budget remaining unknown' : `${percent(slo.budgetRemaining)} of the budget remaining`,
    ...Object.entries(slo.burnRates).map(([w, r]) => (r === null ? `${w} burn rate unknown` : `${w} burn rate ${Number(r.toPrecision(3))}×`)),
  ].join(', ');
  const why = slo.reasons.map((r) => (r.blocking ? r.message : `${r.message} (allowed)`));
  return `${slo.pass ? 'PASS' : 'FAIL'} ${slo.namespace}/${slo.name}: ${why.length > 0 ? `${why.join('; ')}; ` : ''}${figures}`;
}

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs('gate', argv, options, USAGE, io);
  if (!args.ok) return args.exitCode;
  const v = args.values;
  const api = v.api ?? io.env.VIGIL_API_URL;
  if (!api) return usageError('gate', '--api (or VIGIL_API_URL) is required', USAGE, io);
  let base: URL;
  try {
    base = new URL(api.endsWith('/') ? api : `${api}/`);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    return usageError('gate', `--api must be an http(s) URL, got "${api}"`, USAGE, io);
  }

  const query = new URLSearchParams();
  const number = (flag: 'min-budget-remaining' | 'max-burn-rate', ok: (x: number) => boolean, what: string): string | undefined => {
    const text = v[flag];
    if (text === undefined) return undefined;
    const x = Number(text);
    if (text.trim() === '' || !Number.isFinite(x) || !ok(x)) throw new Error(`--${flag} must be ${what}, got "${text}"`);
    return String(x);
  };
  let slos: Array<{ namespace: string; name: string }> = [];
  let selector: { namespace?: string; service?: string } = {};
  try {
    const min = number('min-budget-remaining', (x) => x >= 0 && x <= 1, 'a share between 0 and 1 (e.g. 0.25)');
    const max = number('max-burn-rate', (x) => x > 0, 'a burn rate above 0 (e.g. 2)');
    if (min !== undefined) query.set('minBudgetRemaining', min);
    if (max !== undefined) query.set('maxBurnRate', max);
    for (const w of v.window ?? []) query.append('window', w);
    if (v['allow-unknown']) query.set('allowUnknown', 'true');
    slos = (v.slo ?? []).map((ref) => {
      const parsed = parseObjectRef(ref);
      if (!parsed) throw new Error(`--slo must be NAMESPACE/NAME, got "${ref}"`);
      return parsed;
    });
    for (const s of v.selector ?? []) {
      const m = /^(namespace|service)=(.+)$/.exec(s);
      if (!m) throw new Error(`--selector must be namespace=NS or service=NAME, got "${s}"`);
      selector = { ...selector, [m[1]!]: m[2]! };
    }
    if (slos.length === 0 && selector.namespace === undefined) throw new Error('give --slo NAMESPACE/NAME, or --selector namespace=NS [--selector service=NAME]');
    if (slos.length > 0 && (selector.namespace !== undefined || selector.service !== undefined)) throw new Error('use either --slo or --selector, not both');
    if (new Set(slos.map((s) => s.namespace)).size > 1) throw new Error('every --slo of one gate must be in the same namespace');
  } catch (error) {
    return usageError('gate', (error as Error).message, USAGE, io);
  }

  let token = io.env.VIGIL_API_TOKEN;
  if (v['token-file']) {
    const path = resolve(io.cwd, v['token-file']);
    try {
      token = (await readFile(path, 'utf8')).trim();
    } catch (error) {
      io.stderr(`vigil gate: cannot read token file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
      return 2;
    }
  }

  const namespace = slos[0]?.namespace ?? selector.namespace!;
  query.set('namespace', namespace);
  for (const s of slos) query.append('slo', s.name);
  if (selector.service !== undefined) query.set('service', selector.service);
  const url = new URL(`api/v1/gate?${query}`, base);
  const timeoutMs = Number(v.timeout ?? 15_000);

  let response: Response;
  try {
    response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : 15_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    io.stderr(`vigil gate: FAIL: cannot reach the Vigil API at ${base.origin} (${why}); an unknown answer does not pass\n`);
    return 1;
  }
  const text = await response.text();
  let body: { pass?: boolean; slos?: SloGateLine[]; error?: string; message?: string };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    io.stderr(`vigil gate: FAIL: the API answered ${response.status} without JSON\n`);
    return 1;
  }
  if (response.status === 200 || response.status === 412) {
    for (const slo of body.slos ?? []) io.stdout(`${describe(slo)}\n`);
    return body.pass === true && response.status === 200 ? 0 : 1;
  }
  io.stderr(`vigil gate: ${response.status >= 500 || response.status === 401 || response.status === 403 ? 'FAIL: ' : ''}${body.error ?? response.status}: ${body.message ?? text}\n`);
  return response.status === 400 || response.status === 404 ? 2 : 1;
}
