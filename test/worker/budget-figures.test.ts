/**
 * End to end against real Redis and Prometheus: synthetic SLI history (promtool backfill), the
 * contract's recording rules backfilled with `promtool tsdb create-blocks-from rules`, a budget worker
 * pinned to one evaluation instant, and the exported metrics compared with exact analytic values.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarPeriod } from '../../src/budget/calendar.js';
import { decodeResult, type BudgetResult } from '../../src/budget/result.js';
import { readBudgetResult, readBudgetResults } from '../../src/export/budget-results.js';
import { createResultsRegistry } from '../../src/export/results-registry.js';
import { createLogger } from '../../src/observability/logger.js';
import { removeFromCatalog, upsertSloCatalog } from '../../src/catalog/slo-catalog.js';
import { startBudgetWorker, type BudgetWorker } from '../../src/worker/budget-worker.js';
import { redisKeys } from '../../src/redis/redis-keys.js';
import { waitFor } from '../support/processes.js';
import { startRedis, type RunningRedis } from '../support/redis.js';
import { catalog, EVAL, startPrometheusWithHistory, synthetic, T, type HistoryFixture } from './support/fixture.js';
import { readResults } from './support/results.js';
import { errorRatio } from './support/synthetic.js';

const H = 3_600_000;
const D = 24 * H;
let redisServer: RunningRedis;
let history: HistoryFixture;
let redis: Redis;
let worker: BudgetWorker;
let results: Map<string, BudgetResult>;

beforeAll(async () => {
  [redisServer, history] = await Promise.all([startRedis(), startPrometheusWithHistory()]);
  redis = new Redis(redisServer.url);
  const written = await upsertSloCatalog(redis, catalog);
  expect(written.rejected).toEqual([]);
  worker = await startBudgetWorker({
    redisUrl: redisServer.url,
    prometheusUrl: history.prometheus.url,
    cycleMs: 1000,
    evaluateAtMs: EVAL,
    logger: createLogger({ level: 'warn' }),
  });
  results = await waitFor('four budget results', async () => {
    const raw = await redis.hgetall(redisKeys.budgetResults);
    return Object.keys(raw).length === 4 ? new Map(Object.entries(raw).map(([k, v]) => [k, decodeResult(v)])) : undefined;
  });
});

afterAll(async () => {
  await worker?.close();
  redis?.disconnect();
  await Promise.all([redisServer?.stop(), history?.stop()]);
});

function expectRelative(actual: number | undefined, expected: number, what: string): void {
  expect(actual, what).toBeTypeOf('number');
  expect(Math.abs(actual! - expected) / Math.abs(expected), `${what}: ${actual} vs ${expected}`).toBeLessThan(0.001);
}

describe('budget figures match the analytic values within 0.1 %', () => {
  it('30d rolling SLO with a two-hour incident ten days ago', () => {
    const s = synthetic.rolling;
    const r = results.get('shop/checkout-30d')!;
    const ratio = errorRatio(s, T - 30 * D, T);
    // 2 h at 20 % errors plus a 0.01 % background and a recent half hour at 0.3 %.
    expect(ratio).toBeGreaterThan(6e-4);
    expectRelative(r.state.compliance, 1 - ratio, 'compliance');
    expectRelative(r.state.consumed, ratio / 0.001, 'consumed');
    expectRelative(r.state.remaining, 1 - ratio / 0.001, 'remaining');
    for (const [window, ms] of [['5m', 5 * 60_000], ['30m', 30 * 60_000], ['1h', H], ['6h', 6 * H], ['3d', 3 * D]] as const) {
      expectRelative(r.state.burnRates[window], errorRatio(s, T - ms, T) / 0.001, `burn ${window}`);
    }
    const burn1h = errorRatio(s, T - H, T) / 0.001;
    expectRelative(r.state.timeToExhaustionSeconds, ((1 - ratio / 0.001) * 30 * 86_400) / burn1h, 'time to exhaustion');
    expect(r.alerts).toEqual({ 'page-fast': 'firing', 'ticket-slow': 'inactive' });
    // Every hourly tile of the 30 days is recorded.
    expect([r.state.coverage, r.state.recordedCoverage, r.state.partial]).toEqual([1, 1, false]);
  });

  it('calendar month in Europe/Berlin across the October DST change', () => {
    const s = synthetic.month;
    const r = results.get('eu/payments-month')!;
    const start = Date.parse('2026-09-30T22:00:00Z');
    const end = Date.parse('2026-10-31T23:00:00Z'); // 745 hours
    expect([r.state.periodStartMs, r.state.periodEndMs]).toEqual([start, end]);
    const ratio = errorRatio(s, start, T);
    const elapsed = (EVAL - start) / (end - start);
    expectRelative(r.state.compliance, 1 - ratio, 'compliance');
    expectRelative(r.state.elapsedRatio, elapsed, 'elapsed share');
    expectRelative(r.state.consumed, (ratio * elapsed) / 0.005, 'consumed');
    // A UTC month, or a 744 h month, would be visibly off.
    expect(Math.abs(errorRatio(s, Date.parse('2026-10-01T00:00:00Z'), T) - ratio) / ratio).toBeGreaterThan(0.01);
    expect(r.alerts).toEqual({ 'ticket-slow': 'inactive' });
    expect([r.state.coverage, r.state.partial]).toEqual([1, false]);
  });

  it('calendar ISO week in America/New_York', () => {
    const s = synthetic.week;
    const r = results.get('us/search-week')!;
    const { startMs, endMs } = calendarPeriod('week', 'America/New_York', EVAL);
    expect(new Date(startMs).toISOString()).toBe('2026-10-26T04:00:00.000Z');
    const ratio = errorRatio(s, startMs, T);
    expectRelative(r.state.compliance, 1 - ratio, 'compliance');
    expectRelative(r.state.consumed, (ratio * (EVAL - startMs)) / (endMs - startMs) / 0.01, 'consumed');
    expect(r.alerts).toEqual({ 'ticket-slow': 'pending' });
  });

  it('calendar day in Asia/Tokyo', () => {
    const s = synthetic.day;
    const r = results.get('jp/login-day')!;
    const startMs = Date.parse('2026-10-27T15:00:00Z');
    const ratio = errorRatio(s, startMs, T);
    expectRelative(r.state.compliance, 1 - ratio, 'compliance');
    expectRelative(r.state.consumed, (ratio * (EVAL - startMs)) / D / 0.001, 'consumed');
    expectRelative(r.state.burnRates['1h'], errorRatio(s, T - H, T) / 0.001, 'burn 1h');
    expect(r.alerts).toEqual({});
  });

  it('exports the results through the registry with SLO labels', async () => {
    const registry = createResultsRegistry(redis, { cycleMs: 1000, staleCycles: 3600 });
    const text = await registry.metrics();
    const line = (name: string, labels: string) => text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
    const consumed = line('vigil_slo_error_budget_consumed_ratio', 'slo="checkout-30d",namespace="shop",service="checkout"');
    expectRelative(Number(consumed?.split(' ')[1]), errorRatio(synthetic.rolling, T - 30 * D, T) / 0.001, 'exported consumed');
    expect(line('vigil_slo_burn_rate', 'slo="login-day",namespace="jp",service="login",window="6h"')).toBeTruthy();
    expect(line('vigil_slo_alert_firing', 'slo="checkout-30d",namespace="shop",service="checkout",policy="page-fast"')).toMatch(/ 1$/);
    expect(text).toContain('vigil_budget_results{state="fresh"} 4');
    expect(line('vigil_slo_period_coverage_ratio', 'slo="payments-month",namespace="eu",service="payments"')).toMatch(/ 1$/);
    expect(line('vigil_slo_period_recorded_coverage_ratio', 'slo="checkout-30d",namespace="shop",service="checkout"')).toMatch(/ 1$/);
  });

  it('reads results back for the API, with freshness', async () => {
    const now = Date.now();
    const one = await readBudgetResult(redis, { namespace: 'eu', name: 'payments-month' }, { cycleMs: 1000, nowMs: now });
    expect(one?.fresh).toBe(true);
    expect(one?.result.state.periodStartMs).toBe(Date.parse('2026-09-30T22:00:00Z'));
    const later = await readBudgetResults(redis, { cycleMs: 1000, nowMs: now + 60_000 });
    expect(later.map((r) => `${r.namespace}/${r.name}:${r.fresh}`).sort()).toEqual(['eu/payments-month:false', 'jp/login-day:false', 'shop/checkout-30d:false', 'us/search-week:false']);
    expect(await readBudgetResult(redis, { namespace: 'eu', name: 'nope' }, { cycleMs: 1000, nowMs: now })).toBeUndefined();
  });

  it('stores each result compactly', async () => {
    for (const key of results.keys()) expect((await redis.hget(redisKeys.budgetResults, key))!.length).toBeLessThan(600);
  });

  it('shares queries across SLOs: one per distinct window or calendar start per cycle', () => {
    // Per cycle at most: 7 default windows (the policies' 1h, 5m, 3d, 6h are among them), the rolling
    // period, ALERTS, and one tiles query per period shape (4; they give the calendar figures too, and are
    // sent again only when a tile completes) = 13, however many SLOs share them.
    // Cycles are wall-clock buckets: on a loaded machine one cycle's jobs can straddle a boundary and its
    // queries fall into two buckets, so the bound is asserted, and that some cycle sent every per-cycle query
    // (7 windows, the rolling period, ALERTS).
    expect(worker.cache.queriesSent).toBeGreaterThanOrEqual(13);
    const busiest = Math.max(...worker.cache.queriesPerCycle.values());
    expect(busiest).toBeLessThanOrEqual(13);
    expect(busiest).toBeGreaterThanOrEqual(9);
  });
});

describe('catalog changes', () => {
  it('a deleted SLO loses its results at once and its scheduler at the next reconcile, for good', async () => {
    await removeFromCatalog(redis, [{ namespace: 'shop', name: 'checkout-30d' }]);
    expect(await redis.hexists(redisKeys.budgetResults, 'shop/checkout-30d')).toBe(0);
    await waitFor('scheduler removed', async () => (await worker.queue.getJobScheduler('budget:shop/checkout-30d')) === undefined, { timeoutMs: 5000 });
    const since = Date.now();
    await waitFor('two more cycles for the others', async () => [...(await readResults(redis)).values()].every((r) => r.computedAtMs > since + 1000), { timeoutMs: 5000 });
    expect([...(await readResults(redis)).keys()].sort()).toEqual(['eu/payments-month', 'jp/login-day', 'us/search-week']);
    expect(await worker.queue.getJobSchedulersCount()).toBe(3);
  });
});
