/**
 * Backtest cost: the pure replay (src/budget/backtest.ts) over 7, 30 and 90 days with 1, 3 and 6 policies,
 * and end to end against a real Prometheus holding 30 days of 5m tile recordings every 30 s for four SLOs
 * (one range query per SLO, split into requests of 10,000 steps). Run: npm run bench backtest
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { backtest, type BacktestPolicy } from '../../src/budget/backtest.js';
import { httpRangeFetcher, runBacktest } from '../../src/history/backtest-run.js';
import { promtool, startPrometheus } from '../support/prometheus.js';
import { tempDir } from '../support/processes.js';

const STEP = 30_000;
const DAY = 86_400_000;
const workbook: BacktestPolicy[] = [
  { name: 'page-fast', severity: 'page', threshold: 14.4, longWindowSeconds: 3600, shortWindowSeconds: 300, forSeconds: 120 },
  { name: 'page-slow', severity: 'page', threshold: 6, longWindowSeconds: 6 * 3600, shortWindowSeconds: 1800, forSeconds: 900 },
  { name: 'ticket', severity: 'ticket', threshold: 1, longWindowSeconds: 3 * 86_400, shortWindowSeconds: 6 * 3600, forSeconds: 3600 },
];
const six = [...workbook, ...workbook.map((p) => ({ ...p, name: `${p.name}-team`, threshold: p.threshold * 0.7 }))];

/** 5m rates with a daily cycle and an incident every three days (10 % errors for 40 minutes). */
function rates(startMs: number, days: number) {
  const n = (days * DAY) / STEP + 1;
  const good = new Float64Array(n);
  const total = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = startMs + i * STEP;
    const rate = 50 + 20 * Math.sin((2 * Math.PI * t) / DAY);
    const incident = (t - startMs) % (3 * DAY) < 40 * 60_000 && t - startMs > DAY ? 0.1 : 0.0002;
    total[i] = rate;
    good[i] = rate * (1 - incident);
  }
  return { good, total, n };
}

const rows: string[] = [];
const start = Date.parse('2026-09-01T00:00:00Z');
for (const days of [7, 30, 90]) {
  const { good, total } = rates(start - 3 * DAY, days + 3);
  for (const policies of [workbook.slice(0, 1), workbook, six]) {
    const t0 = performance.now();
    const report = backtest({ startMs: start - 3 * DAY, stepMs: STEP, good, total }, policies, { objective: 0.999, periodSeconds: 30 * 86_400, fromMs: start });
    const ms = performance.now() - t0;
    rows.push(`core  ${String(days).padStart(2)}d  ${policies.length} policies  ${ms.toFixed(1).padStart(7)} ms  (${report.incidents.length} incidents)`);
  }
}

// End to end: four SLOs, 30 days + 3 days of warm-up, recorded every 30 s.
const dir = await tempDir('bench-backtest');
const end = Math.floor(Date.now() / STEP) * STEP - 2 * 3_600_000;
const historyStart = end - 34 * DAY;
const lines: string[] = [];
const slos = ['a', 'b', 'c', 'd'];
for (const kind of ['good', 'total'] as const) {
  lines.push(`# TYPE vigil:sli_${kind}:rate5m gauge`);
  for (const slo of slos) {
    const r = rates(historyStart, 34);
    for (let i = 0; i < r.n; i++) lines.push(`vigil:sli_${kind}:rate5m{slo="${slo}",namespace="bench",service="${slo}"} ${r[kind][i]} ${(historyStart + i * STEP) / 1000}`);
  }
}
lines.push('# EOF');
const file = join(dir.path, 'tiles.om');
await writeFile(file, `${lines.join('\n')}\n`);
const dataDir = join(dir.path, 'data');
const made = await promtool(['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', '--max-block-duration=900h', file, dataDir]);
if (made.code !== 0) throw new Error(made.stderr);
const prometheus = await startPrometheus({ dataDir });
try {
  const fetch = httpRangeFetcher(prometheus.url);
  const entry = (slo: string) => ({ namespace: 'bench', name: slo, service: slo, goal: '99.9', period: { rollingSeconds: 30 * 86_400 }, policies: [] });
  const sets = [{ name: 'workbook', policies: workbook.map((p) => ({ name: p.name, severity: p.severity, threshold: p.threshold, lookBackWindow: `${p.longWindowSeconds}s`, secondaryWindow: `${p.shortWindowSeconds}s`, for: `${p.forSeconds}s` })) }];
  await runBacktest(fetch, { entry: entry('a'), objective: 0.999, periodSeconds: 30 * 86_400, sets, rangeSeconds: 86_400, endMs: end }); // warm-up
  for (const days of [7, 30]) {
    for (const count of [1, 4]) {
      const t0 = performance.now();
      let requests = 0;
      for (const slo of slos.slice(0, count)) requests += (await runBacktest(fetch, { entry: entry(slo), objective: 0.999, periodSeconds: 30 * 86_400, sets, rangeSeconds: days * 86_400, endMs: end, source: 'recorded' })).requests;
      const s = (performance.now() - t0) / 1000;
      rows.push(`e2e   ${String(days).padStart(2)}d  ${count} SLO(s), 3 policies  ${s.toFixed(2).padStart(6)} s  (${requests} range requests, ${(s / count).toFixed(2)} s per SLO)`);
    }
  }
} finally {
  await prometheus.stop();
  await dir.remove();
}
console.log(rows.join('\n'));
