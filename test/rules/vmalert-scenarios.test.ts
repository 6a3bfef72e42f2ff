/**
 * The promtool scenarios (promtool-scenarios.test.ts), run live on vmalert + VictoriaMetrics: the same SLOs,
 * the same generated rule file, the same raw series imported into VictoriaMetrics, evaluated by vmalert's
 * replay mode and checked with the same expectations. Where MetricsQL differs from PromQL on what the rules
 * depend on, the tests at the end pin the difference down.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadResources } from '../../src/resources/load-resources.js';
import { compile } from '../../src/rules/compile.js';
import { renderOutput } from '../../src/rules/render-output.js';
import { tempDir } from '../support/processes.js';
import { startVictoriaMetrics, vmalertDryRun, writeRuleFile, type RunningVictoriaMetrics } from '../support/victoria-metrics.js';
import { composedWindowsScenario, cumulative, istio, traffic, type Check } from './promtool-scenario.js';
import { importLines, replayRuleFile } from './vmalert-replay.js';

const firing = (extra = '') =>
  `count(ALERTS{alertname="VigilErrorBudgetBurn", alertstate="firing", slo="checkout"${extra}}) or vector(0)`;
const anyAlert = `count(ALERTS{alertname="VigilErrorBudgetBurn"}) or vector(0)`;
const page = ', severity="page"';

// Midnight UTC nine days ago: inside VictoriaMetrics' retention, and aligned like promtool's epoch start, so
// 5m and 1h tiles fall on the same minutes of the scenario as under promtool.
const START = Math.floor(Date.now() / 86_400_000) * 86_400 - 9 * 86_400;

let dir: Awaited<ReturnType<typeof tempDir>>;
let compiled: ReturnType<typeof compile>;
let vm: RunningVictoriaMetrics;

beforeAll(async () => {
  dir = await tempDir('vmalert-scenarios');
  const loaded = loadResources([join(import.meta.dirname, 'fixtures/scenario-slos.yaml')], process.cwd());
  compiled = compile(loaded.resources);
  expect(compiled.issues.filter((i) => i.level === 'error')).toEqual([]);
});
afterAll(() => dir.remove());
// A fresh VictoriaMetrics per scenario: the scenarios share series names and times.
beforeEach(async () => {
  vm = await startVictoriaMetrics();
});
afterEach(() => vm.stop());

/** Imports the series, replays the SLO's generated rules over the scenario, and returns each check's value. */
async function runScenario(
  name: string,
  options: { slo?: string; series: ReturnType<typeof traffic>; checks: Check[]; intervalMinutes?: number },
): Promise<Array<{ check: Check; value: number | undefined; labels: Record<string, string> | undefined }>> {
  const slos = compiled.slos.filter((s) => s.name === (options.slo ?? 'checkout'));
  expect(slos).toHaveLength(1);
  const rules = renderOutput(slos, 'rule-file');
  const intervalMinutes = options.intervalMinutes ?? 1;
  await vm.importLines(importLines(options.series, START, intervalMinutes));
  const lastMinute = Math.max(...options.checks.map((c) => c.atMinute));
  await replayRuleFile(vm, dir.path, name, rules, START, START + (lastMinute + 1) * 60);
  const results = [];
  for (const check of options.checks) {
    const samples = await vm.query(check.expr, START + check.atMinute * 60);
    expect(samples.length, `${check.expr} at minute ${check.atMinute}: ${JSON.stringify(samples)}`).toBeLessThanOrEqual(1);
    results.push({ check, value: samples[0] ? Number(samples[0].value[1]) : undefined, labels: samples[0]?.metric });
  }
  return results;
}

/** Every check's value as `minute expr → value`, so a failure shows all of them. */
function expectChecks(results: Awaited<ReturnType<typeof runScenario>>) {
  const actual = results.map((r) => `${r.check.atMinute} ${r.check.expr} → ${r.value}`);
  const expected = results.map((r) => `${r.check.atMinute} ${r.check.expr} → ${r.check.value}`);
  expect(actual).toEqual(expected);
}

const OUTAGE_START = 180;
const RATE = 6000;

describe('vmalert + VictoriaMetrics scenarios, 99.9% over 30d with the workbook policies', () => {
  it('the generated rule file passes vmalert -dryRun unchanged', async () => {
    const file = await writeRuleFile(dir.path, 'all.rules.yaml', renderOutput(compiled.slos, 'rule-file'));
    const result = await vmalertDryRun([file]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('a 100% outage pages within 2 minutes plus the 2m "for"', async () => {
    expectChecks(
      await runScenario('total-outage', {
        series: traffic(OUTAGE_START + 30, (m) => ({ total: RATE, errors: m >= OUTAGE_START ? RATE : 0 })),
        checks: [
          { atMinute: OUTAGE_START, expr: anyAlert, value: 0 },
          { atMinute: OUTAGE_START + 4, expr: firing(`${page}, policy="workbook-page-fast"`), value: 1 },
        ],
      }),
    );
  });

  it('10% errors page after 7 to 12 minutes (workbook: 8.64 min plus "for")', async () => {
    expectChecks(
      await runScenario('ten-percent', {
        series: traffic(OUTAGE_START + 30, (m) => ({ total: RATE, errors: m >= OUTAGE_START ? RATE / 10 : 0 })),
        checks: [
          { atMinute: OUTAGE_START + 7, expr: firing(page), value: 0 },
          { atMinute: OUTAGE_START + 12, expr: firing(`${page}, policy="workbook-page-fast"`), value: 1 },
        ],
      }),
    );
  });

  it('0.05% errors (half the budget rate) never alert', async () => {
    const days = 4;
    expectChecks(
      await runScenario('half-budget', {
        series: traffic((days * 24 * 60) / 5, () => ({ total: 20_000, errors: 10 })),
        checks: [60, 6 * 60, 24 * 60, 3 * 24 * 60, days * 24 * 60 - 5].map((atMinute) => ({ atMinute, expr: anyAlert, value: 0 })),
        intervalMinutes: 5,
      }),
    );
  });

  it('after a 10-minute total outage the page stops within 40 minutes', async () => {
    const end = OUTAGE_START + 10;
    expectChecks(
      await runScenario('short-outage', {
        series: traffic(end + 60, (m) => ({ total: RATE, errors: m >= OUTAGE_START && m < end ? RATE : 0 })),
        checks: [
          { atMinute: OUTAGE_START + 5, expr: firing(page), value: 1 },
          { atMinute: end + 40, expr: firing(page), value: 0 },
        ],
      }),
    );
  });

  it('a latency threshold between two buckets counts good events by linear interpolation', async () => {
    const bucket = (le: string, perMinute: number) => ({
      series: `istio_request_duration_milliseconds_bucket{reporter="destination", destination_service_namespace="shop", destination_service_name="checkout", le="${le}"}`,
      values: cumulative(Array.from({ length: 90 }, () => perMinute)),
    });
    const count = {
      series: 'istio_request_duration_milliseconds_count{reporter="destination", destination_service_namespace="shop", destination_service_name="checkout"}',
      values: cumulative(Array.from({ length: 90 }, () => 6000)),
    };
    const near = (window: string) => `abs(sum(vigil:slo_error_ratio:rate${window}{slo="checkout-latency"}) - 1/3) < bool 1e-9`;
    expectChecks(
      await runScenario('latency-interpolation', {
        slo: 'checkout-latency',
        series: [bucket('100', 3000), bucket('250', 4500), bucket('+Inf', 6000), count],
        checks: [
          { atMinute: 70, expr: near('5m'), value: 1 },
          { atMinute: 70, expr: near('1h'), value: 1 },
        ],
      }),
    );
  });

  it('windows 2h to 1d end now: at any evaluation they are the exact ratio of the events in the last W', async () => {
    const scenario = composedWindowsScenario(istio('200', 'spiky'), istio('500', 'spiky'), { withBirth: false });
    expectChecks(await runScenario('composed-windows', { slo: 'spiky', series: scenario.series, checks: scenario.checks, intervalMinutes: 5 }));
  });

  it('on spiky traffic the period error ratio is the exact errors/requests ratio (within 0.1%)', async () => {
    const shape = (m: number) => (Math.floor(m / 60) % 4 === 3 ? { total: 20, errors: 2 } : { total: 6000, errors: 1 });
    const minutes = 7 * 24 * 60;
    const intervalMinutes = 5;
    const increments = Array.from({ length: minutes / intervalMinutes }, (_, i) => {
      let total = 0;
      let errors = 0;
      for (let m = i * intervalMinutes; m < (i + 1) * intervalMinutes; m++) {
        total += shape(m).total;
        errors += shape(m).errors;
      }
      return { total, errors };
    });
    const exact = increments.reduce((s, x) => s + x.errors, 0) / increments.reduce((s, x) => s + x.total, 0);
    const results = await runScenario('spiky', {
      slo: 'spiky',
      series: [
        { series: istio('200', 'spiky'), values: cumulative(increments.map((x) => x.total - x.errors)) },
        { series: istio('500', 'spiky'), values: cumulative(increments.map((x) => x.errors)) },
      ],
      intervalMinutes,
      // Before, at and after half a tile past the last sample: the 168 tiles cover the data at any offset.
      checks: [10, 30, 50].map((after) => ({ atMinute: minutes + after, expr: `sum(vigil:slo_error_ratio:period{slo="spiky"}) / ${exact}`, value: 1 })),
    });
    for (const r of results) {
      expect(r.value, `period ratio / exact at minute ${r.check.atMinute}`).toBeGreaterThan(0.999);
      expect(r.value, `period ratio / exact at minute ${r.check.atMinute}`).toBeLessThan(1.001);
    }
  });
});
