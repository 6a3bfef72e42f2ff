/**
 * The rule generator's own output (src/rules, via `vigil generate`) for the fixture's SLOs, reduced to
 * the recording rules the worker reads that are derived from recorded series only: the long windows
 * (2h, 6h, 1d, 3d, composed from the rolling rates the synthetic history holds every hour) and
 * `vigil:slo_error_ratio:period`. Raw windows (5m, 30m, 1h) read the
 * user's metrics, which the synthetic history does not have; the contract rules stand in for those.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { main } from '../../../src/cli/main.js';
import type { SloCatalogEntry } from '../../../src/budget/slo.js';

function sloYaml(e: SloCatalogEntry): string {
  const period = 'rollingSeconds' in e.period ? `rolling: {length: ${e.period.rollingSeconds / 86_400}d}` : `calendar: {length: ${e.period.calendar.length}, timeZone: ${e.period.calendar.timeZone}}`;
  return [
    'apiVersion: sre.vigil.dev/v1alpha1',
    'kind: ServiceLevelObjective',
    `metadata: {name: ${e.name}, namespace: ${e.namespace}}`,
    'spec:',
    `  selector: {name: ${e.service}, namespace: ${e.namespace}}`,
    '  sli:',
    '    templateRef: {name: http-requests-success-rate, namespace: vigil-system}',
    '  slo:',
    `    goal: "${e.goal}"`,
    `    ${period}`,
    '',
  ].join('\n');
}

interface RuleFile {
  groups: Array<{ name: string; interval?: string; rules: Array<{ record?: string; alert?: string; expr: string; labels?: Record<string, string> }> }>;
}

/** Writes the generator's derived recording rules for `entries` to `path` (one group, evaluated every minute). */
export async function writeGeneratedDerivedRules(dir: string, path: string, entries: readonly SloCatalogEntry[]): Promise<string[]> {
  const inDir = join(dir, 'slos');
  await mkdir(inDir, { recursive: true });
  for (const e of entries) await writeFile(join(inDir, `${e.namespace}-${e.name}.yaml`), sloYaml(e));
  let out = '';
  let err = '';
  const code = await main(['generate', '-f', inDir, '--format', 'rule-file'], { stdout: (s) => (out += s), stderr: (s) => (err += s), env: {}, cwd: dir });
  if (code !== 0) throw new Error(`vigil generate failed (${code}): ${err}`);
  const rules = (parse(out) as RuleFile).groups
    .flatMap((g) => g.rules)
    .filter((r) => r.record?.startsWith('vigil:slo_error_ratio:') && !/istio_|grpc_|http_/.test(r.expr) && /vigil:sli_(good|total):rate(5m|1h|6h|1d)\b/.test(r.expr));
  // One group evaluated every minute: promtool's backfill then evaluates within a minute after T,
  // inside the half tile the generator's ranges allow.
  await writeFile(path, stringify({ groups: [{ name: 'vigil-generated-derived', interval: '1m', rules }] }));
  return [...new Set(rules.map((r) => r.record!))].sort();
}
