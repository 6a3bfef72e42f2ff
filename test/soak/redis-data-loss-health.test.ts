/**
 * Redis killed (SIGKILL) and restarted without persistence under a running health worker: the cycle
 * scheduler, every state and every result are gone. The worker must notice (its connection comes back to
 * an empty Redis), run the cold-start step again and re-create the scheduler, so health results come back
 * without restarting Vigil. Real Redis, real Prometheus scraping the demo traffic model.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTrafficServer, type TrafficServer } from '../../src/demo/traffic-server.js';
import { createPrometheusReader } from '../../src/prometheus/prometheus-reader.js';
import type { HealthResult } from '../../src/health/health-result.js';
import { CYCLE_SCHEDULER_ID, healthKeys } from '../../src/redis/health-keys.js';
import { startHealthWorker, type HealthWorker } from '../../src/worker/health-worker.js';
import { waitFor } from '../support/processes.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { startRedis, type RunningRedis } from '../support/redis.js';
import { soakMesh } from './soak-mesh.js';

const cycleMs = 1000;
let redisServer: RunningRedis;
let prometheus: RunningPrometheus;
let traffic: TrafficServer;
let redis: Redis;
let worker: HealthWorker;
let beforeScheduleCalls = 0;

async function results(): Promise<HealthResult[]> {
  return Object.values(await redis.hgetall(healthKeys.results)).map((text) => JSON.parse(text) as HealthResult);
}

beforeAll(async () => {
  traffic = await startTrafficServer({ config: soakMesh({ services: 2, burning: 0, origin: Math.floor(Date.now() / 1000) - 3600 }) });
  [redisServer, prometheus] = await Promise.all([
    startRedis(),
    startPrometheus({ scrapeConfigsYaml: `  - job_name: mesh\n    static_configs: [{targets: ['127.0.0.1:${traffic.port}']}]\n` }),
  ]);
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  redis.on('error', () => {}); // Redis is killed on purpose
  worker = await startHealthWorker({
    redisUrl: redisServer.url,
    reader: createPrometheusReader({ url: prometheus.url }),
    everyMs: cycleMs,
    // Far longer than the test: only the reconnect can bring the scheduler back in time.
    reconcileMs: 10 * 60_000,
    beforeSchedule: async () => void beforeScheduleCalls++,
  });
});

afterAll(async () => {
  await worker?.close();
  redis?.disconnect();
  await Promise.all([redisServer?.stop(), prometheus?.stop(), traffic?.close()]);
});

it('re-creates the cycle scheduler and brings health results back after Redis restarts empty', async () => {
  // 2 services and their 2 workloads.
  await waitFor('health results before the restart', async () => (await results()).length === 4, { timeoutMs: 30_000 });
  expect(beforeScheduleCalls).toBe(1);
  await redisServer.restart();
  const restartedAt = Date.now();
  expect(await redis.hlen(healthKeys.results)).toBe(0);
  const back = await waitFor(
    'health results computed after the restart',
    async () => {
      const fresh = (await results()).filter((r) => r.at >= restartedAt - cycleMs);
      return fresh.length === 4 ? fresh : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
  console.info(`health results back ${Date.now() - restartedAt} ms after the Redis restart (cycle ${cycleMs} ms)`);
  expect(back.map((r) => `${r.kind}/${r.name}`).sort()).toEqual(['service/svc-0000', 'service/svc-0001', 'workload/svc-0000', 'workload/svc-0001']);
  expect(await worker.queue.getJobScheduler(CYCLE_SCHEDULER_ID)).toMatchObject({ every: cycleMs });
  // The cold-start step (baselines from history) ran again before cycles resumed.
  expect(beforeScheduleCalls).toBe(2);
});
