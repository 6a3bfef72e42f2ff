/**
 * The health worker role: a BullMQ job scheduler starts a cycle every minute; the cycle job (any replica)
 * runs the batched queries and fans the entities out as shard jobs; shard jobs (any replica) score and
 * write. `close()` is memoised and runs every step even if one throws.
 */
import { hostname } from 'node:os';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { EntityOptions } from '../health/entity-health.js';
import type { MetricsReader } from '../prometheus/prometheus-reader.js';
import { collectSignals, planShards, processShard, type EntityValues, type SloBurnLookup } from './health-cycle.js';
import { CYCLE_SCHEDULER_ID, HEALTH_QUEUE, JOB_CYCLE, JOB_SHARD, QUEUE_PREFIX, healthKeys } from '../redis/health-keys.js';

export interface HealthWorkerOptions {
  readonly redisUrl: string;
  readonly reader: MetricsReader;
  /** Entities per shard job. */
  readonly shardSize?: number;
  /** Jobs this replica runs at once. */
  readonly concurrency?: number;
  /** Cycle period; the scheduler is (re-)upserted idempotently at start. 0 = do not schedule. */
  readonly everyMs?: number;
  /** Name of this replica in results and logs. */
  readonly workerId?: string;
  readonly entityOptions?: EntityOptions;
  readonly sloBurns?: SloBurnLookup;
  /** Expiry of entity states, refreshed each cycle they are written (DEFAULT_STATE_TTL_MS: 8 days). */
  readonly stateTtlMs?: number;
  /** false: only enqueue (trigger and schedule cycles) without running jobs in this process. */
  readonly runJobs?: boolean;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface CycleJobData {
  /** Cycle time (epoch ms); defaults to the job's timestamp, floored to the period. */
  readonly at?: number;
}

interface ShardJobData {
  readonly cycleId: string;
  readonly at: number;
  readonly entities: EntityValues[];
}

export interface HealthWorker {
  readonly queue: Queue;
  /** Starts a cycle now (for tests and manual runs); returns its job id. */
  triggerCycle(at: number): Promise<string>;
  close(): Promise<void>;
}

export async function startHealthWorker(options: HealthWorkerOptions): Promise<HealthWorker> {
  const shardSize = options.shardSize ?? 250;
  const everyMs = options.everyMs ?? 60_000;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}`;
  const log = options.log ?? (() => undefined);
  // BullMQ does not close connections it is given: keep them and quit them on close.
  const connections: Redis[] = [];
  const connection = (): Redis => {
    const c = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    c.on('error', (error: Error) => log('health redis error', { error: error.message }));
    connections.push(c);
    return c;
  };
  const data = connection();
  const queue = new Queue(HEALTH_QUEUE, { connection: connection(), prefix: QUEUE_PREFIX });

  async function runCycle(job: Job<CycleJobData>): Promise<{ entities: number; shards: number; queries: number }> {
    const period = everyMs > 0 ? everyMs : 60_000;
    const at = job.data.at ?? Math.floor(job.timestamp / period) * period;
    const cycleId = String(at);
    const collected = await collectSignals(options.reader, new Date(at));
    const shards = planShards(collected.entities, shardSize);
    await data
      .multi()
      .hset(healthKeys.cycle(cycleId), { at, shards: shards.length, entities: collected.entities.length, queries: collected.queries, done: 0, startedBy: workerId })
      .expire(healthKeys.cycle(cycleId), 86_400)
      .set(healthKeys.lastCycle, cycleId)
      .exec();
    await queue.addBulk(
      shards.map((entities, i) => ({
        name: JOB_SHARD,
        data: { cycleId, at, entities } satisfies ShardJobData,
        opts: { jobId: `shard-${cycleId}-${i}`, removeOnComplete: 1000, removeOnFail: 1000, attempts: 3 },
      })),
    );
    log('health cycle planned', { cycleId, entities: collected.entities.length, shards: shards.length, queries: collected.queries });
    return { entities: collected.entities.length, shards: shards.length, queries: collected.queries };
  }

  async function runShard(job: Job<ShardJobData>): Promise<{ entities: number }> {
    const { stateBytes, stale } = await processShard(data, job.data.entities, {
      at: job.data.at,
      worker: workerId,
      entityOptions: options.entityOptions,
      sloBurns: options.sloBurns,
      stateTtlMs: options.stateTtlMs,
    });
    // `stale`: entities a newer cycle (or an earlier run of this job) had already written.
    const cycleKey = healthKeys.cycle(job.data.cycleId);
    await data.multi().hincrby(cycleKey, 'done', 1).hincrby(cycleKey, 'stateBytes', stateBytes).hincrby(cycleKey, 'stale', stale).exec();
    return { entities: job.data.entities.length };
  }

  const worker = options.runJobs === false ? undefined : new Worker(
    HEALTH_QUEUE,
    async (job: Job) => (job.name === JOB_CYCLE ? runCycle(job as Job<CycleJobData>) : runShard(job as Job<ShardJobData>)),
    { connection: connection(), prefix: QUEUE_PREFIX, concurrency: options.concurrency ?? 2 },
  );
  worker?.on('failed', (job, error) => log('health job failed', { job: job?.id, name: job?.name, error: error.message }));

  if (everyMs > 0) {
    await queue.upsertJobScheduler(CYCLE_SCHEDULER_ID, { every: everyMs }, { name: JOB_CYCLE, data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } });
  }

  let closing: Promise<void> | undefined;
  async function shutdown(): Promise<void> {
    const steps = [
      async () => worker?.close(),
      () => queue.close(),
      ...connections.map((c) => async () => void (c.status === 'end' ? undefined : await c.quit())),
    ];
    const errors: unknown[] = [];
    for (const stepFn of steps) {
      try {
        await stepFn();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'health worker did not close cleanly');
  }

  return {
    queue,
    async triggerCycle(at: number) {
      const job = await queue.add(JOB_CYCLE, { at } satisfies CycleJobData, { jobId: `cycle-${at}`, removeOnComplete: 100, removeOnFail: 100 });
      return job.id ?? `cycle-${at}`;
    },
    close() {
      return (closing ??= shutdown());
    },
  };
}
