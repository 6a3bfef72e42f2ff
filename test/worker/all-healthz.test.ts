/**
 * `vigil all`'s /healthz carries its worker roles' health, as `vigil worker`'s does: while a queue worker is
 * stalled the API's /healthz answers 503 with the reason, and 200 again once the replacement Worker has started
 * a job. The stall is real, seen from outside as the supervisor sees it (src/worker/supervised-worker.ts): Redis
 * refuses every write for a while (`CLIENT PAUSE … WRITE`), so the BullMQ Workers take no job while the
 * supervisor's reads of the queue's due work still answer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, startProcess, waitFor, type RunningProcess } from '../support/processes.js';
import { startRedis, type RunningRedis } from '../support/redis.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
let redisServer: RunningRedis;
let redis: Redis;
let rulesDir: string;
let vigil: RunningProcess;
let api: string;

const healthz = async () => {
  const response = await fetch(`${api}/healthz`);
  return { status: response.status, body: (await response.json()) as { status: string } };
};
const sumOf = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
const metric = async (name: string) => sumOf(await (await fetch(`${api}/metrics`)).text(), name);

beforeAll(async () => {
  redisServer = await startRedis();
  redis = new Redis(redisServer.url);
  rulesDir = await mkdtemp(join(tmpdir(), 'vigil-all-healthz-'));
  const port = await freePort();
  api = `http://127.0.0.1:${port}`;
  // No Prometheus: budget jobs start and fail at once, which is all the supervisor counts.
  const noPrometheus = `http://127.0.0.1:${await freePort()}`;
  vigil = startProcess(process.execPath, [
    '--import', 'tsx', join(root, 'src/cli/bin.ts'), 'all',
    `--source=dir:${join(root, 'deploy/demo/resources')}`, `--rules-dir=${rulesDir}`, '--rules-reload=none',
    `--prometheus-url=${noPrometheus}`, `--redis-url=${redisServer.url}`, `--listen=127.0.0.1:${port}`,
    '--cycle=2s', '--health-cycle=2s', '--stall-check=1s', '--log-level=warn',
  ], { keepChars: 20_000 });
  await waitFor('vigil all ready', async () => (await fetch(`${api}/readyz`).catch(() => undefined))?.ok, { timeoutMs: 60_000, process: vigil });
  await waitFor('budget jobs running', async () => (await metric('vigil_budget_job_duration_seconds_count')) > 0, { timeoutMs: 30_000, intervalMs: 250 });
}, 120_000);

afterAll(async () => {
  await redis?.call('CLIENT', 'UNPAUSE').catch(() => undefined);
  redis?.disconnect();
  await vigil?.stop('SIGTERM', 10_000);
  await redisServer?.stop();
  if (rulesDir) await rm(rulesDir, { recursive: true, force: true });
});

it("answers 503 with the reason while a worker queue is stalled, and 200 once it flows again", { timeout: 90_000 }, async () => {
  expect(await healthz()).toEqual({ status: 200, body: { status: 'ok' } });
  await redis.call('CLIENT', 'PAUSE', '30000', 'WRITE');
  const stalled = await waitFor('/healthz 503', async () => {
    const answer = await healthz();
    return answer.status === 503 ? answer : undefined;
  }, { timeoutMs: 25_000, intervalMs: 200 }).catch((error: Error) => {
    throw new Error(`${error.message}\n--- vigil all:\n${vigil.output().slice(-3000)}`);
  });
  expect(stalled.body.status).toMatch(/^(budget|health) queue stalled: worker replaced, waiting for it to start a job$/);
  await redis.call('CLIENT', 'UNPAUSE');
  await waitFor('/healthz 200 again', async () => (await healthz()).status === 200, { timeoutMs: 30_000, intervalMs: 200 });
  expect(await metric('vigil_worker_queue_stalls_total')).toBeGreaterThan(0);
});
