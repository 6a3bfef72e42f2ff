/**
 * Worker scale-out benchmark (`npm run bench worker-scale`): the budget cycle on a single Redis and on a Redis
 * Cluster (three masters, three replicas, loopback), with 1, 2 and 4 `vigil worker` processes sharing it.
 * Real Prometheus holding the budget benchmark's synthetic history (test/bench/support/budget-history.ts);
 * every worker evaluates at the history's end. Prints, per configuration, the median over the measured cycles
 * of the wall time from a cycle boundary until every SLO has a result computed in that cycle.
 *
 * BENCH_SLOS (default 2,000), BENCH_CYCLE (seconds, default 10), BENCH_CYCLES (measured cycles, default 3),
 * BENCH_PROCESSES (default 1,2,4), BENCH_STORES (default single,cluster).
 * On this 2-core machine 4 processes cannot run 4× the work at once: they show how the queue spreads jobs and
 * what the extra processes cost, not a speed-up past 2.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { syncSloCatalog } from '../../src/catalog/slo-catalog.js';
import { createRedis } from '../../src/redis/connection.js';
import { redisKeys } from '../../src/redis/redis-keys.js';
import { startProcess, tempDir, waitFor, type RunningProcess } from '../support/processes.js';
import { promtool, startPrometheus } from '../support/prometheus.js';
import { startRedis } from '../support/redis.js';
import { startRedisCluster } from '../support/redis-cluster.js';
import { entry, T, writeHistory } from './support/budget-history.js';

const N = Number(process.env.BENCH_SLOS ?? 2_000);
const CYCLE_MS = Number(process.env.BENCH_CYCLE ?? 10) * 1000;
const MEASURED_CYCLES = Number(process.env.BENCH_CYCLES ?? 3);
const PROCESS_COUNTS = (process.env.BENCH_PROCESSES ?? '1,2,4').split(',').map(Number);
const bin = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Results of SLOs computed at or after `since` (the results hash, scanned). */
async function computedSince(redis: Redis, since: number): Promise<number> {
  let done = 0;
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan(redisKeys.budgetResults, cursor, 'COUNT', 2000);
    cursor = next;
    for (let i = 1; i < flat.length; i += 2) if ((JSON.parse(flat[i]!) as { t: number }).t >= since) done++;
  } while (cursor !== '0');
  return done;
}

function startWorkers(count: number, redisUrl: string, prometheusUrl: string): RunningProcess[] {
  return Array.from({ length: count }, () =>
    startProcess(process.execPath, [
      '--import', 'tsx', bin, 'worker',
      `--redis-url=${redisUrl}`, `--prometheus-url=${prometheusUrl}`,
      `--cycle=${CYCLE_MS / 1000}s`, '--concurrency=100', '--query-timeout=30s',
      '--metrics-listen=none', '--health=false',
      `--evaluate-at=${new Date(T).toISOString()}`, '--log-level=warn',
    ]),
  );
}

/** Median steady cycle of `count` worker processes on `redisUrl` (emptied first by `flush`). */
async function measure(redisUrl: string, prometheusUrl: string, count: number, flush: () => Promise<void>) {
  await flush();
  const redis = createRedis(redisUrl, { maxRetriesPerRequest: null });
  try {
    await syncSloCatalog(redis, Array.from({ length: N }, (_, i) => entry(i)));
    const startedAt = Date.now();
    const workers = startWorkers(count, redisUrl, prometheusUrl);
    try {
      const progress = async (since: number, what: string) =>
        waitFor(what, async () => (await computedSince(redis, since)) === N, { timeoutMs: 300_000, intervalMs: 100 }).catch(async (error: Error) => {
          const counts = `${await computedSince(redis, since)} of ${N} results`;
          throw new Error(`${error.message} (${counts})\n${workers.map((w, i) => `worker ${i + 1}:\n${w.output().slice(-2000)}`).join('\n')}`);
        });
      await progress(startedAt, 'first cycle');
      const firstCycleMs = Date.now() - startedAt;
      const cycles: number[] = [];
      for (let c = 0; c < MEASURED_CYCLES; c++) {
        const boundary = Math.ceil((Date.now() + 200) / CYCLE_MS) * CYCLE_MS;
        await new Promise((r) => setTimeout(r, boundary - Date.now()));
        await progress(boundary, 'steady cycle');
        cycles.push(Date.now() - boundary);
      }
      const logs = workers.map((w) => w.output()).join('\n');
      const count = (text: string) => logs.split(text).length - 1;
      // Events that explain a slow cycle: a job whose lock lapsed (requeued after the stalled interval), a Worker replaced.
      return { firstCycleMs, cycles, stalledJobs: count('stalled budget job returned to the queue'), replacedWorkers: count('replacing it') };
    } finally {
      await Promise.all(workers.map((w) => w.stop('SIGTERM')));
    }
  } finally {
    redis.disconnect();
  }
}

const dir = await tempDir('bench-worker-scale');
const t0 = performance.now();
await writeHistory(join(dir.path, 'history.om'), N);
const blocks = await promtool(['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', '--max-block-duration=2232h', join(dir.path, 'history.om'), join(dir.path, 'data')]);
if (blocks.code !== 0) throw new Error(blocks.stderr);
process.stdout.write(`synthetic history for ${N} SLOs backfilled in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
const [prometheus, single, cluster] = await Promise.all([startPrometheus({ dataDir: join(dir.path, 'data') }), startRedis(), startRedisCluster()]);
try {
  const targets = [
    { key: 'single', name: 'single Redis', url: single.url, flush: async () => void (await createRedisOnce(single.url, (r) => r.flushall())) },
    { key: 'cluster', name: 'Redis Cluster (3 masters)', url: cluster.url, flush: async () => void (await cluster.cli(await cluster.masterOf(redisKeys.budgetResults), 'FLUSHALL')) },
  ];
  process.stdout.write(`\n${N} SLOs, cycle ${CYCLE_MS / 1000} s, concurrency 100 per process, ${MEASURED_CYCLES} measured cycles, 2 shared cores\n`);
  process.stdout.write(`${'store'.padEnd(28)}${'processes'.padEnd(11)}${'first cycle'.padEnd(13)}${'median steady cycle'.padEnd(21)}${'cycles (s)'.padEnd(24)}jobs requeued, Workers replaced\n`);
  const stores = (process.env.BENCH_STORES ?? 'single,cluster').split(',');
  for (const target of targets.filter((t) => stores.includes(t.key))) {
    for (const count of PROCESS_COUNTS) {
      const m = await measure(target.url, prometheus.url, count, target.flush);
      process.stdout.write(
        `${target.name.padEnd(28)}${String(count).padEnd(11)}${`${(m.firstCycleMs / 1000).toFixed(2)} s`.padEnd(13)}${`${(median(m.cycles) / 1000).toFixed(2)} s`.padEnd(21)}${m.cycles.map((c) => (c / 1000).toFixed(2)).join(', ').padEnd(24)}${m.stalledJobs}, ${m.replacedWorkers}\n`,
      );
    }
  }
} finally {
  await Promise.all([prometheus.stop(), single.stop(), cluster.stop()]);
  await dir.remove();
}

async function createRedisOnce<R>(url: string, run: (redis: Redis) => Promise<R>): Promise<R> {
  const redis = createRedis(url);
  try {
    return await run(redis);
  } finally {
    redis.disconnect();
  }
}
