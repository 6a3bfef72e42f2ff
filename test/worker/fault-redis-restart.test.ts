/**
 * Redis restarted without persistence: the catalog, job schedulers and results are gone. The
 * controller restores the catalog on its next resync (simulated here with syncSloCatalog, as the
 * controller does); the workers must notice, re-create the schedulers and results, and not crash.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { syncSloCatalog } from '../../src/catalog/slo-catalog.js';
import { startBudgetWorker, type BudgetWorker } from '../../src/worker/budget-worker.js';
import { waitFor } from '../support/processes.js';
import { startRedis, type RunningRedis } from '../support/redis.js';
import { catalog, EVAL, startPrometheusWithHistory, type HistoryFixture } from './support/fixture.js';
import { readResults } from './support/results.js';

const cycleMs = 1000;
let redisServer: RunningRedis;
let history: HistoryFixture;
let redis: Redis;
let worker: BudgetWorker;
let controller: NodeJS.Timeout;

beforeAll(async () => {
  [redisServer, history] = await Promise.all([startRedis(), startPrometheusWithHistory()]);
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  redis.on('error', () => {});
  await syncSloCatalog(redis, catalog);
  // The controller's periodic resync (it re-writes the catalog idempotently).
  controller = setInterval(() => void syncSloCatalog(redis, catalog).catch(() => {}), cycleMs / 2);
  worker = await startBudgetWorker({
    redisUrl: redisServer.url,
    prometheusUrl: history.prometheus.url,
    cycleMs,
    reconcileMs: cycleMs / 2,
    evaluateAtMs: EVAL,
    logger: createLogger({ level: 'error' }),
  });
});

afterAll(async () => {
  clearInterval(controller);
  await worker?.close();
  redis?.disconnect();
  await Promise.all([redisServer?.stop(), history?.stop()]);
});

it('brings schedulers and results back within about one cycle after Redis loses everything', async () => {
  await waitFor('results before the restart', async () => (await readResults(redis)).size === 4);
  const marker = 'fault-redis-restart:written-before';
  await redis.set(marker, '1');
  await redisServer.restart();
  const restartedAt = Date.now();
  // Redis really lost everything: a key nobody writes again is gone (the worker may refill the results at once).
  expect(await redis.exists(marker)).toBe(0);
  const [schedulers, results] = await waitFor(
    'schedulers and fresh results after the restart',
    async () => {
      const [count, res] = await Promise.all([worker.queue.getJobSchedulersCount(), readResults(redis)]);
      const fresh = [...res.values()].filter((r) => r.computedAtMs >= restartedAt);
      return count === 4 && fresh.length === 4 ? ([count, fresh] as const) : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 50 },
  );
  const backAfterMs = Date.now() - restartedAt;
  console.info(`schedulers and results back ${backAfterMs} ms after the Redis restart (cycle ${cycleMs} ms)`);
  expect(schedulers).toBe(4);
  expect(results.every((r) => r.state.compliance !== undefined && r.state.compliance > 0.99)).toBe(true);
  // Catalog resync (≤ cycle/2) + reconcile tick (≤ cycle/2) + the first job run: about one cycle.
  expect(backAfterMs).toBeLessThan(2 * cycleMs + 500);
  // Still alive: keeps computing afterwards.
  const later = Date.now();
  await waitFor('another round of results', async () => [...(await readResults(redis)).values()].every((r) => r.computedAtMs > later), { timeoutMs: 5000 });
});
