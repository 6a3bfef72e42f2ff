/**
 * One health cycle at mesh scale: 5,000 services + 5,000 workloads = 10,000 entities (workloads with all
 * 7 signals), in a real Prometheus (history written with `promtool tsdb create-blocks-from openmetrics`)
 * and a real Redis, scored by two worker processes. Entity states are pre-seeded with a mature two-week
 * state so reads and writes are the steady-state size.
 *
 * Prints: cycle wall time, Prometheus queries per cycle, Redis bytes per entity.
 * Targets: < 20 s per cycle, <= 2 queries per signal, < 16 KB per entity.
 *   npm run bench health-cycle        (HEALTH_BENCH_SERVICES overrides 5000)
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { initialEntityState, scoreEntity } from '../../src/health/entity-health.js';
import { encodeState } from '../../src/health/state-codec.js';
import { createPrometheusReader } from '../../src/prometheus/prometheus-reader.js';
import { entityId, healthKeys } from '../../src/redis/health-keys.js';
import { startHealthWorker } from '../../src/worker/health-worker.js';
import { generate } from '../health/synthetic-mesh.js';
import { startProcess, tempDir, waitFor, type RunningProcess } from '../support/processes.js';
import { promtool, startPrometheus } from '../support/prometheus.js';
import { startRedis } from '../support/redis.js';

const SERVICES = Number(process.env.HEALTH_BENCH_SERVICES ?? 5000);
const END = Date.UTC(2024, 4, 6, 12, 0, 0);
const STEP = 30_000;
const START = END - 6 * 60_000;

async function writeHistory(path: string): Promise<number> {
  const out = createWriteStream(path);
  let lines = 0;
  const write = (s: string): Promise<void> | void => {
    lines++;
    if (!out.write(s)) return new Promise((r) => out.once('drain', () => r()));
  };
  const times: number[] = [];
  for (let t = START; t <= END; t += STEP) times.push(t);
  const names = Array.from({ length: SERVICES }, (_, i) => `svc-${i}`);
  const istio = (svc: string): string =>
    `reporter="destination",destination_service_namespace="ns-${Number(svc.slice(4)) % 50}",destination_service_name="${svc}",destination_workload_namespace="ns-${Number(svc.slice(4)) % 50}",destination_workload="${svc}-v1"`;
  const container = (svc: string): string => `namespace="ns-${Number(svc.slice(4)) % 50}",pod="${svc}-v1-5d8f7c9b4-abcde",container="app"`;
  const family = async (type: string | null, each: (svc: string, k: number) => string): Promise<void> => {
    if (type) await write(`${type}\n`);
    for (const svc of names) for (let k = 0; k < times.length; k++) await write(`${each(svc, k)} ${times[k]! / 1000}\n`);
  };
  const buckets = ['50', '100', '250', '500', '1000', '+Inf'];
  const cumulative = [0.4, 0.7, 0.9, 0.97, 1, 1];
  await write('# TYPE istio_requests counter\n');
  for (const code of ['200', '503']) {
    for (const svc of names) for (let k = 0; k < times.length; k++) await write(`istio_requests_total{${istio(svc)},response_code="${code}"} ${(k * STEP / 1000) * (code === '200' ? 19.8 : 0.2)} ${times[k]! / 1000}\n`);
  }
  for (let b = 0; b < buckets.length; b++) {
    for (const svc of names) for (let k = 0; k < times.length; k++) await write(`istio_request_duration_milliseconds_bucket{${istio(svc)},le="${buckets[b]}"} ${(k * STEP / 1000) * 20 * cumulative[b]!} ${times[k]! / 1000}\n`);
  }
  await family('# TYPE container_cpu_usage_seconds counter', (svc, k) => `container_cpu_usage_seconds_total{${container(svc)}} ${(k * STEP / 1000) * 0.3}`);
  await family(null, (svc) => `kube_pod_container_resource_limits{${container(svc)},resource="cpu"} 1`);
  await family(null, (svc) => `kube_pod_container_resource_limits{${container(svc)},resource="memory"} 536870912`);
  await family('# TYPE container_cpu_cfs_periods counter', (svc, k) => `container_cpu_cfs_periods_total{${container(svc)}} ${k * 300}`);
  await family('# TYPE container_cpu_cfs_throttled_periods counter', (svc, k) => `container_cpu_cfs_throttled_periods_total{${container(svc)}} ${k * 3}`);
  await family(null, (svc) => `container_memory_working_set_bytes{${container(svc)}} 260000000`);
  await write('# EOF\n');
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return lines;
}

function matureState(): string {
  let state = initialEntityState();
  for (const s of generate(14 * 1440, 5)) state = scoreEntity(state, s).state;
  return encodeState(state);
}

const dir = await tempDir('health-cycle-bench');
const workers: RunningProcess[] = [];
let cleanup: (() => Promise<void>)[] = [];
try {
  let t = performance.now();
  const lines = await writeHistory(join(dir.path, 'history.om'));
  console.log(`history: ${lines} OpenMetrics lines for ${SERVICES} services + ${SERVICES} workloads (${(performance.now() - t).toFixed(0)} ms)`);
  t = performance.now();
  const created = await promtool(['tsdb', 'create-blocks-from', 'openmetrics', join(dir.path, 'history.om'), join(dir.path, 'data')]);
  if (created.code !== 0) throw new Error(`promtool: ${created.stderr}`);
  console.log(`promtool create-blocks-from openmetrics: ${(performance.now() - t).toFixed(0)} ms`);
  const [prometheus, redis] = await Promise.all([startPrometheus({ dataDir: join(dir.path, 'data') }), startRedis()]);
  cleanup = [() => prometheus.stop(), () => redis.stop()];
  const client = new Redis(redis.url);
  cleanup.unshift(async () => void client.disconnect());

  // Seed every entity with a mature state (two weeks of minutes), as in steady operation.
  const state = matureState();
  const before = Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
  for (let i = 0; i < SERVICES; i += 1000) {
    const p = client.pipeline();
    for (let j = i; j < Math.min(SERVICES, i + 1000); j++) {
      p.set(healthKeys.state(entityId('service', `ns-${j % 50}`, `svc-${j}`)), state);
      p.set(healthKeys.state(entityId('workload', `ns-${j % 50}`, `svc-${j}-v1`)), state);
    }
    await p.exec();
  }

  const main = fileURLToPath(new URL('../health/fixtures/health-worker-main.ts', import.meta.url));
  process.env.HEALTH_SHARD_SIZE = '250';
  process.env.HEALTH_CONCURRENCY = '2';
  for (const id of ['worker-a', 'worker-b']) {
    const proc = startProcess(process.execPath, ['--import', 'tsx', main, redis.url, prometheus.url, id]);
    workers.push(proc);
    await waitFor(`${id} ready`, async () => {
      if (proc.child.exitCode !== null) throw new Error(proc.output());
      return proc.output().includes('ready');
    });
  }
  const planner = await startHealthWorker({ redisUrl: redis.url, reader: createPrometheusReader({ url: prometheus.url }), everyMs: 0, runJobs: false });
  cleanup.unshift(() => planner.close());

  for (const at of [END - 60_000, END]) {
    const started = performance.now();
    await planner.triggerCycle(at);
    await waitFor(
      `cycle ${at}`,
      async () => {
        const c = await client.hgetall(healthKeys.cycle(String(at)));
        return c.shards !== undefined && Number(c.shards) > 0 && Number(c.done) === Number(c.shards);
      },
      { timeoutMs: 300_000, intervalMs: 20 },
    );
    const wall = performance.now() - started;
    const c = await client.hgetall(healthKeys.cycle(String(at)));
    console.log(
      `cycle ${new Date(at).toISOString()}: ${c.entities} entities in ${c.shards} shards, ${(wall / 1000).toFixed(2)} s wall (target < 20 s), ` +
        `${c.queries} Prometheus queries (${(Number(c.queries) / 7).toFixed(2)} per signal, target <= 2), state ${(Number(c.stateBytes) / Number(c.entities)).toFixed(0)} B/entity`,
    );
  }
  const after = Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
  const sample = await client.memory('USAGE', healthKeys.state(entityId('workload', 'ns-1', 'svc-1-v1')));
  const resultBytes = await client.hstrlen(healthKeys.results, entityId('workload', 'ns-1', 'svc-1-v1'));
  const entities = 2 * SERVICES;
  console.log(
    `Redis: ${((after - before) / entities).toFixed(0)} B/entity by used_memory (states + results + queue), ` +
      `one workload state key ${sample} B (MEMORY USAGE), its result ${resultBytes} B (target < 16 KB per entity)`,
  );
} finally {
  await Promise.all(workers.map((w) => w.stop()));
  for (const step of cleanup) await step().catch(() => undefined);
  await dir.remove();
}
