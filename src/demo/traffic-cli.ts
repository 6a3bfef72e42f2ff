/**
 * The demo traffic generator's command line:
 *
 *   node --import tsx src/demo/traffic-cli.ts serve    [--listen 127.0.0.1:9101] [--from UNIX] [--seed N]
 *                                                      [--backfill-days 30 --tsdb DIR [--rules RULES.yaml]] [--job mesh] [incident flags]
 *   node --import tsx src/demo/traffic-cli.ts backfill --days 30 (--tsdb DIR [--rules RULES.yaml] | --out FILE.om) [--job mesh --instance HOST:PORT] [--from UNIX] [--end UNIX]
 *                                                      [--step 300] [--recent-step 60] [--seed N] [incident flags]
 *
 * `--rules RULES.yaml` (what `vigil generate` wrote) also backfills the recording rules over that history
 * (1-hour tiles over the whole history, everything over the last 6 hours), so budgets and long burn-rate
 * windows are right from the first evaluation.
 * History carries the labels Prometheus adds when scraping the live server — `job` (`--job`, default `mesh`)
 * and `instance` (`--instance`, default the `--listen` address) — so the Prometheus scrape job for the live
 * server must be named the same and target exactly that address; otherwise history and live data are
 * different series and rates across the boundary break.
 * `--from` is when the recurring demo incidents start (default: now, whole minute); the backfill and the
 * live server must get the same `--from` and `--seed` so history and live counters continue each other —
 * `serve --backfill-days N --tsdb DIR` does both in one process and cannot get it wrong.
 * Incident flags: --checkout-every S --checkout-duration S --checkout-error-ratio R --catalog-every S
 * --catalog-duration S --catalog-factor F --catalog-offset S.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { demoIncidents, demoMesh, type DemoIncidentOptions, type MeshConfig } from './mesh.js';
import { backfillTsdb, writeOpenMetricsHistory } from './backfill.js';
import { backfillPasses, backfillRecordingRules } from '../history/rules-backfill.js';
import { startTrafficServer } from './traffic-server.js';
import { activeIncidents } from './traffic-model.js';

const numberFlags = [
  'seed', 'from', 'end', 'days', 'backfill-days', 'step', 'recent-step', 'checkout-every', 'checkout-duration',
  'checkout-error-ratio', 'catalog-every', 'catalog-duration', 'catalog-factor', 'catalog-offset',
] as const;

function usage(message: string): never {
  process.stderr.write(`traffic: ${message}\nusage: traffic-cli.ts serve|backfill [flags] (see the header of src/demo/traffic-cli.ts)\n`);
  process.exit(2);
}

function numbers(values: Record<string, unknown>): Partial<Record<(typeof numberFlags)[number], number>> {
  const out: Partial<Record<(typeof numberFlags)[number], number>> = {};
  for (const name of numberFlags) {
    const raw = values[name];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isFinite(n)) usage(`--${name} must be a number, got ${String(raw)}`);
    out[name] = n;
  }
  return out;
}

export function demoConfigFromFlags(n: ReturnType<typeof numbers>, now: number): MeshConfig {
  const from = n.from ?? Math.floor(now / 60) * 60;
  const incidents: DemoIncidentOptions = {
    from,
    ...(n['checkout-every'] !== undefined ? { checkoutEvery: n['checkout-every'] } : {}),
    ...(n['checkout-duration'] !== undefined ? { checkoutDuration: n['checkout-duration'] } : {}),
    ...(n['checkout-error-ratio'] !== undefined ? { checkoutErrorRatio: n['checkout-error-ratio'] } : {}),
    ...(n['catalog-every'] !== undefined ? { catalogEvery: n['catalog-every'] } : {}),
    ...(n['catalog-duration'] !== undefined ? { catalogDuration: n['catalog-duration'] } : {}),
    ...(n['catalog-factor'] !== undefined ? { catalogFactor: n['catalog-factor'] } : {}),
    ...(n['catalog-offset'] !== undefined ? { catalogOffset: n['catalog-offset'] } : {}),
  };
  return demoMesh({ ...(n.seed !== undefined ? { seed: n.seed } : {}), incidents: demoIncidents(incidents) });
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      listen: { type: 'string' },
      rules: { type: 'string' },
      job: { type: 'string' },
      instance: { type: 'string' },
      out: { type: 'string' },
      tsdb: { type: 'string' },
      work: { type: 'string' },
      ...Object.fromEntries(numberFlags.map((f) => [f, { type: 'string' as const }])),
    },
    strict: true,
  });
  const now = Date.now() / 1000;
  const n = numbers(values);
  const config = demoConfigFromFlags(n, now);
  const from = config.incidents[0]!.schedule.start;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const listen = values.listen ?? '127.0.0.1:9101';
  // The labels Prometheus will add when it scrapes the live server: history must carry the same ones.
  const targetLabels = { job: values.job ?? 'mesh', instance: values.instance ?? listen };
  const history = (days: number) => ({
    config,
    labels: targetLabels,
    start: (n.end ?? now) - days * 86400,
    end: n.end ?? now,
    ...(n.step !== undefined ? { step: n.step } : {}),
    ...(n['recent-step'] !== undefined ? { recentStep: n['recent-step'] } : {}),
    log,
  });

  if (command === 'backfill') {
    if (values.out === undefined && values.tsdb === undefined) usage('backfill needs --out FILE (one OpenMetrics file) or --tsdb DIR (TSDB blocks)');
    const options = history(n.days ?? 30);
    const result = values.tsdb !== undefined
      ? await backfillTsdb({ ...options, tsdbDir: values.tsdb, ...(values.work !== undefined ? { workDir: values.work } : {}) })
      : await writeOpenMetricsHistory(values.out!, options);
    if (values.tsdb !== undefined && values.rules !== undefined) {
      await backfillRecordingRules({ ruleYaml: readFileSync(values.rules, 'utf8'), dataDir: values.tsdb, passes: backfillPasses({ start: options.start, end: options.end }), log });
    }
    process.stdout.write(`${JSON.stringify({ ...result, from, seed: config.seed, tsdb: values.tsdb ?? null })}\n`);
    return;
  }
  if (command !== 'serve') usage(`unknown command ${command ?? '(none)'}`);

  const days = n['backfill-days'];
  if (days !== undefined && days > 0) {
    if (values.tsdb === undefined) usage('--backfill-days needs --tsdb DIR');
    const h = history(days);
    await backfillTsdb({ ...h, tsdbDir: values.tsdb, ...(values.work !== undefined ? { workDir: values.work } : {}) });
    if (values.rules !== undefined) {
      await backfillRecordingRules({ ruleYaml: readFileSync(values.rules, 'utf8'), dataDir: values.tsdb, passes: backfillPasses({ start: h.start, end: h.end }), log });
    }
  }
  const [host, port] = listen.split(/:(?=\d+$)/);
  const server = await startTrafficServer({ config, host: host ?? '127.0.0.1', port: Number(port ?? 9101) });
  process.stdout.write(`traffic: serving the demo mesh at ${server.url}/metrics (incidents from ${new Date(from * 1000).toISOString()}, --from ${from} --seed ${config.seed})\n`);
  const ticker = setInterval(() => {
    const active = activeIncidents(config, Date.now() / 1000).map((i) => i.name);
    if (active.length > 0) log(`traffic: incident active: ${active.join(', ')}`);
  }, 60_000);
  const stop = () => {
    clearInterval(ticker);
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main(process.argv.slice(2));
