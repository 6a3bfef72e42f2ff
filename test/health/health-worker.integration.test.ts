/**
 * Health worker against a real Prometheus (history loaded with `promtool tsdb create-blocks-from
 * openmetrics`) and a real Redis, with two worker processes sharing every cycle.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthResult } from '../../src/health/health-result.js';
import { backfillHealth } from '../../src/worker/health-backfill.js';
import { registerHealthMetrics } from '../../src/export/health-export.js';
import { healthKeys } from '../../src/redis/health-keys.js';
import { startHealthWorker, type HealthWorker } from '../../src/worker/health-worker.js';
import { createPrometheusReader, type MetricsReader } from '../../src/prometheus/prometheus-reader.js';
import { startProcess, tempDir, waitFor, type RunningProcess } from '../support/processes.js';
import { promtool, startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { startRedis, type RunningRedis } from '../support/redis.js';
import { prng } from './synthetic-mesh.js';

const MINUTE = 60_000;
/** History: 100 minutes ending well in the past (fixed, so runs are repeatable), 15 s scrapes. */
const END = Date.UTC(2024, 4, 6, 12, 0, 0);
const START = END - 100 * MINUTE;
const FAULT_FROM = END - 10 * MINUTE;
const services = ['cart', 'checkout', 'catalog'];
const FAULTY = 'checkout';

function openMetrics(): string {
  const random = prng(7);
  const families = new Map<string, string[]>();
  const add = (family: string, line: string): void => {
    let lines = families.get(family);
    if (!lines) families.set(family, (lines = []));
    lines.push(line);
  };
  for (const svc of services) {
    const workload = `${svc}-v1`;
    const pod = `${workload}-5d8f7c9b4-x${svc.slice(0, 4).padEnd(4, 'z')}`;
    const istio = `reporter="destination",destination_service_namespace="shop",destination_service_name="${svc}",destination_workload_namespace="shop",destination_workload="${workload}"`;
    const container = `namespace="shop",pod="${pod}",container="app"`;
    let ok = 0;
    let bad = 0;
    const buckets = [50, 100, 250, 500, 1000, Number.POSITIVE_INFINITY];
    const bucketCounts = buckets.map(() => 0);
    let cpu = 0;
    let periods = 0;
    let throttled = 0;
    const series: Record<string, string[]> = {};
    const push = (key: string, line: string): void => void (series[key] ??= []).push(line);
    for (let t = START; t <= END; t += 15_000) {
      const s = t / 1000;
      const rps = 40 * (1 + 0.05 * (random() - 0.5));
      const errorShare = svc === FAULTY && t >= FAULT_FROM ? 0.1 : 0.01 * (1 + 0.2 * (random() - 0.5));
      const requests = rps * 15;
      ok += requests * (1 - errorShare);
      bad += requests * errorShare;
      // Latency: ~70 % under 100 ms, tail to 1 s.
      const shares = [0.4, 0.3, 0.2, 0.07, 0.03, 0];
      let cumulative = 0;
      shares.forEach((share, i) => {
        cumulative += share;
        bucketCounts[i]! += requests * (i === buckets.length - 1 ? 1 : cumulative);
      });
      cpu += 15 * 0.3 * (1 + 0.05 * (random() - 0.5));
      periods += 150;
      throttled += 150 * 0.01 * random();
      push(`ok`, `istio_requests_total{${istio},response_code="200"} ${ok.toFixed(3)} ${s}`);
      push(`bad`, `istio_requests_total{${istio},response_code="503"} ${bad.toFixed(3)} ${s}`);
      buckets.forEach((le, i) =>
        push(`b${i}`, `istio_request_duration_milliseconds_bucket{${istio},le="${Number.isFinite(le) ? le : '+Inf'}"} ${bucketCounts[i]!.toFixed(3)} ${s}`),
      );
      push('cpu', `container_cpu_usage_seconds_total{${container}} ${cpu.toFixed(4)} ${s}`);
      push('lim', `kube_pod_container_resource_limits{${container},resource="cpu"} 1 ${s}`);
      push('mlim', `kube_pod_container_resource_limits{${container},resource="memory"} 536870912 ${s}`);
      push('per', `container_cpu_cfs_periods_total{${container}} ${periods} ${s}`);
      push('thr', `container_cpu_cfs_throttled_periods_total{${container}} ${throttled.toFixed(3)} ${s}`);
      push('mem', `container_memory_working_set_bytes{${container}} ${Math.round(2.6e8 * (1 + 0.01 * (random() - 0.5)))} ${s}`);
    }
    for (const [key, lines] of Object.entries(series)) {
      const family = lines[0]!.slice(0, lines[0]!.indexOf('{'));
      for (const line of lines) add(family, line);
    }
  }
  const types: Record<string, string> = {
    istio_requests_total: '# TYPE istio_requests counter',
    container_cpu_usage_seconds_total: '# TYPE container_cpu_usage_seconds counter',
    container_cpu_cfs_periods_total: '# TYPE container_cpu_cfs_periods counter',
    container_cpu_cfs_throttled_periods_total: '# TYPE container_cpu_cfs_throttled_periods counter',
  };
  const out: string[] = [];
  for (const [family, lines] of families) {
    if (types[family]) out.push(types[family]!);
    out.push(...lines);
  }
  out.push('# EOF');
  return `${out.join('\n')}\n`;
}

describe('health worker: real Prometheus and Redis, two worker processes', () => {
  let prometheus: RunningPrometheus;
  let redis: RunningRedis;
  let client: Redis;
  let planner: HealthWorker;
  let reader: MetricsReader;
  const workers: RunningProcess[] = [];
  let dataDir: { path: string; remove(): Promise<void> };

  beforeAll(async () => {
    dataDir = await tempDir('health-tsdb');
    const input = join(dataDir.path, 'history.om');
    await writeFile(input, openMetrics());
    const created = await promtool(['tsdb', 'create-blocks-from', 'openmetrics', input, join(dataDir.path, 'data')]);
    if (created.code !== 0) throw new Error(`promtool failed: ${created.stderr}${created.stdout}`);
    [prometheus, redis] = await Promise.all([startPrometheus({ dataDir: join(dataDir.path, 'data') }), startRedis()]);
    client = new Redis(redis.url);
    const main = fileURLToPath(new URL('./fixtures/health-worker-main.ts', import.meta.url));
    for (const id of ['worker-a', 'worker-b']) {
      const proc = startProcess(process.execPath, ['--import', 'tsx', main, redis.url, prometheus.url, id]);
      workers.push(proc);
      await waitFor(`${id} ready`, async () => {
        if (proc.child.exitCode !== null) throw new Error(proc.output());
        return proc.output().includes('ready');
      });
    }
    // This process only enqueues cycles; the two worker processes run the cycle and shard jobs.
    reader = createPrometheusReader({ url: prometheus.url });
    planner = await startHealthWorker({ redisUrl: redis.url, reader, everyMs: 0, runJobs: false, workerId: 'planner' });
  }, 120_000);

  afterAll(async () => {
    await planner?.close();
    await Promise.all(workers.map((w) => w.stop()));
    client?.disconnect();
    await Promise.all([prometheus?.stop(), redis?.stop()]);
    await dataDir?.remove();
  });

  it('shares cycles between replicas, learns the services, and flags the faulty one with its reason', async () => {
    const cycles: number[] = [];
    for (let at = START + 45 * MINUTE; at <= END; at += MINUTE) cycles.push(at);
    const sharedCycles: number[] = [];
    const scoredBy = new Set<string>();
    for (const at of cycles) {
      await planner.triggerCycle(at);
      await waitFor(`cycle ${at} done`, async () => {
        const c = await client.hgetall(healthKeys.cycle(String(at)));
        return c.shards !== undefined && Number(c.done) === Number(c.shards) && Number(c.shards) > 0;
      }, { timeoutMs: 30_000, intervalMs: 20 });
      const byWorker = new Set(Object.values(await client.hgetall(healthKeys.results)).map((v) => (JSON.parse(v) as HealthResult).worker));
      byWorker.forEach((w) => scoredBy.add(w));
      if (byWorker.size === 2) sharedCycles.push(at);
    }
    // Only the two worker processes take jobs (this process just plans), and they share cycles.
    expect([...scoredBy].sort()).toEqual(['worker-a', 'worker-b']);
    expect(sharedCycles.length).toBeGreaterThan(cycles.length / 2);
    const last = await client.hgetall(healthKeys.cycle(String(END)));
    // 6 entities (3 services, 3 workloads); 11 queries whatever the entity count (≤ 2 per signal).
    expect(Number(last.entities)).toBe(6);
    expect(Number(last.queries)).toBe(11);
    expect(Number(last.stateBytes) / Number(last.entities)).toBeLessThan(16 * 1024);

    const results = Object.fromEntries(Object.entries(await client.hgetall(healthKeys.results)).map(([k, v]) => [k, JSON.parse(v) as HealthResult]));
    expect(Object.keys(results).sort()).toEqual(
      [...services.map((s) => `service/shop/${s}`), ...services.map((s) => `workload/shop/${s}-v1`)].sort(),
    );
    for (const r of Object.values(results)) expect(r.at).toBe(END);
    const faulty = results[`service/shop/${FAULTY}`]!;
    expect(faulty.status).toBe('unhealthy');
    expect(faulty.reasons.join('\n')).toContain('error_ratio');
    for (const svc of services.filter((s) => s !== FAULTY)) expect(results[`service/shop/${svc}`]!.status).toBe('healthy');
    // Workloads carry all 7 signals (container metrics mapped to the workload).
    expect(Object.keys(results['workload/shop/cart-v1']!.signals).sort()).toEqual(
      ['cpu_saturation', 'cpu_throttling', 'error_ratio', 'latency_p95', 'latency_p99', 'memory_saturation', 'request_rate'].sort(),
    );
    // The batched queries compute what the synthetic history holds.
    const cart = results['workload/shop/cart-v1']!.signals;
    expect(cart.cpu_saturation?.status).toBe('healthy');
    expect(cart.cpu_saturation?.value).toBeCloseTo(0.3, 1);
    expect(cart.memory_saturation?.value).toBeCloseTo(2.6e8 / 536870912, 2);
    expect(cart.cpu_throttling?.value).toBeCloseTo(0.005, 2);
    expect(cart.request_rate?.value).toBeCloseTo(40, 0);
    expect(faulty.signals.error_ratio?.value).toBeCloseTo(0.1, 2);
    expect(results['service/shop/cart']!.signals.latency_p99?.value).toBeGreaterThan(500);

    // The API side: both gauges exported from Redis, fresh at END, none once stale.
    const registry = new Registry();
    registerHealthMetrics(registry, client, { now: () => END + MINUTE });
    const text = await registry.metrics();
    expect(text).toContain(`vigil_health_score{kind="service",namespace="shop",name="${FAULTY}"}`);
    expect(text).toMatch(/vigil_health_signal_score\{kind="workload",namespace="shop",name="cart-v1",signal="cpu_saturation"\} 0\.\d+/);
    const staleRegistry = new Registry();
    registerHealthMetrics(staleRegistry, client, { now: () => END + 60 * MINUTE });
    expect(await staleRegistry.metrics()).not.toContain('vigil_health_score{');
  });

  it('backfills baselines from range queries in chunks, so the first live cycle already scores', async () => {
    const stale = await client.keys(`${'{vigil}'}:health:*`);
    if (stale.length > 0) await client.del(...stale);
    const progress: string[] = [];
    const report = await backfillHealth(reader, client, {
      from: START + 5 * MINUTE,
      to: FAULT_FROM - 2 * MINUTE,
      chunkPoints: 20,
      log: (message, fields) => progress.push(`${message} ${JSON.stringify(fields)}`),
    });
    expect(report.entities).toBe(6);
    expect(report.chunks).toBe(Math.ceil(report.steps / 20));
    expect(report.chunks).toBeGreaterThan(3);
    expect(report.queries).toBe(report.chunks * 11);
    expect(progress.filter((p) => p.startsWith('health backfill progress'))).toHaveLength(report.chunks);
    expect(progress.at(-1)).toMatch(/^health backfill done/);

    // The first live cycle after the backfill: every entity is scored, none "unknown".
    const firstLive = FAULT_FROM - MINUTE;
    await planner.triggerCycle(firstLive);
    await waitFor('first live cycle', async () => {
      const c = await client.hgetall(healthKeys.cycle(String(firstLive)));
      return c.shards !== undefined && Number(c.done) === Number(c.shards) && Number(c.shards) > 0;
    });
    const results = Object.values(await client.hgetall(healthKeys.results)).map((v) => JSON.parse(v) as HealthResult);
    expect(results).toHaveLength(6);
    for (const r of results) {
      expect(r.status).toBe('healthy');
      expect(r.score).not.toBeNull();
    }
  });
});
