/**
 * A BullMQ Worker that notices when its fetch loop has stopped and replaces itself.
 *
 * Why: BullMQ 6.7 workers on an ioredis Cluster client that were blocked on a master when it died can stop
 * fetching jobs for good. BullMQ's watchdog reconnects the blocking connection, but ioredis' `Cluster.connect()`
 * never settles when the cluster's ready check fails (CLUSTERDOWN during the election), so the worker waits on
 * that reconnect forever while `isRunning()` stays true and every other connection recovers.
 *
 * How it is noticed, from outside the loop so it works whatever wedged it: every `checkMs` the queue's due work is
 * read from Redis (the oldest waiting job, the earliest delayed job's due time: two commands). The worker is
 * stalled when, between two checks that both reached Redis, this process started no job although it had a free
 * slot, and either
 * - its fetch loop made no fetch attempt for longer than BullMQ's longest block (10 s) plus a margin: a worker
 *   with a free slot asks for a job at least that often, job or not (attempts are seen through the one protected
 *   hook BullMQ calls at each, `getBlockTimeout`). This catches one wedged replica while others take the work; or
 * - work was already due at the first check and still untaken at the second: the oldest waiting job is the same
 *   one, or the earliest delayed job was due before the first check (delayed jobs are promoted by fetching workers,
 *   so an overdue one means nobody is fetching).
 * A busy worker (every slot taken) is never stalled: it is starting no job because it has no room. A Redis outage
 * is not a stall: the check waits for Redis, and the verdict needs a whole interval after it with no attempt.
 *
 * What is done: the stuck Worker is closed in the background (its connection dropped after a grace period) and a
 * new Worker on a new connection takes over. `stalled` stays true from the detection until the new Worker has
 * started a job, so `/healthz` reports it until the queue is really flowing again.
 */
import { Worker, type Job, type Processor, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';

/** The queue's work a free worker should already have taken, as read from Redis at `atMs`. */
export interface DueWork {
  readonly atMs: number;
  /** Id of the job that has waited longest (BullMQ takes from the right end of the wait list). */
  readonly oldestWaitingJobId: string | undefined;
  /** When the earliest delayed job became (or becomes) due, epoch ms. */
  readonly earliestDelayedDueMs: number | undefined;
}

/** One look at the worker beside the queue's due work. */
export interface StallObservation {
  readonly due: DueWork;
  /** Jobs this worker has started since it was created (monotonic). */
  readonly jobsStarted: number;
  /** Whether the worker had a free slot at this look. */
  readonly freeSlot: boolean;
  /** When the worker's fetch loop last asked for a job (epoch ms). */
  readonly lastFetchAttemptMs: number;
  /** A fetch loop with a free slot asks at least this often. */
  readonly fetchAttemptLimitMs: number;
}

/** Delayed jobs carry the client's clock; allow this much disagreement before calling one overdue. */
const CLOCK_SKEW_ALLOWANCE_MS = 1000;

export type StallReason = 'no fetch attempt' | 'waiting job untaken' | 'delayed job overdue';

/** Pure: is the worker stalled, judging from two successive observations? Why, or undefined. */
export function stallReason(previous: StallObservation | undefined, current: StallObservation): StallReason | undefined {
  if (!previous) return undefined;
  if (current.jobsStarted !== previous.jobsStarted) return undefined;
  if (!previous.freeSlot || !current.freeSlot) return undefined;
  const noFetchAttempt =
    current.lastFetchAttemptMs === previous.lastFetchAttemptMs && previous.due.atMs - current.lastFetchAttemptMs > current.fetchAttemptLimitMs;
  const waitingUntaken = current.due.oldestWaitingJobId !== undefined && current.due.oldestWaitingJobId === previous.due.oldestWaitingJobId;
  const delayedOverdue =
    current.due.earliestDelayedDueMs !== undefined && current.due.earliestDelayedDueMs <= previous.due.atMs - CLOCK_SKEW_ALLOWANCE_MS;
  if (noFetchAttempt) return 'no fetch attempt';
  if (waitingUntaken) return 'waiting job untaken';
  if (delayedOverdue) return 'delayed job overdue';
  return undefined;
}

/** BullMQ's own watchdog abandons a block 1 s past its timeout; allow a few seconds more for a loaded machine. */
const FETCH_ATTEMPT_MARGIN_MS = 6000;

/** A BullMQ Worker that notes when its fetch loop last asked for a job. */
class ObservedWorker<Data, Result> extends Worker<Data, Result> {
  lastFetchAttemptMs: number;
  constructor(name: string, processor: Processor<Data, Result>, options: WorkerOptions, private readonly clock: () => number) {
    super(name, processor, options);
    this.lastFetchAttemptMs = clock();
  }
  /** BullMQ calls this at the start of every blocking wait for a job. */
  protected override getBlockTimeout(blockUntil: number): number {
    this.lastFetchAttemptMs = this.clock();
    return super.getBlockTimeout(blockUntil);
  }
}

/** BullMQ scores a delayed job `dueMs * 0x1000 + counter` (commands/includes/getDelayedScore.lua). */
const DELAYED_SCORE_FACTOR = 0x1000;

/** Reads a queue's due work: `queueKey` is BullMQ's `PREFIX:QUEUE` (one hash slot with Vigil's `{vigil}` prefix). */
export async function readDueWork(redis: Redis, queueKey: string, now: () => number = Date.now): Promise<DueWork> {
  const atMs = now();
  const [oldest, earliest] = await Promise.all([redis.lindex(`${queueKey}:wait`, -1), redis.zrange(`${queueKey}:delayed`, '0', '0', 'WITHSCORES')]);
  const score = earliest[1] === undefined ? undefined : Number(earliest[1]);
  return {
    atMs,
    oldestWaitingJobId: oldest ?? undefined,
    earliestDelayedDueMs: score === undefined || !Number.isFinite(score) ? undefined : Math.floor(score / DELAYED_SCORE_FACTOR),
  };
}

export interface SupervisedWorkerOptions<Data, Result> {
  readonly queueName: string;
  readonly prefix: string;
  readonly processor: Processor<Data, Result>;
  /** BullMQ worker options besides connection, prefix and autorun; `concurrency` sets the free-slot test. */
  readonly workerOptions: Omit<WorkerOptions, 'connection' | 'prefix' | 'autorun'>;
  /** A new connection for each Worker (the stuck Worker's connection is dropped with it). */
  readonly connect: () => Redis;
  /** Connection the due work is read on (not the Worker's own). */
  readonly probe: Redis;
  /** Interval between looks; a stall is detected within two intervals. 0 = no supervision. */
  readonly checkMs: number;
  /** How long a replaced Worker may take to close before its connection is dropped. */
  readonly closeGraceMs?: number;
  /** Attaches event listeners to each new Worker. */
  readonly onWorker?: (worker: Worker<Data, Result>) => void;
  readonly onStall?: (details: { reason: StallReason; due: DueWork; idleMs: number }) => void;
  readonly onRecovered?: (details: { afterMs: number }) => void;
  readonly onError?: (message: string, error: Error) => void;
  readonly now?: () => number;
}

export interface SupervisedWorker {
  /** True from a detected stall until the replacement Worker has started a job. */
  readonly stalled: boolean;
  /** Workers replaced since start. */
  readonly replacements: number;
  isRunning(): boolean;
  /** One supervision step now (the timer calls it every `checkMs`); true when it found a stall. */
  check(): Promise<boolean>;
  /** Closes the Worker, waiting up to `graceMs` for running jobs (then leaving them to the stalled-job check). */
  close(graceMs?: number): Promise<void>;
}

export function startSupervisedWorker<Data, Result>(options: SupervisedWorkerOptions<Data, Result>): SupervisedWorker {
  const now = options.now ?? Date.now;
  const concurrency = options.workerOptions.concurrency ?? 1;
  let jobsStarted = 0;
  let inFlight = 0;
  let stalledSince: number | undefined;
  let startedAtStall = 0;
  let replacements = 0;
  let closed = false;
  let previous: StallObservation | undefined;

  const processor: Processor<Data, Result> = async (job: Job<Data, Result>, token?: string, signal?: AbortSignal) => {
    jobsStarted++;
    inFlight++;
    if (stalledSince !== undefined && jobsStarted > startedAtStall) {
      const afterMs = now() - stalledSince;
      stalledSince = undefined;
      options.onRecovered?.({ afterMs });
    }
    try {
      return await options.processor(job, token, signal);
    } finally {
      inFlight--;
    }
  };

  const create = (): { worker: ObservedWorker<Data, Result>; connection: Redis } => {
    const connection = options.connect();
    const worker = new ObservedWorker<Data, Result>(options.queueName, processor, { ...options.workerOptions, connection, prefix: options.prefix, autorun: false }, now);
    options.onWorker?.(worker);
    void worker.run().catch((error: Error) => options.onError?.('worker stopped', error));
    return { worker, connection };
  };
  let current = create();

  const retire = async (old: { worker: ObservedWorker<Data, Result>; connection: Redis }, graceMs: number): Promise<void> => {
    // A wedged Worker may never finish closing; its jobs' locks lapse and BullMQ's stalled-job check requeues them.
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([old.worker.close().catch((error: Error) => options.onError?.('closing a worker failed', error)), grace]);
    await old.connection.quit().catch(() => old.connection.disconnect());
  };

  const queueKey = `${options.prefix}:${options.queueName}`;
  let checking: Promise<boolean> | undefined;
  const check = (): Promise<boolean> =>
    (checking ??= (async () => {
      if (closed) return false;
      const started = jobsStarted;
      const freeBefore = inFlight < concurrency;
      const due = await readDueWork(options.probe, queueKey, now);
      const observation: StallObservation = {
        due,
        jobsStarted: started,
        freeSlot: freeBefore && inFlight < concurrency,
        lastFetchAttemptMs: current.worker.lastFetchAttemptMs,
        fetchAttemptLimitMs: current.worker.maximumBlockTimeout * 1000 + FETCH_ATTEMPT_MARGIN_MS,
      };
      const reason = stallReason(previous, observation);
      previous = observation;
      if (!reason || closed) return false;
      stalledSince ??= now();
      startedAtStall = jobsStarted;
      options.onStall?.({ reason, due, idleMs: due.atMs - observation.lastFetchAttemptMs });
      replacements++;
      previous = undefined;
      const old = current;
      current = create();
      void retire(old, options.closeGraceMs ?? 10_000);
      return true;
    })().finally(() => (checking = undefined)));

  const timer =
    options.checkMs > 0
      ? setInterval(() => void check().catch((error: Error) => options.onError?.('stall check failed', error)), options.checkMs)
      : undefined;
  timer?.unref();

  return {
    get stalled() {
      return stalledSince !== undefined;
    },
    get replacements() {
      return replacements;
    },
    isRunning: () => current.worker.isRunning(),
    check,
    async close(graceMs = options.closeGraceMs ?? 10_000) {
      closed = true;
      clearInterval(timer);
      await checking?.catch(() => undefined);
      await retire(current, graceMs);
    },
  };
}
