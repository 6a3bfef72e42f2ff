/**
 * Where MetricsQL (VictoriaMetrics 1.79, Debian's) and PromQL (Prometheus 2.42, promtool) differ on what the
 * generated rules depend on, each difference measured on both engines with the same series. The rule builder
 * (src/rules/build-rules.ts) is written against these results.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promtool } from '../support/prometheus.js';
import { tempDir } from '../support/processes.js';
import { startVictoriaMetrics, type RunningVictoriaMetrics } from '../support/victoria-metrics.js';
import { promtoolTestFile } from './promtool-scenario.js';
import { importLines } from './vmalert-replay.js';

const START = Math.floor(Date.now() / 86_400_000) * 86_400 - 2 * 86_400;
let dir: Awaited<ReturnType<typeof tempDir>>;
let vm: RunningVictoriaMetrics;
let testNumber = 0;

// One counter sampled every minute for two hours, +60 per minute from 0; and one that first appears at
// minute 10 already at 600 (a new pod's counter, or a response code seen for the first time).
const steady = { series: 'steady_total{job="x"}', values: Array.from({ length: 121 }, (_, m) => 60 * m) };
const late = { series: 'late_total{job="x"}', values: Array.from({ length: 121 }, (_, m) => 600 + 60 * m) };

beforeAll(async () => {
  dir = await tempDir('engine-semantics');
  vm = await startVictoriaMetrics();
  await vm.importLines(importLines([steady], START, 1));
  // The late series starts at minute 10: import only its samples from then on.
  await vm.importLines(importLines([{ series: late.series, values: late.values.slice(0, 111) }], START + 600, 1));
});
afterAll(async () => {
  await vm?.stop();
  await dir?.remove();
});

/** Whether promtool's Prometheus engine gives `sum(expr)` = `expected` at `atMinute` (its output says what it got). */
async function prometheusAgrees(expr: string, atMinute: number, expected: number): Promise<{ ok: boolean; output: string }> {
  const name = `t${testNumber++}`;
  writeFileSync(join(dir.path, `${name}.rules.yaml`), 'groups: []\n');
  const lateSeries = { series: late.series, values: [] as number[] };
  const file = join(dir.path, `${name}.test.yaml`);
  // promtool's `_` leaves a step empty: the late series has no samples before minute 10.
  const content = promtoolTestFile({ ruleFile: `${name}.rules.yaml`, intervalMinutes: 1, evaluationInterval: '1m', series: [steady, lateSeries], checks: [{ atMinute, expr: `sum(${expr})`, value: expected }] })
    .replace(/values: ""/, `values: "_x10 600+60x110"`);
  writeFileSync(file, content);
  const result = await promtool(['test', 'rules', file], dir.path);
  return { ok: result.code === 0, output: result.stdout + result.stderr };
}

async function vmValue(expr: string, atMinute: number): Promise<number> {
  const samples = await vm.query(`sum(${expr})`, START + atMinute * 60);
  expect(samples, expr).toHaveLength(1);
  return Number(samples[0]!.value[1]);
}

describe('range boundaries', () => {
  it('Prometheus 2 ranges are closed [t-d, t], VictoriaMetrics ranges left-open (t-d, t]', async () => {
    const expr = 'count_over_time(steady_total[5m])';
    const prom = await prometheusAgrees(expr, 60, 6);
    expect(prom.ok, prom.output).toBe(true);
    expect(await vmValue(expr, 60)).toBe(5);
  });
});

describe('subquery steps', () => {
  it('both engines align subquery steps to multiples of the step (since the epoch), not to the evaluation time', async () => {
    // At minute 62.5 the aligned steps are minutes 5, 10, ..., 60 (and 2.5 is outside either range form).
    const expr = 'min_over_time(timestamp(steady_total)[1h:5m])';
    const prom = await prometheusAgrees(expr, 62.5, 300);
    expect(prom.ok, prom.output).toBe(true);
    expect((await vmValue(expr, 62.5)) - START).toBe(300);
  });

  it('a subquery range of W - step/2 loses a point past half a step on both engines', async () => {
    const expr = 'count_over_time(steady_total[57m30s:5m])';
    const prom = await prometheusAgrees(expr, 64, 11);
    expect(prom.ok, prom.output).toBe(true);
    expect(await vmValue(expr, 64)).toBe(11);
  });

  it('a subquery range of W - 1ms holds W/step points at every evaluation offset on both engines', async () => {
    for (const atMinute of [60, 61, 62.5, 64, 64.99]) {
      const expr = 'count_over_time(steady_total[59m59s999ms:5m])';
      const prom = await prometheusAgrees(expr, atMinute, 12);
      expect(prom.ok, `minute ${atMinute}: ${prom.output}`).toBe(true);
      expect(await vmValue(expr, atMinute), `minute ${atMinute}`).toBe(12);
    }
  });
});

describe('offset', () => {
  it('both engines read the latest sample at or before t − offset: at a multiple of the evaluation interval, the one recorded then', async () => {
    // Composed windows (src/rules/windows.ts) read rolling rates at offsets that are multiples of the group
    // interval, so each piece is the sample recorded exactly that long ago. Samples every minute, +60 each.
    for (const [atMinute, expected] of [[60, 1800], [60.5, 1800], [61, 1860]] as const) {
      const expr = 'steady_total offset 30m';
      const prom = await prometheusAgrees(expr, atMinute, expected);
      expect(prom.ok, `minute ${atMinute}: ${prom.output}`).toBe(true);
      expect(await vmValue(expr, atMinute), `minute ${atMinute}`).toBe(expected);
    }
  });
});

describe('rate and increase', () => {
  it('on a steady counter over a full window both give the exact rate', async () => {
    const prom = await prometheusAgrees('rate(steady_total[5m])', 60, 1);
    expect(prom.ok, prom.output).toBe(true);
    expect(await vmValue('rate(steady_total[5m])', 60)).toBe(1);
  });

  it('for a series that starts inside the window Prometheus extrapolates, VictoriaMetrics counts from zero', async () => {
    // Samples at minutes 10, 11, 12 (600, 660, 720). Prometheus: 120 over 2 minutes, extrapolated by half a
    // sample interval before the first sample → 150. VictoriaMetrics takes a series without an earlier sample
    // to have started at 0 → 720. Neither is exact for a counter born inside the window; the rules divide
    // good by total read the same way, so only windows in which series appear differ between the engines.
    const prom = await prometheusAgrees('increase(late_total[5m])', 12, 150);
    expect(prom.ok, prom.output).toBe(true);
    expect(await vmValue('increase(late_total[5m])', 12)).toBe(720);
  });
});
