/**
 * The REST API's routes that query the metrics store, on VictoriaMetrics and on Prometheus holding the same
 * samples (one `--prometheus-url` changed): budget time series, burn rates for windows the worker result lacks,
 * the health timeline and the backtest answer the same, to 1e-9.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startVictoriaMetrics, type RunningVictoriaMetrics } from '../support/victoria-metrics.js';
import { checkoutHistory, HISTORY_END_MS, startRecordedHistory, type RecordedHistory } from './support/history.js';
import { result, seed } from './support/seed.js';

const H = 3_600_000;
/** Inside both stores' retention. */
const T = HISTORY_END_MS;

let history: RecordedHistory;
let vm: RunningVictoriaMetrics;
let onPrometheus: FastifyInstance;
let onVm: FastifyInstance;

beforeAll(async () => {
  const series = checkoutHistory((m) => (m > 30 ? 0.95 : 0.3 + m / 1000));
  [history, vm] = await Promise.all([startRecordedHistory('api-vm', T - 3 * H, series), startVictoriaMetrics()]);
  const { fx, prometheus } = history;
  await vm.importLines(series.map((s) => `${s.name}{${s.labels}} ${s.value} ${s.ms}`));
  await seed(fx.redis, { 'shop/checkout': result('checkout', { computedAtMs: T, burn: { '1h': 0.8 } }) });
  onPrometheus = await fx.app({ prometheusUrl: prometheus.url, now: () => T });
  onVm = await fx.app({ prometheusUrl: vm.url, now: () => T });
}, 120_000);

afterAll(async () => {
  await Promise.all([history?.stop(), vm?.stop()]);
});

/** Every number in `actual` within 1e-9 (relative) of `expected`'s; everything else equal. */
function expectSame(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    expect(Math.abs(actual - expected), `${path}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual) && actual.length, `${path} length`).toBe(expected.length);
    expected.forEach((e, i) => expectSame((actual as unknown[])[i], e, `${path}[${i}]`));
  } else if (expected && typeof expected === 'object') {
    expect(Object.keys(actual as object).sort(), `${path} keys`).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) expectSame((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else {
    expect(actual, path).toEqual(expected);
  }
}

async function both(url: string): Promise<{ prometheus: unknown; vm: unknown }> {
  const [p, v] = await Promise.all([onPrometheus.inject(url), onVm.inject(url)]);
  expect(p.statusCode, `${url} on Prometheus: ${p.body}`).toBe(200);
  expect(v.statusCode, `${url} on VictoriaMetrics: ${v.body}`).toBe(200);
  return { prometheus: JSON.parse(p.body), vm: JSON.parse(v.body) };
}

it.each([
  ['budget over a range', `/api/v1/slos/shop/checkout/budget?start=${(T - 2 * H) / 1000}&end=${T / 1000}&step=5m`],
  ['budget at a 1m step', `/api/v1/slos/shop/checkout/budget?start=${(T - H) / 1000}&end=${T / 1000}&step=1m`],
  ['burn rates from results and from the store', '/api/v1/slos/shop/checkout/burn-rates?window=1h&window=2h&window=7h'],
  ['health timeline', `/api/v1/health/service/shop/checkout/timeline?start=${(T - 2 * H) / 1000}&end=${T / 1000}&step=10m`],
  ['health timeline at 1m', `/api/v1/health/service/shop/checkout/timeline?start=${(T - 40 * 60_000) / 1000}&end=${T / 1000}&step=1m`],
  ['backtest', '/api/v1/slos/shop/checkout/backtest?range=2h'],
])('%s: the same answer from VictoriaMetrics as from Prometheus', async (_name, url) => {
  const { prometheus: expected, vm: actual } = await both(url);
  expectSame(actual, expected, url);
});

it('the answers compared carry the data (not two empty answers)', async () => {
  const budget = (await both(`/api/v1/slos/shop/checkout/budget?start=${(T - H) / 1000}&end=${T / 1000}&step=5m`)).vm as { points: Array<{ consumed: number }> };
  expect(budget.points).toHaveLength(13);
  expect(budget.points.at(-1)!.consumed).toBeCloseTo(0.5, 9);
  const burn = (await both('/api/v1/slos/shop/checkout/burn-rates?window=2h')).vm as { windows: Array<{ burnRate: number; source: string }> };
  expect(burn.windows.map((w) => [w.source, w.burnRate])).toEqual([['prometheus', expect.closeTo(3.6, 9)]]);
  const timeline = (await both(`/api/v1/health/service/shop/checkout/timeline?start=${(T - H) / 1000}&end=${T / 1000}&step=10m`)).vm as { points: Array<{ score: number }> };
  expect(timeline.points.map((p) => p.score)).toEqual([0.95, 0.95, 0.95, 0.33, 0.32, 0.31, 0.3]);
  const backtest = (await both('/api/v1/slos/shop/checkout/backtest?range=2h')).vm as { sets: Array<{ incidents: unknown[]; detectionDelaysSeconds: number[] }> };
  expect(backtest.sets[0]!.incidents).toHaveLength(1);
  expect(backtest.sets[0]!.detectionDelaysSeconds).toEqual([180]);
});
