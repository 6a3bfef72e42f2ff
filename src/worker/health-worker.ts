/**
 * The health worker role: a BullMQ job scheduler starts a cycle every minute; the cycle job (any replica)
 * runs the batched queries and fans the entities out as shard jobs; shard jobs (any replica) score and
 * write. `close()` is memoised and runs every step even if one throws.
 */
import { hostname } from 'node:os';
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EntityOptions } from '../health/entity-health.js';
import type { MetricsReader } from '../prometheus/prometheus-reader.js';
import { collectSignals, planShards, processShard, type EntityValues, type SloBurnLookup } from './health-cycle.js';
import { CYCLE_SCHEDULER_ID, HEALTH_QUEUE, JOB_CYCLE, JOB_SHARD, QUEUE_PREFIX, healthKeys } from '../redis/redis-keys.js';
import { createRedis } from '../redis/connection.js';
import { startSupervisedWorker } from './supervised-worker.js';

export interface HealthWorkerOptions {
  readonly redisUrl: string;
  readonly reader: MetricsReader;
  /** Entities per shard job. */
  readonly shardSize?: number;
  /** Jobs this replica runs at once. */
  readonly concurrency?: number;
  /**
   * Cycle period. 0 = do not schedule. The cycle scheduler is checked at start, every `reconcileMs` and
   * whenever the Redis connection comes back, and re-created when Redis lost it (restart without
   * persistence, eviction, flush).
   */
  readonly everyMs?: number;
  /** How often to check that the cycle scheduler still exists (default: the cycle period). */
  readonly reconcileMs?: number;
  /**
   * Runs before the cycle scheduler is (re-)created: at start and after Redis lost it, e.g. the cold-start
   * backfill of baselines (which itself does nothing when states or results exist). A failure is logged and
   * scheduling goes ahead.
   */
  readonly beforeSchedule?: () => Promise<unknown>;
  /** Name of this replica in results and logs. */
  readonly workerId?: string;
  readonly entityOptions?: EntityOptions;
  readonly sloBurns?: SloBurnLookup;
  /** Expiry of entity states, refreshed each cycle they are written (DEFAULT_STATE_TTL_MS: 8 days). */
  readonly stateTtlMs?: number;
  /** false: only enqueue (trigger and schedule cycles) without running jobs in this process. */
  readonly runJobs?: boolean;
  /** How often to check that the queue worker still fetches jobs (src/worker/supervised-worker.ts); 0 = never. */
  readonly stallCheckMs?: number;
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
  /** Re-creates the cycle scheduler when Redis lost it; true when it did. */
  reconcile(): Promise<boolean>;
  /** Starts a cycle now (for tests and manual runs); returns its job id. */
  triggerCycle(at: number): Promise<string>;
  /** Set while this replica's queue worker has stopped fetching jobs and its replacement has not started one. */
  readonly stalled: boolean;
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
    const c = createRedis(options.redisUrl, { maxRetriesPerRequest: null });
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

  const worker = options.runJobs === false ? undefined : startSupervisedWorker({
    queueName: HEALTH_QUEUE,
    prefix: QUEUE_PREFIX,
    processor: async (job: Job) => (job.name === JOB_CYCLE ? runCycle(job as Job<CycleJobData>) : runShard(job as Job<ShardJobData>)),
    workerOptions: { concurrency: options.concurrency ?? 2 },
    // A Worker that stopped fetching (e.g. after a Redis Cluster failover) is replaced with its connection.
    connect: () => {
      const c = createRedis(options.redisUrl, { maxRetriesPerRequest: null });
      c.on('error', (error: Error) => log('health redis error', { error: error.message }));
      return c;
    },
    probe: data,
    checkMs: options.stallCheckMs ?? 15_000,
    onWorker: (w) => w.on('failed', (job, error) => log('health job failed', { job: job?.id, name: job?.name, error: error.message })),
    onStall: ({ reason }) => log('health worker stopped fetching jobs (e.g. after a Redis failover); replacing it', { reason }),
    onError: (message, error) => log(`health worker: ${message}`, { error: error.message }),
  });

  // Check, then upsert: upserting an existing scheduler on every tick could add an extra cycle run.
  const upsertScheduler = () => queue.upsertJobScheduler(CYCLE_SCHEDULER_ID, { every: everyMs }, { name: JOB_CYCLE, data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } });
  const runBeforeSchedule = async (): Promise<void> => {
    try {
      await options.beforeSchedule?.();
    } catch (error) {
      log('health: preparing the cycle scheduler failed; scheduling anyway', { error: (error as Error).message });
    }
  };
  let reconciling: Promise<boolean> | undefined;
  /** `prepareAnyway`: run beforeSchedule even when the scheduler exists (at start). */
  const reconcile = (prepareAnyway = false): Promise<boolean> => {
    if (everyMs <= 0) return Promise.resolve(false);
    // One pass at a time: the cold-start backfill it may run takes a while.
    return (reconciling ??= (async () => {
      const exists = Boolean(await queue.getJobScheduler(CYCLE_SCHEDULER_ID));
      if (exists && !prepareAnyway) return false;
      await runBeforeSchedule();
      if (await queue.getJobScheduler(CYCLE_SCHEDULER_ID)) return false;
      await upsertScheduler();
      log('health cycle scheduler created', { everyMs });
      return true;
    })().finally(() => (reconciling = undefined)));
  };
  const reconcileLogged = (why: string): void =>
    void reconcile().then(
      (created) => created && log('health cycle scheduler was missing (Redis lost its data?); re-created', { why }),
      (error: Error) => log('health scheduler reconcile failed; will retry', { why, error: error.message }),
    );

  let timer: NodeJS.Timeout | undefined;
  if (everyMs > 0) {
    // At start the backfill runs whether or not a scheduler exists (it checks for states itself).
    await reconcile(true);
    timer = setInterval(() => reconcileLogged('periodic check'), options.reconcileMs ?? everyMs);
    timer.unref();
    // ioredis emits `ready` on every (re)connect: after a reconnect, Redis may be a new, empty one.
    let connects = 0;
    data.on('ready', () => {
      if (connects++ > 0) reconcileLogged('redis reconnected');
    });
    if (data.status === 'ready') connects = 1;
  }

  let closing: Promise<void> | undefined;
  async function shutdown(): Promise<void> {
    const steps = [
      async () => clearInterval(timer),
      async () => reconciling?.catch(() => undefined),
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
    get stalled() {
      return worker?.stalled ?? false;
    },
    reconcile: () => reconcile(),
    async triggerCycle(at: number) {
      const job = await queue.add(JOB_CYCLE, { at } satisfies CycleJobData, { jobId: `cycle-${at}`, removeOnComplete: 100, removeOnFail: 100 });
      return job.id ?? `cycle-${at}`;
    },
    close() {
      return (closing ??= shutdown());
    },
  };
}
