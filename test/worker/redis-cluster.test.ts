/**
 * `vigil worker` on a real Redis Cluster (three masters, three replicas, loopback): two worker processes
 * share the budget cycles through BullMQ on the `{vigil}` slot; a master killed with SIGKILL mid-cycle fails
 * over to its replica with no SLO lost and no result or scheduler duplicated, and the same worker processes
 * keep completing cycles with correct figures, without a restart.
 */
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedis } from '../../src/redis/connection.js';
import { upsertSloCatalog } from '../../src/catalog/slo-catalog.js';
import { hashTag, queueNames, redisKeys } from '../../src/redis/redis-keys.js';
import { freePort, startProcess, waitFor, type RunningProcess } from '../support/processes.js';
import { startRedisCluster, type RunningRedisCluster } from '../support/redis-cluster.js';
import { catalog, EVAL, startPrometheusWithHistory, synthetic, T, type HistoryFixture } from './support/fixture.js';
import { readResults, samples } from './support/results.js';
import { errorRatio } from './support/synthetic.js';

const bin = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));
let cluster: RunningRedisCluster;
let history: HistoryFixture;
let redis: Redis;
const workers: Array<{ process: RunningProcess; metricsUrl: string }> = [];

async function vigilWorker(): Promise<{ process: RunningProcess; metricsUrl: string }> {
  const port = await freePort();
  const p = startProcess(process.execPath, [
    '--import', 'tsx', bin, 'worker',
    `--redis-url=${cluster.url}`, `--prometheus-url=${history.prometheus.url}`,
    '--cycle=2s', '--lock-duration=4s', '--stalled-interval=2s', '--query-timeout=30s',
    `--metrics-listen=127.0.0.1:${port}`, '--health=true', '--health-cycle=2s', '--health-backfill=0',
    `--evaluate-at=${new Date(EVAL).toISOString()}`, '--stall-check=2s', '--log-level=warn',
  ]);
  const worker = { process: p, metricsUrl: `http://127.0.0.1:${port}/metrics` };
  workers.push(worker);
  return worker;
}

async function completedJobs(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return samples(text, 'vigil_budget_job_duration_seconds_count').filter(([labels]) => labels.includes('outcome="ok"')).reduce((s, [, v]) => s + v, 0);
}

beforeAll(async () => {
  [cluster, history] = await Promise.all([startRedisCluster(), startPrometheusWithHistory()]);
  redis = createRedis(cluster.url, { maxRetriesPerRequest: null });
  await upsertSloCatalog(redis, catalog);
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.process.stop('SIGKILL')));
  redis?.disconnect();
  await Promise.all([cluster?.stop(), history?.stop()]);
});

it('every Vigil key hashes to the one {vigil} slot', async () => {
  const slot = async (key: string) => Number(await cluster.cli(cluster.nodes[0]!.port, 'CLUSTER', 'KEYSLOT', key));
  const expected = await slot(hashTag);
  for (const key of [redisKeys.sloCatalog, redisKeys.budgetResults, redisKeys.sloCatalogVersion, `${redisKeys.bullPrefix}:${queueNames.budget}:wait`]) {
    expect(await slot(key), key).toBe(expected);
  }
});

async function healthz(metricsUrl: string): Promise<{ status: number; body: string }> {
  const response = await fetch(metricsUrl.replace(/\/metrics$/, '/healthz'));
  return { status: response.status, body: await response.text() };
}

it('two worker processes share the cycles and keep completing them through a master failover: no restart, no SLO lost, none duplicated', { timeout: 180_000 }, async () => {
  const a = await vigilWorker();
  const b = await vigilWorker();
  await waitFor('both workers completing budget jobs', async () => (await completedJobs(a.metricsUrl)) > 0 && (await completedJobs(b.metricsUrl)) > 0, { timeoutMs: 90_000, intervalMs: 500 });
  expect((await readResults(redis)).size).toBe(catalog.length);

  // Mid-cycle: jobs run every 2 s on both workers, which are mostly blocked waiting for the next one on the master.
  const { killed, promoted } = await cluster.killMasterOf(hashTag);
  expect(promoted).not.toBe(killed);
  const failedOverAt = Date.now();
  const before = await Promise.all([a, b].map((w) => completedJobs(w.metricsUrl)));
  const output = () => [a, b].map((w, i) => `worker ${'AB'[i]}:\n${w.process.output().slice(-3000)}`).join('\n');
  // BullMQ 6.7 workers blocked on the killed master can stop fetching for good (their reconnect waits on an
  // ioredis Cluster connect that never settles); each process notices within two stall checks and replaces its
  // Worker (src/worker/supervised-worker.ts), so the same processes carry on.
  const fresh = await waitFor('fresh results for every SLO after the failover', async () => {
    const results = await readResults(redis);
    return [...results.values()].filter((r) => r.computedAtMs > failedOverAt).length === catalog.length ? results : undefined;
  }, { timeoutMs: 90_000, intervalMs: 500 }).catch((error: Error) => {
    throw new Error(`${error.message}\n${output()}`);
  });
  // No SLO lost, none duplicated: one result and one scheduler per catalog entry.
  expect([...fresh.keys()].sort()).toEqual(catalog.map((e) => `${e.namespace}/${e.name}`).sort());
  const queue = new Queue(queueNames.budget, { connection: createRedis(cluster.url, { maxRetriesPerRequest: null }), prefix: redisKeys.bullPrefix });
  try {
    expect(await queue.getJobSchedulersCount()).toBe(catalog.length);
  } finally {
    await queue.close();
    await queue.disconnect();
  }
  const rolling = fresh.get('shop/checkout-30d')!;
  const expected = errorRatio(synthetic.rolling, T - 30 * 86_400_000, T) / 0.001;
  expect(Math.abs(rolling.state.consumed! - expected) / expected).toBeLessThan(0.001);
  // Both original processes keep sharing the cycles on the promoted master, and say they are healthy again.
  await waitFor('both workers completing jobs after the failover', async () => (await completedJobs(a.metricsUrl)) > before[0]! && (await completedJobs(b.metricsUrl)) > before[1]!, { timeoutMs: 60_000, intervalMs: 500 }).catch((error: Error) => {
    throw new Error(`${error.message}\n${output()}`);
  });
  const bothCompletingAfterMs = Date.now() - failedOverAt;
  for (const w of [a, b]) {
    expect(w.process.child.exitCode, w.process.output()).toBeNull();
    await waitFor('worker healthy', async () => (await healthz(w.metricsUrl)).status === 200, { timeoutMs: 30_000, intervalMs: 500 });
  }
  // The health role's cycles carry on too: a cycle planned after the failover.
  await waitFor('a health cycle after the failover', async () => Number(await redis.get(`${hashTag}:health:last-cycle`)) > failedOverAt, { timeoutMs: 60_000, intervalMs: 500 }).catch((error: Error) => {
    throw new Error(`${error.message}\n${output()}`);
  });
  const stalls = (await Promise.all([a, b].map(async (w) => samples(await (await fetch(w.metricsUrl)).text(), 'vigil_worker_queue_stalls_total')))).flat();
  console.log(`after the failover: both workers completing jobs again within ${(bothCompletingAfterMs / 1000).toFixed(1)} s; Worker replacements: ${stalls.map(([labels, v]) => `${labels} ${v}`).join(', ') || 'none'}`);
});
