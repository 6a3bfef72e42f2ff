/**
 * Budget cycle benchmark (`npm run bench budget`): real Redis and Prometheus, synthetic recorded series
 * for 10,000 SLOs (70 % rolling 30d, 10 % each Berlin month, UTC week, New York day), one in-process
 * budget worker. Prints: scheduler reconcile time, wall time of a full steady-state cycle, Prometheus
 * queries per cycle for 1,000 and for 10,000 SLOs, and Redis memory per SLO.
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/observability/logger.js';
import { createPrometheusReader } from '../../src/prometheus/prometheus-reader.js';
import { syncSloCatalog } from '../../src/catalog/slo-catalog.js';
import { createResultsRegistry } from '../../src/export/results-registry.js';
import { startBudgetWorker } from '../../src/worker/budget-worker.js';
import { redisKeys } from '../../src/redis/redis-keys.js';
import { tempDir, waitFor } from '../support/processes.js';
import { promtool, startPrometheus } from '../support/prometheus.js';
import { startRedis } from '../support/redis.js';
import { entry, T, writeHistory } from './support/budget-history.js';

const N = 10_000;
const CYCLE_MS = 30_000;

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

/** Runs a worker over `n` catalog SLOs; returns timings, queries per steady cycle and memory. */
async function measure(redisUrl: string, prometheusUrl: string, n: number) {
  const redis = new Redis(redisUrl);
  await redis.flushall();
  const baseline = await usedMemory(redis);
  const catalogStarted = performance.now();
  await syncSloCatalog(redis, Array.from({ length: n }, (_, i) => entry(i)));
  const catalogMs = performance.now() - catalogStarted;
  const base = createPrometheusReader({ url: prometheusUrl, timeoutMs: 30_000 });
  // Each query's wall time, so the report names what a cycle waits for.
  const timings: Array<{ expr: string; ms: number; at: number }> = [];
  const reader: typeof base = {
    ...base,
    get queries() {
      return base.queries;
    },
    instantQuery: async (expr, evalTimeMs) => {
      const started = performance.now();
      try {
        return await base.instantQuery(expr, evalTimeMs);
      } finally {
        timings.push({ expr, ms: performance.now() - started, at: Date.now() });
      }
    },
  };
  const startedAt = Date.now();
  const worker = await startBudgetWorker({
    redisUrl,
    prometheusUrl,
    cycleMs: CYCLE_MS,
    evaluateAtMs: T,
    reader,
    concurrency: 100,
    logger: createLogger({ level: 'warn' }),
  });
  const reconcileMs = Date.now() - startedAt;
  const computedSince = async (since: number) => {
    let done = 0;
    let cursor = '0';
    do {
      const [next, flat] = await redis.hscan(redisKeys.budgetResults, cursor, 'COUNT', 2000);
      cursor = next;
      for (let i = 1; i < flat.length; i += 2) if ((JSON.parse(flat[i]!) as { t: number }).t >= since) done++;
    } while (cursor !== '0');
    return done;
  };
  await waitFor('first cycle', async () => (await computedSince(startedAt)) === n, { timeoutMs: 300_000, intervalMs: 250 });
  const firstCycleMs = Date.now() - startedAt;
  // Steady state: the next cycle boundary, when every scheduler fires.
  const boundary = Math.ceil(Date.now() / CYCLE_MS) * CYCLE_MS;
  await new Promise((r) => setTimeout(r, boundary - Date.now()));
  const queriesBefore = reader.queries;
  await waitFor('steady cycle', async () => (await computedSince(boundary)) === n, { timeoutMs: 300_000, intervalMs: 100 });
  const steadyCycleMs = Date.now() - boundary;
  const queriesPerCycle = reader.queries - queriesBefore;
  const slowest = timings
    .filter((t) => t.at >= boundary)
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3)
    .map((t) => `${(t.ms / 1000).toFixed(2)} s ${t.expr.length > 90 ? `${t.expr.slice(0, 90)}…` : t.expr}`);
  const total = await usedMemory(redis);
  const results = Number(await redis.memory('USAGE', redisKeys.budgetResults, 'SAMPLES', '0'));
  const catalog = Number(await redis.memory('USAGE', redisKeys.sloCatalog, 'SAMPLES', '0'));
  const counts = await worker.queue.getJobCounts('wait', 'active', 'delayed', 'completed', 'failed');
  const registry = createResultsRegistry(redis, { cycleMs: CYCLE_MS });
  await registry.metrics();
  const scrapeStarted = performance.now();
  const exposition = await registry.metrics();
  const scrapeMs = performance.now() - scrapeStarted;
  const exposedSeries = exposition.split('\n').filter((l) => l && !l.startsWith('#')).length;
  await worker.close();
  redis.disconnect();
  return { n, catalogMs, reconcileMs, firstCycleMs, steadyCycleMs, queriesPerCycle, slowest, perSlo: (total - baseline) / n, resultsPerSlo: results / n, catalogPerSlo: catalog / n, counts, scrapeMs, exposedSeries, expositionBytes: exposition.length };
}

const dir = await tempDir('bench-budget');
const [redis, history] = await Promise.all([startRedis(), (async () => {
  const t0 = performance.now();
  await writeHistory(join(dir.path, 'history.om'), N);
  const r = await promtool(['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', '--max-block-duration=2232h', join(dir.path, 'history.om'), join(dir.path, 'data')]);
  if (r.code !== 0) throw new Error(r.stderr);
  process.stdout.write(`synthetic history for ${N} SLOs backfilled in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return startPrometheus({ dataDir: join(dir.path, 'data') });
})()]);
try {
  const rows = [];
  for (const n of [1_000, N]) {
    const m = await measure(redis.url, history.url, n);
    rows.push(m);
    process.stdout.write(
      [
        `\n${n} SLOs (cycle ${CYCLE_MS / 1000} s, concurrency 100, 1 worker, 2 shared cores):`,
        `  catalog sync                      ${m.catalogMs.toFixed(0)} ms`,
        `  scheduler reconcile (start)       ${m.reconcileMs} ms`,
        `  first cycle (start → all results) ${(m.firstCycleMs / 1000).toFixed(2)} s`,
        `  steady cycle (boundary → all)     ${(m.steadyCycleMs / 1000).toFixed(2)} s   (target < 30 s)`,
        `  Prometheus queries per cycle      ${m.queriesPerCycle}`,
        `  slowest queries of that cycle     ${m.slowest.join('\n                                    ')}`,
        `  Redis memory per SLO (INFO)       ${(m.perSlo / 1024).toFixed(2)} KB   (target < 4 KB; catalog, schedulers, next jobs, results)`,
        `    results hash per SLO            ${m.resultsPerSlo.toFixed(0)} B (MEMORY USAGE)`,
        `    catalog hash per SLO            ${m.catalogPerSlo.toFixed(0)} B (MEMORY USAGE)`,
        `  queue after the cycle             ${JSON.stringify(m.counts)}`,
        `  /metrics exposition of results    ${m.scrapeMs.toFixed(0)} ms, ${m.exposedSeries} series, ${(m.expositionBytes / 1e6).toFixed(1)} MB`,
      ].join('\n') + '\n',
    );
  }
  process.stdout.write(`\nqueries per cycle: ${rows.map((r) => `${r.n} SLOs → ${r.queriesPerCycle}`).join(', ')} (independent of the SLO count)\n`);
} finally {
  await history.stop();
  await redis.stop();
  await dir.remove();
}
