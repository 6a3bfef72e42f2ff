/**
 * `vigil worker` as real processes: a replica killed with SIGKILL mid-job leaves its jobs to another
 * replica (stalled-job check), with correct results; SIGTERM shuts a replica down cleanly.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Queue, QueueEvents } from 'bullmq';
import { upsertSloCatalog } from '../../src/catalog/slo-catalog.js';
import { queueNames, redisKeys } from '../../src/redis/redis-keys.js';
import { freePort, startProcess, waitFor, type RunningProcess } from '../support/processes.js';
import { startRedis, type RunningRedis } from '../support/redis.js';
import { catalog, EVAL, startPrometheusWithHistory, synthetic, T, type HistoryFixture } from './support/fixture.js';
import { readResults } from './support/results.js';
import { errorRatio } from './support/synthetic.js';

const bin = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));
let redisServer: RunningRedis;
let history: HistoryFixture;
let redis: Redis;
let hang: { server: Server; url: string; requests: number; sockets: Set<Socket> };
const processes: RunningProcess[] = [];

function vigilWorker(prometheusUrl: string, extra: string[] = []): RunningProcess {
  const p = startProcess(process.execPath, [
    '--import', 'tsx', bin, 'worker',
    `--redis-url=${redisServer.url}`, `--prometheus-url=${prometheusUrl}`,
    '--cycle=2s', '--lock-duration=2s', '--stalled-interval=1s', '--query-timeout=60s',
    '--metrics-listen=none', '--health=false', `--evaluate-at=${new Date(EVAL).toISOString()}`, '--log-level=info',
    ...extra,
  ]);
  processes.push(p);
  return p;
}

beforeAll(async () => {
  [redisServer, history] = await Promise.all([startRedis(), startPrometheusWithHistory()]);
  redis = new Redis(redisServer.url);
  await upsertSloCatalog(redis, catalog);
  // A "Prometheus" that accepts queries and never answers: jobs sent to it hang mid-flight.
  const port = await freePort();
  const sockets = new Set<Socket>();
  hang = { server: createServer(() => void hang.requests++), url: `http://127.0.0.1:${port}`, requests: 0, sockets };
  hang.server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => hang.server.listen(port, '127.0.0.1', () => r()));
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  for (const s of hang?.sockets ?? []) s.destroy();
  hang?.server.close();
  redis?.disconnect();
  await Promise.all([redisServer?.stop(), history?.stop()]);
});

it('retries the jobs of a worker killed with SIGKILL on another worker, with correct results', { timeout: 180_000 }, async () => {
  const events = new QueueEvents(queueNames.budget, { connection: { url: redisServer.url }, prefix: redisKeys.bullPrefix });
  const queue = new Queue(queueNames.budget, { connection: { url: redisServer.url }, prefix: redisKeys.bullPrefix });
  try {
    await events.waitUntilReady();
    const stalled = new Set<string>();
    const completed = new Set<string>();
    events.on('stalled', ({ jobId }) => stalled.add(jobId));
    events.on('completed', ({ jobId }) => completed.add(jobId));

    const a = vigilWorker(hang.url);
    await waitFor('worker A mid-job (waiting on Prometheus)', async () => hang.requests > 0, { timeoutMs: 60_000 });
    // Every SLO has a job hanging on A. There may be more than four: each SLO's immediate job and its
    // scheduler's next ones start as they fall due, and A has free slots, so the count passes 4 in steps
    // that depend on timing. All of them must be retried by B.
    const active = await waitFor('a hanging job of every SLO on A', async () => {
      const jobs = await queue.getActive();
      const slos = new Set(jobs.map((j) => (j.data as { slo: string }).slo));
      return slos.size === 4 ? jobs.map((j) => j.id!) : undefined;
    }, { timeoutMs: 60_000 });
    a.child.kill('SIGKILL');
    await a.stop();

    const b = vigilWorker(history.prometheus.url);
    await waitFor('the killed jobs stalled and completed by worker B', async () => active.every((id) => stalled.has(id) && completed.has(id)), { timeoutMs: 60_000 });
    const results = await readResults(redis);
    const rolling = results.get('shop/checkout-30d')!;
    const expected = errorRatio(synthetic.rolling, T - 30 * 86_400_000, T) / 0.001;
    expect(Math.abs(rolling.state.consumed! - expected) / expected).toBeLessThan(0.001);
    expect(results.size).toBe(4);
    expect(b.child.exitCode).toBeNull();
    await b.stop();
  } finally {
    await events.close();
    await queue.close();
  }
});

it('serves its own metrics, runs health cycles too, and shuts down gracefully on SIGTERM', { timeout: 180_000 }, async () => {
  const metricsPort = await freePort();
  const c = vigilWorker(history.prometheus.url, [`--metrics-listen=127.0.0.1:${metricsPort}`, '--health=true', '--health-cycle=2s', '--health-backfill=1h']);
  const since = Date.now();
  await waitFor('worker C computing', async () => [...(await readResults(redis)).values()].some((r) => r.computedAtMs > since), { timeoutMs: 60_000 });
  const own = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  for (const name of ['vigil_budget_job_duration_seconds_count{outcome="ok"}', 'vigil_queue_jobs{queue="budget",state="delayed"}', 'vigil_prometheus_queries_total{outcome="ok"}', 'vigil_budget_job_failures_total', 'vigil_prometheus_query_errors_total']) {
    expect(own).toContain(name);
  }
  expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);
  // The health role ran its cold-start backfill and plans cycles in the same process.
  await waitFor('a health cycle planned', async () => (await redis.exists('{vigil}:health:last-cycle')) === 1, { timeoutMs: 60_000 });
  expect(c.output()).toContain('health backfill done');
  const exited = new Promise<number | null>((resolve) => c.child.once('exit', (code) => resolve(code)));
  const stoppingAt = Date.now();
  c.child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(Date.now() - stoppingAt).toBeLessThan(10_000);
  expect(c.output()).toContain('budget worker stopped');
});
