/**
 * Detection timing of the generated rules under Prometheus's own rule engine (promtool 2.42), 99.9%/30d
 * with the workbook policies, sampled every 30 s: when the first page fires for a total outage and for 10%
 * errors, and when the page stops after a 10-minute total outage. Run: npm run bench rules-detection
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadResources } from '../../src/resources/load-resources.js';
import { compile } from '../../src/rules/compile.js';
import { renderOutput } from '../../src/rules/render-output.js';
import { cumulative, promtoolTestFile } from '../rules/promtool-scenario.js';
import { promtool } from '../support/prometheus.js';
import { tempDir } from '../support/processes.js';

const dir = await tempDir('bench-detection');
const loaded = loadResources([join(import.meta.dirname, '../rules/fixtures/scenario-slos.yaml')], process.cwd());
writeFileSync(join(dir.path, 'rules.yaml'), renderOutput(compile(loaded.resources).slos.filter((s) => s.name === 'checkout'), 'rule-file'));

const START = 180;
const series = (minutes: number, errorsAt: (m: number) => number) => {
  const label = (code: string) => `istio_requests_total{reporter="destination", destination_service_namespace="shop", destination_service_name="checkout", response_code="${code}"}`;
  const bad = Array.from({ length: minutes }, (_, m) => errorsAt(m));
  return [
    { series: label('200'), values: cumulative(bad.map((b) => 6000 - b)) },
    { series: label('500'), values: cumulative(bad) },
  ];
};
const pageFiring = 'count(ALERTS{alertname="VigilErrorBudgetBurn", alertstate="firing", severity="page"}) or vector(0)';

/** Minutes (from the start) at which the page is firing, sampled every 30 s between from and to. */
async function firingMinutes(name: string, minutes: number, errorsAt: (m: number) => number, from: number, to: number): Promise<number[]> {
  const times = Array.from({ length: (to - from) * 2 + 1 }, (_, i) => from + i / 2);
  const file = join(dir.path, `${name}.yaml`);
  // Expect "not firing" everywhere; promtool reports each time where that is wrong.
  writeFileSync(file, promtoolTestFile({ ruleFile: 'rules.yaml', intervalMinutes: 1, evaluationInterval: '30s', series: series(minutes, errorsAt), checks: times.map((atMinute) => ({ atMinute, expr: pageFiring, value: 0 })) }));
  const result = await promtool(['test', 'rules', file], dir.path);
  const output = result.stdout + result.stderr;
  return [...output.matchAll(/time: (?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?,/g)].map((m) => Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) + Number(m[3] ?? 0) / 60);
}

const total = await firingMinutes('total', START + 20, (m) => (m >= START ? 6000 : 0), START, START + 15);
const tenth = await firingMinutes('tenth', START + 20, (m) => (m >= START ? 600 : 0), START, START + 15);
const short = await firingMinutes('short', START + 60, (m) => (m >= START && m < START + 10 ? 6000 : 0), START, START + 55);
if (!process.env.KEEP) await dir.remove();

const first = (xs: number[]) => (xs.length ? `${(Math.min(...xs) - START).toFixed(1)} min` : 'never');
process.stdout.write(
  [
    `total outage: first page fires ${first(total)} after the start (workbook raw 1h: 0.87 min to the condition, plus for: 2m)`,
    `10% errors: first page fires ${first(tenth)} after the start (target 7–12 min; workbook 8.64 min plus for: 2m)`,
    `10-minute total outage: page firing until ${short.length ? `${(Math.max(...short) - START - 10 + 0.5).toFixed(1)} min` : 'never fired'} after it ends (target < 40 min)`,
  ].join('\n') + '\n',
);
