/**
 * Detection and accuracy of the generated rules, proven by Prometheus's own rule engine (`promtool test
 * rules`, Prometheus 2.42) with the default workbook policies on a 99.9%/30d SLO.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { burnRate, burnRateThreshold } from '../../deploy/grafana/dashboards.js';
import { loadResources } from '../../src/resources/load-resources.js';
import { compile } from '../../src/rules/compile.js';
import { renderOutput } from '../../src/rules/render-output.js';
import { promtool } from '../support/prometheus.js';
import { tempDir } from '../support/processes.js';
import { composedWindowsScenario, cumulative, istio, promtoolTestFile, traffic, type Check } from './promtool-scenario.js';

const firing = (extra = '') =>
  `count(ALERTS{alertname="VigilErrorBudgetBurn", alertstate="firing", slo="checkout"${extra}}) or vector(0)`;
const anyAlert = `count(ALERTS{alertname="VigilErrorBudgetBurn"}) or vector(0)`;
const page = ', severity="page"';

let dir: Awaited<ReturnType<typeof tempDir>>;
let compiled: ReturnType<typeof compile>;

beforeAll(async () => {
  dir = await tempDir('promtool-scenarios');
  const loaded = loadResources([join(import.meta.dirname, 'fixtures/scenario-slos.yaml')], process.cwd());
  compiled = compile(loaded.resources);
  expect(compiled.issues.filter((i) => i.level === 'error')).toEqual([]);
});
afterAll(() => dir.remove());

async function runScenario(
  name: string,
  options: { slo?: string; series: ReturnType<typeof traffic>; checks: Check[]; intervalMinutes?: number; evaluationInterval?: string },
) {
  // Only the scenario's SLO is loaded: promtool evaluates every rule at every step.
  const slos = compiled.slos.filter((s) => s.name === (options.slo ?? 'checkout'));
  expect(slos).toHaveLength(1);
  writeFileSync(join(dir.path, `${name}.rules.yaml`), renderOutput(slos, 'rule-file'));
  const file = join(dir.path, `${name}.test.yaml`);
  writeFileSync(
    file,
    promtoolTestFile({ ruleFile: `${name}.rules.yaml`, intervalMinutes: options.intervalMinutes ?? 1, evaluationInterval: options.evaluationInterval ?? '30s', series: options.series, checks: options.checks }),
  );
  const result = await promtool(['test', 'rules', file], dir.path);
  return { ...result, output: result.stdout + result.stderr };
}

const composedScenario = composedWindowsScenario(istio('200', 'spiky'), istio('500', 'spiky'), { withBirth: true });

const OUTAGE_START = 180; // minutes of clean traffic first, so every window up to 1h is full
const RATE = 6000; // requests per minute

describe('promtool scenarios, 99.9% over 30d with the workbook policies', () => {
  it('a 100% outage pages within 2 minutes plus the 2m "for"', async () => {
    const r = await runScenario('total-outage', {
      series: traffic(OUTAGE_START + 30, (m) => ({ total: RATE, errors: m >= OUTAGE_START ? RATE : 0 })),
      checks: [
        { atMinute: OUTAGE_START, expr: anyAlert, value: 0 },
        { atMinute: OUTAGE_START + 4, expr: firing(`${page}, policy="workbook-page-fast"`), value: 1 },
      ],
    });
    expect(r.code, r.output).toBe(0);
  });

  it('10% errors page after 7 to 12 minutes (workbook: 8.64 min plus "for")', async () => {
    const r = await runScenario('ten-percent', {
      series: traffic(OUTAGE_START + 30, (m) => ({ total: RATE, errors: m >= OUTAGE_START ? RATE / 10 : 0 })),
      checks: [
        { atMinute: OUTAGE_START + 7, expr: firing(page), value: 0 },
        { atMinute: OUTAGE_START + 12, expr: firing(`${page}, policy="workbook-page-fast"`), value: 1 },
      ],
    });
    expect(r.code, r.output).toBe(0);
  });

  it('0.05% errors (half the budget rate) never alert', { timeout: 240_000 }, async () => {
    const days = 4; // past the 3d ticket window
    const checks = [60, 6 * 60, 24 * 60, 3 * 24 * 60, days * 24 * 60 - 5].map((atMinute) => ({ atMinute, expr: anyAlert, value: 0 }));
    const r = await runScenario('half-budget', {
      // 5-minute samples keep promtool fast; 20,000 requests and 10 errors each.
      series: traffic((days * 24 * 60) / 5, () => ({ total: 20_000, errors: 10 })),
      checks,
      intervalMinutes: 5,
      evaluationInterval: '5m',
    });
    expect(r.code, r.output).toBe(0);
  });

  it('after a 10-minute total outage the page stops within 40 minutes', async () => {
    const end = OUTAGE_START + 10;
    const r = await runScenario('short-outage', {
      series: traffic(end + 60, (m) => ({ total: RATE, errors: m >= OUTAGE_START && m < end ? RATE : 0 })),
      checks: [
        { atMinute: OUTAGE_START + 5, expr: firing(page), value: 1 },
        { atMinute: end + 40, expr: firing(page), value: 0 },
      ],
    });
    expect(r.code, r.output).toBe(0);
  });

  it('each policy records its threshold with the alert\'s labels, joinable with the burn rate and ALERTS', async () => {
    const checkout = 'slo="checkout", namespace="shop"';
    // The workbook on a 30d period, written out here rather than read from the code under test.
    const policies = [
      { policy: 'workbook-page-fast', severity: 'page', long: '1h', short: '5m', threshold: 14.4 },
      { policy: 'workbook-page-slow', severity: 'page', long: '6h', short: '30m', threshold: 6 },
      { policy: 'workbook-ticket', severity: 'ticket', long: '3d', short: '6h', threshold: 1 },
    ];
    const thresholdChecks = policies.map((p) => ({
      atMinute: OUTAGE_START,
      expr: burnRateThreshold(`${checkout}, policy="${p.policy}"`),
      value: p.threshold,
      labels:
        `{__name__="vigil:slo_burn_rate_threshold:ratio", slo="checkout", namespace="shop", service="checkout", ` +
        `severity="${p.severity}", policy="${p.policy}", long_window="${p.long}", short_window="${p.short}"}`,
    }));
    // The dashboard's 1h burn rate against every threshold series of the SLO whose long window is 1h.
    const fastBurning = `count(${burnRate('1h', checkout)} > on (slo, namespace) group_right () ${burnRateThreshold(`${checkout}, long_window="1h"`)}) or vector(0)`;
    // One-to-one on every label the alert and the series share: matches only if their values agree.
    const firingThreshold =
      `sum(ALERTS{alertname="VigilErrorBudgetBurn", alertstate="firing"} * on (slo, namespace, service, severity, policy, long_window, short_window) ` +
      `vigil:slo_burn_rate_threshold:ratio) or vector(0)`;
    const r = await runScenario('thresholds', {
      series: traffic(OUTAGE_START + 10, (m) => ({ total: RATE, errors: m >= OUTAGE_START ? RATE : 0 })),
      checks: [
        ...thresholdChecks,
        { atMinute: OUTAGE_START, expr: `count(${burnRateThreshold(checkout)})`, value: policies.length },
        { atMinute: OUTAGE_START, expr: fastBurning, value: 0 },
        { atMinute: OUTAGE_START, expr: firingThreshold, value: 0 },
        // A total outage: the 1h burn rate passes 14.4 within a minute; only the fast page fires by then.
        { atMinute: OUTAGE_START + 4, expr: fastBurning, value: 1 },
        { atMinute: OUTAGE_START + 4, expr: firingThreshold, value: 14.4 },
      ],
    });
    expect(r.code, r.output).toBe(0);
  });

  it('a latency threshold between two buckets counts good events by linear interpolation', async () => {
    // Per minute: 3000 requests ≤ 100 ms, 4500 ≤ 250 ms, 6000 in all. Threshold 200 ms lies 2/3 of the way
    // from 100 to 250, so good = 3000 + (4500 - 3000) × 2/3 = 4000 and the error ratio is exactly 1/3.
    const bucket = (le: string, perMinute: number) => ({
      series: `istio_request_duration_milliseconds_bucket{reporter="destination", destination_service_namespace="shop", destination_service_name="checkout", le="${le}"}`,
      values: cumulative(Array.from({ length: 90 }, () => perMinute)),
    });
    const count = {
      series: 'istio_request_duration_milliseconds_count{reporter="destination", destination_service_namespace="shop", destination_service_name="checkout"}',
      values: cumulative(Array.from({ length: 90 }, () => 6000)),
    };
    const near = (window: string) => `abs(sum(vigil:slo_error_ratio:rate${window}{slo="checkout-latency"}) - 1/3) < bool 1e-9`;
    const r = await runScenario('latency-interpolation', {
      slo: 'checkout-latency',
      series: [bucket('100', 3000), bucket('250', 4500), bucket('+Inf', 6000), count],
      checks: [
        { atMinute: 70, expr: near('5m'), value: 1 },
        { atMinute: 70, expr: near('1h'), value: 1 },
      ],
    });
    expect(r.code, r.output).toBe(0);
  });

  it('windows 2h to 3d end now: at any evaluation they are the exact ratio of the events in the last W (3d: all since the SLO began)', { timeout: 120_000 }, async () => {
    const r = await runScenario('composed-windows', {
      slo: 'spiky',
      series: composedScenario.series,
      intervalMinutes: 5,
      evaluationInterval: '5m',
      checks: composedScenario.checks,
    });
    expect(r.code, r.output).toBe(0);
  });

  it('on spiky traffic the period error ratio is the exact errors/requests ratio (within 0.1%)', { timeout: 240_000 }, async () => {
    // Busy hours with few errors alternate with quiet hours with many: an average of ratios would read
    // about 2.5% here, the true ratio is far lower.
    const shape = (m: number) => (Math.floor(m / 60) % 4 === 3 ? { total: 20, errors: 2 } : { total: 6000, errors: 1 });
    const minutes = 7 * 24 * 60; // the SLO "spiky" has a 7d rolling period
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
    const totalRequests = increments.reduce((s, x) => s + x.total, 0);
    const totalErrors = increments.reduce((s, x) => s + x.errors, 0);
    const exact = totalErrors / totalRequests;
    const averageOfRatios = increments.reduce((s, x) => s + x.errors / x.total, 0) / increments.length;
    expect(averageOfRatios / exact).toBeGreaterThan(10); // the scenario really separates the two methods
    const r = await runScenario('spiky', {
      slo: 'spiky',
      series: [
        { series: istio('200', 'spiky'), values: cumulative(increments.map((x) => x.total - x.errors)) },
        { series: istio('500', 'spiky'), values: cumulative(increments.map((x) => x.errors)) },
      ],
      intervalMinutes,
      evaluationInterval: '5m',
      // Checked half an hour after the last sample: promtool evaluates rule groups in random order within a
      // step, so at an hour-aligned instant the long group may read the short group's 1h rate before it is
      // recorded for that instant (a live Prometheus reads it a fixed evaluation offset later every time).
      // Half past, the newest 1h tile is from an earlier step and the 168 tiles cover the data exactly.
      checks: [{ atMinute: minutes + 30, expr: `abs(sum(vigil:slo_error_ratio:period{slo="spiky"}) / ${exact} - 1) < bool 0.001`, value: 1 }],
    });
    expect(r.code, r.output).toBe(0);
  });
});
