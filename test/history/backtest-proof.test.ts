/**
 * The backtest against the real thing: the SLO's generated rules (recording and alerting, as `vigil generate`
 * writes them) evaluated by Prometheus's own rule engine (`promtool test rules`, 2.42) over a day of checkout
 * traffic with three incidents, and the backtest replaying the same policies over the same traffic. For
 * every policy and every minute, the alert fires in Prometheus exactly when the backtest says it does, except
 * within one evaluation interval of a start or an end. (Derived windows an alert reads are recorded in the
 * alert's own group, before it, so group order no longer matters; test/deploy/live-backtest.test.ts checks the
 * same against a live Prometheus.)
 *
 * Prometheus's firing minutes are read the way test/bench/rules-detection.bench.ts does: assert "not firing"
 * at every minute and collect the minutes promtool reports as wrong.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtest } from '../../src/budget/backtest.js';
import { historySlo } from '../../src/cli/history-slo.js';
import { toBacktestPolicy } from '../../src/history/backtest-run.js';
import { loadResources } from '../../src/resources/load-resources.js';
import { compile } from '../../src/rules/compile.js';
import { renderOutput } from '../../src/rules/render-output.js';
import { cumulative, promtoolTestFile } from '../rules/promtool-scenario.js';
import { tempDir } from '../support/processes.js';
import { promtool } from '../support/prometheus.js';

const MINUTES = 1200;
const PER_MINUTE = 6000;
/** Errors per minute: a 10-minute total outage, 40 minutes at 10 %, four hours at 1 %. */
const errorsAt = (m: number) => (m >= 120 && m < 130 ? PER_MINUTE : m >= 400 && m < 440 ? 600 : m >= 700 && m < 940 ? 60 : 0);
const bad = Array.from({ length: MINUTES }, (_, m) => errorsAt(m));

const compiled = compile(loadResources([join(import.meta.dirname, '../rules/fixtures/scenario-slos.yaml')], process.cwd()).resources).slos.find((s) => s.name === 'checkout')!;
const slo = historySlo(compiled);
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  dir = await tempDir('backtest-proof');
  writeFileSync(join(dir.path, 'rules.yaml'), renderOutput([compiled], 'rule-file'));
});
afterAll(async () => {
  await dir?.remove();
});

/** Minutes at which Prometheus has the policy's alert firing (minute 0 = the first sample). */
async function prometheusFiring(policy: string): Promise<Set<number>> {
  const label = (code: string) => `istio_requests_total{reporter="destination", destination_service_namespace="shop", destination_service_name="checkout", response_code="${code}"}`;
  const file = join(dir.path, `${policy}.yaml`);
  const expr = `count(ALERTS{alertname="VigilErrorBudgetBurn", alertstate="firing", policy="${policy}"}) or vector(0)`;
  writeFileSync(
    file,
    promtoolTestFile({
      ruleFile: 'rules.yaml',
      intervalMinutes: 1,
      evaluationInterval: '1m',
      series: [
        { series: label('200'), values: cumulative(bad.map((b) => PER_MINUTE - b)) },
        { series: label('500'), values: cumulative(bad) },
      ],
      checks: Array.from({ length: MINUTES - 60 }, (_, i) => ({ atMinute: 60 + i, expr, value: 0 })),
    }),
  );
  const result = await promtool(['test', 'rules', file], dir.path);
  const output = result.stdout + result.stderr;
  // Either every check passed or some failed (the firing minutes); anything else is a broken test file.
  expect(output).toMatch(/SUCCESS|FAILED:/);
  return new Set([...output.matchAll(/time: (?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?,/g)].map((m) => Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)));
}

/** The backtest's view: the 5m tile rates Prometheus records at each minute, replayed with the SLO's policies. */
function backtestFiring() {
  const counter = cumulative(bad);
  const good: number[] = [];
  const total: number[] = [];
  for (let m = 0; m <= MINUTES; m++) {
    const from = Math.max(0, m - 5);
    const badRate = (counter[m]! - counter[from]!) / 300;
    const totalRate = ((m - from) * PER_MINUTE) / 300;
    total.push(m >= 5 ? totalRate : Number.NaN);
    good.push(m >= 5 ? totalRate - badRate : Number.NaN);
  }
  // promtool's first sample is at Unix time 0, which is aligned to 5 minutes and to the hour, as the tiles need.
  return backtest({ startMs: 0, stepMs: 60_000, good, total }, slo.entry.policies.map(toBacktestPolicy), { objective: slo.objective, periodSeconds: slo.periodSeconds, fromMs: 60 * 60_000 });
}

describe('backtest against Prometheus’s rule engine', () => {
  it('fires when Prometheus fires, for every workbook policy, within one evaluation interval', async () => {
    const report = backtestFiring();
    const compared: string[] = [];
    for (const replay of report.policies) {
      const fromPrometheus = await prometheusFiring(replay.policy.name);
      const boundaries = replay.intervals.flatMap((x) => [x.startMs / 60_000, x.endMs / 60_000]);
      const slack = 1;
      const firing = (m: number) => replay.intervals.some((x) => m * 60_000 >= x.startMs && m * 60_000 < x.endMs);
      const disagreements: number[] = [];
      for (let m = 60; m < MINUTES; m++) {
        if (boundaries.some((b) => Math.abs(b - m) <= slack)) continue;
        if (firing(m) !== fromPrometheus.has(m)) disagreements.push(m);
      }
      expect(disagreements, `${replay.policy.name}: minutes where the backtest and Prometheus disagree`).toEqual([]);
      // Each start and end is within one evaluation interval of Prometheus's.
      for (const x of replay.intervals) {
        const start = x.startMs / 60_000;
        const near = (t: number) => Array.from({ length: 2 * slack + 1 }, (_, i) => t - slack + i);
        expect(near(start).some((m) => fromPrometheus.has(m) && !fromPrometheus.has(m - 1)), `${replay.policy.name} start ${start}`).toBe(true);
        if (!x.open) {
          const end = x.endMs / 60_000;
          expect(near(end).some((m) => !fromPrometheus.has(m) && fromPrometheus.has(m - 1)), `${replay.policy.name} end ${end}`).toBe(true);
        }
      }
      compared.push(`${replay.policy.name}: ${replay.intervals.length} interval(s), Prometheus firing ${fromPrometheus.size} min`);
    }
    // The scenario exercises the fast and the slow page (not a comparison of nothing with nothing).
    const byName = Object.fromEntries(report.policies.map((p) => [p.policy.name, p.intervals.length]));
    expect(byName['workbook-page-fast']).toBeGreaterThanOrEqual(2);
    expect(byName['workbook-page-slow']).toBeGreaterThanOrEqual(1);
    expect(compared).toHaveLength(3);
  }, 120_000);
});
