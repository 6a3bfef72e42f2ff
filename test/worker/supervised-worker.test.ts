/**
 * The supervised BullMQ Worker on real Redis: a Worker that takes none of the queue's due jobs is found
 * stalled, reported until its replacement starts a job, and replaced; a healthy busy one is left alone.
 * The stuck Worker here listens on another Redis, which from the queue's side looks exactly like a Worker
 * whose fetch loop has stopped (the failover case itself runs on a real cluster in redis-cluster.test.ts).
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSupervisedWorker, type StallReason } from '../../src/worker/supervised-worker.js';
import { waitFor } from '../support/processes.js';
import { startRedis, type RunningRedis } from '../support/redis.js';

const PREFIX = '{vigil}:supervised-test';
let home: RunningRedis;
let elsewhere: RunningRedis;
const clients: Redis[] = [];
const client = (url: string) => {
  const c = new Redis(url, { maxRetriesPerRequest: null });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  [home, elsewhere] = await Promise.all([startRedis(), startRedis()]);
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all([home?.stop(), elsewhere?.stop()]);
});

it('replaces a Worker that takes no due job, reports the stall until the new one starts a job, and leaves a busy healthy one alone', { timeout: 30_000 }, async () => {
  const queue = new Queue('work', { connection: client(home.url), prefix: PREFIX });
  const processed: string[] = [];
  const stalls: Array<{ reason: StallReason; stalledDuringReport: boolean }> = [];
  let recovered = 0;
  let connects = 0;
  const worker = startSupervisedWorker<{ n: number }, number>({
    queueName: 'work',
    prefix: PREFIX,
    processor: async (job) => {
      processed.push(job.id!);
      await new Promise((r) => setTimeout(r, 100));
      return job.data.n;
    },
    workerOptions: { concurrency: 2 },
    // The first Worker is connected to the wrong Redis: it never sees this queue's jobs.
    connect: () => client(connects++ === 0 ? elsewhere.url : home.url),
    probe: client(home.url),
    checkMs: 300,
    closeGraceMs: 2000,
    onStall: ({ reason }) => stalls.push({ reason, stalledDuringReport: worker.stalled }),
    onRecovered: () => recovered++,
  });
  try {
    await queue.addBulk([1, 2, 3].map((n) => ({ name: 'job', data: { n }, opts: { jobId: `first-${n}` } })));
    await waitFor('the stall detected', async () => stalls.length > 0, { timeoutMs: 10_000, intervalMs: 50 });
    expect(stalls[0]).toEqual({ reason: 'waiting job untaken', stalledDuringReport: true });
    await waitFor('the first jobs processed by the replacement', async () => processed.length >= 3, { timeoutMs: 10_000, intervalMs: 50 });
    expect([...processed].sort()).toEqual(['first-1', 'first-2', 'first-3']);
    expect(worker.stalled).toBe(false);
    expect(recovered).toBe(1);
    expect(worker.replacements).toBe(1);

    // Healthy and busy for a few seconds: 30 jobs of 100 ms at concurrency 2, checked every 300 ms.
    await queue.addBulk(Array.from({ length: 30 }, (_, n) => ({ name: 'job', data: { n }, opts: { jobId: `busy-${n}` } })));
    await waitFor('the busy jobs completed', async () => (await queue.getJobCounts('completed')).completed === 33, { timeoutMs: 15_000, intervalMs: 50 });
    expect(await queue.getJobCounts('wait', 'delayed', 'active', 'failed')).toEqual({ wait: 0, delayed: 0, active: 0, failed: 0 });
    expect(new Set(processed).size).toBe(33);
    expect(worker.replacements).toBe(1);
    expect(worker.stalled).toBe(false);
    expect(worker.isRunning()).toBe(true);
  } finally {
    await worker.close(2000);
    await queue.close();
  }
});
