/**
 * Prometheus down: budget jobs fail and are retried with backoff; the exported results keep their old
 * values and timestamp (stale), then vanish after three cycles; at no point is anything exported as a
 * zero. When Prometheus is back, fresh results return.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createResultsRegistry } from '../../src/export/results-registry.js';
import { createLogger } from '../../src/observability/logger.js';
import { upsertSloCatalog } from '../../src/catalog/slo-catalog.js';
import { startBudgetWorker, type BudgetWorker } from '../../src/worker/budget-worker.js';
import { waitFor } from '../support/processes.js';
import { startRedis, type RunningRedis } from '../support/redis.js';
import { catalog, EVAL, startPrometheusWithHistory, type HistoryFixture } from './support/fixture.js';
import { samples } from './support/results.js';

const cycleMs = 1000;
let redisServer: RunningRedis;
let history: HistoryFixture;
let redis: Redis;
let worker: BudgetWorker;

beforeAll(async () => {
  [redisServer, history] = await Promise.all([startRedis(), startPrometheusWithHistory()]);
  redis = new Redis(redisServer.url);
  await upsertSloCatalog(redis, catalog);
  worker = await startBudgetWorker({
    redisUrl: redisServer.url,
    prometheusUrl: history.prometheus.url,
    cycleMs,
    evaluateAtMs: EVAL,
    attempts: 3,
    backoffMs: 200,
    queryAttempts: 2,
    queryTimeoutMs: 1000,
    logger: createLogger({ level: 'error' }),
  });
});

afterAll(async () => {
  await worker?.close();
  redis?.disconnect();
  await Promise.all([redisServer?.stop(), history?.stop()]);
});

const budgetMetrics = [
  'vigil_slo_error_budget_consumed_ratio',
  'vigil_slo_error_budget_remaining_ratio',
  'vigil_slo_compliance_ratio',
  'vigil_slo_burn_rate',
  'vigil_slo_computed_timestamp_seconds',
];

it('Prometheus stopped for two minutes: results go stale, then absent, never zero, and recover', { timeout: 300_000 }, async () => {
  const registry = createResultsRegistry(redis, { cycleMs, staleCycles: 3 });
  const scrape = async () => {
    const text = await registry.metrics();
    return Object.fromEntries(budgetMetrics.map((m) => [m, samples(text, m)])) as Record<string, Array<[string, number]>>;
  };
  const before = await waitFor('all four SLOs exported', async () => {
    const s = await scrape();
    return s.vigil_slo_compliance_ratio!.length === 4 ? s : undefined;
  });
  const lastGood = new Map(budgetMetrics.flatMap((m) => before[m]!.map(([labels, v]) => [`${m}${labels}`, v] as const)));

  await history.pause();
  const downAt = Date.now();
  let sawStale = false;
  let absentAt: number | undefined;
  // Scrape through a two-minute outage: every exported value is the last good one (stale) until the series go.
  const OUTAGE_MS = 120_000;
  while (Date.now() - downAt < OUTAGE_MS) {
    const s = await scrape();
    for (const m of budgetMetrics) {
      for (const [labels, value] of s[m]!) {
        if (m === 'vigil_slo_computed_timestamp_seconds') {
          expect(value * 1000).toBeLessThan(downAt + cycleMs); // never advances while Prometheus is down
          if (Date.now() - value * 1000 > cycleMs * 1.5) sawStale = true;
        } else {
          // Never a fresh zero: either the value computed before the outage, or nothing.
          expect(value, `${m}${labels}`).toBe(lastGood.get(`${m}${labels}`));
        }
      }
    }
    if (absentAt === undefined && s.vigil_slo_compliance_ratio!.length === 0) absentAt = Date.now();
    await new Promise((r) => setTimeout(r, absentAt === undefined ? 100 : 1_000));
  }
  expect(sawStale).toBe(true);
  expect(absentAt, 'results dropped from the exposition').toBeDefined();
  expect(absentAt! - downAt).toBeLessThan(3 * cycleMs + 2 * cycleMs); // three cycles after the last computation
  expect((await registry.metrics())).toMatch(/vigil_budget_results\{state="stale"\} 4/);

  // Jobs failed because of Prometheus, and BullMQ retried them (attempts beyond the first).
  const failures = (await worker.metrics.registry.getSingleMetric('vigil_budget_job_failures_total')!.get()).values;
  expect(failures.find((v) => v.labels.reason === 'prometheus')?.value ?? 0).toBeGreaterThan(0);
  const queryErrors = (await worker.metrics.registry.getSingleMetric('vigil_prometheus_query_errors_total')!.get()).values;
  expect(queryErrors.reduce((a, v) => a + v.value, 0)).toBeGreaterThan(0);
  const failed = await worker.queue.getFailed(0, 100);
  expect(failed.some((j) => j.attemptsMade >= 2)).toBe(true);

  await history.resume();
  const back = await waitFor('fresh results after Prometheus returns', async () => {
    const s = await scrape();
    return s.vigil_slo_compliance_ratio!.length === 4 ? s : undefined;
  }, { timeoutMs: 15_000 });
  for (const [labels, value] of back.vigil_slo_compliance_ratio!) expect(value).toBe(lastGood.get(`vigil_slo_compliance_ratio${labels}`));
});
