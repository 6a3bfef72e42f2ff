/**
 * `vigil worker`'s budget role: a BullMQ worker on the `{vigil}`-prefixed `budget` queue, the
 * scheduler reconciler, Vigil's own metrics, and an explicit lifecycle. Any number of replicas can run:
 * BullMQ hands each job to one of them, and a replica that dies mid-job loses its lock, so the stalled
 * job goes back to the queue for another (`maxStalledCount` 1, then the normal retry with backoff). The BullMQ
 * Worker is supervised (src/worker/supervised-worker.ts): one whose fetch loop stopped, as after a Redis Cluster
 * failover, is replaced, and `/healthz` answers 503 until the replacement has started a job.
 */
import { createServer, type Server } from 'node:http';
import { Queue, UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import { PrometheusQueryError, createPrometheusReader, type MetricsReader } from '../prometheus/prometheus-reader.js';
import { runBudgetJob, type BudgetJobOutcome } from './budget-job.js';
import { CycleQueryCache } from './cycle-cache.js';
import { budgetSchedulerId, queueNames, redisKeys } from '../redis/redis-keys.js';
import { SchedulerReconciler, type BudgetJobData, type ReconcileReport } from './scheduler-reconciler.js';
import { createWorkerMetrics, type WorkerMetrics } from '../observability/worker-metrics.js';
import { createRedis } from '../redis/connection.js';
import { startSupervisedWorker } from './supervised-worker.js';

export interface BudgetWorkerOptions {
  readonly redisUrl: string;
  readonly prometheusUrl: string;
  /** Budget cycle: every SLO's job runs this often. */
  readonly cycleMs: number;
  /** Scheduler reconcile interval (default: the cycle). */
  readonly reconcileMs?: number;
  readonly concurrency?: number;
  /** Job lock; a worker that dies mid-job releases its job after at most this long. */
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  /** How often to check that this worker still fetches jobs (src/worker/supervised-worker.ts); 0 = never. */
  readonly stallCheckMs?: number;
  readonly attempts?: number;
  readonly backoffMs?: number;
  readonly queryTimeoutMs?: number;
  readonly queryAttempts?: number;
  /** Where to serve `/metrics` and `/healthz`; undefined = not served. Port 0 picks a free port. */
  readonly metricsListen?: { readonly host: string; readonly port: number };
  /** How long close() waits for running jobs before leaving them to the stalled-job check. */
  readonly shutdownGraceMs?: number;
  readonly logger: Logger;
  /** Wall clock (default Date.now). */
  readonly now?: () => number;
  /** Pins the evaluation instant (tests over synthetic history). */
  readonly evaluateAtMs?: number;
  /** Replaces the Prometheus reader (benchmarks count queries through it). */
  readonly reader?: MetricsReader;
}

export interface BudgetWorker {
  readonly queue: Queue<BudgetJobData>;
  readonly metrics: WorkerMetrics;
  readonly cache: CycleQueryCache;
  /** Why `/healthz` answers 503, or undefined when healthy. */
  healthProblem(): string | undefined;
  /** Adds another role's check to `/healthz` (it returns why the role is unhealthy, or undefined). */
  addHealthCheck(check: () => string | undefined): void;
  /** BullMQ Workers replaced after a stall since start. */
  readonly workerReplacements: number;
  /** Address of the metrics server, when it listens. */
  readonly metricsAddress: { host: string; port: number } | undefined;
  reconcile(): Promise<ReconcileReport>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Runs every step even if some throw; rethrows the first failure(s) at the end. */
async function runAll(steps: ReadonlyArray<() => Promise<unknown> | unknown>): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'several shutdown steps failed');
}

export async function startBudgetWorker(options: BudgetWorkerOptions): Promise<BudgetWorker> {
  const log = options.logger.child({ role: 'budget-worker' });
  const now = options.now ?? Date.now;
  const connectionOptions = { maxRetriesPerRequest: null, enableReadyCheck: true } as const;
  // BullMQ needs maxRetriesPerRequest: null; our own commands wait for a reconnect the same way.
  const bullConnection = createRedis(options.redisUrl, connectionOptions);
  const redis = createRedis(options.redisUrl, connectionOptions);
  for (const c of [bullConnection, redis]) c.on('error', (error: Error) => log.debug({ err: error.message }, 'redis connection error'));

  let queue: Queue<BudgetJobData> | undefined;
  const metrics = createWorkerMetrics({ queue: () => queue as Queue | undefined, defaultMetrics: true });
  const reader =
    options.reader ??
    createPrometheusReader({
      url: options.prometheusUrl,
      timeoutMs: options.queryTimeoutMs ?? 20_000,
      attempts: options.queryAttempts ?? 3,
      onAttempt: ({ ok, seconds, errorType }) => {
        metrics.prometheusQueries.inc({ outcome: ok ? 'ok' : 'error' });
        metrics.prometheusQueryDuration.observe(seconds);
        if (!ok) metrics.prometheusQueryErrors.inc({ error_type: errorType ?? 'unknown' });
      },
    });
  const cache = new CycleQueryCache(reader, { cycleMs: options.cycleMs, now });
  // The event stream is capped (BullMQ's default keeps 10,000 events, ~2 MB) to keep Redis small.
  queue = new Queue<BudgetJobData>(queueNames.budget, { connection: bullConnection, prefix: redisKeys.bullPrefix, streams: { events: { maxLen: 2000 } } });
  queue.on('error', (error: Error) => log.warn({ err: error.message }, 'queue error'));
  const reconciler = new SchedulerReconciler(
    redis,
    queue,
    { cycleMs: options.cycleMs, attempts: options.attempts ?? 3, backoffMs: options.backoffMs ?? 1000 },
    log,
  );
  const gapFill = { redis, reader, now, onQuery: () => metrics.gapFillQueries.inc(), inflight: new Map<string, Promise<unknown>>() };
  const ctx = { redis, cache, gapFill, cycleMs: options.cycleMs, now, ...(options.evaluateAtMs === undefined ? {} : { evaluateAtMs: options.evaluateAtMs }) };

  const processor = async (job: Job<BudgetJobData>): Promise<BudgetJobOutcome> => {
    const started = performance.now();
    try {
      const outcome = await runBudgetJob(ctx, job.data.slo);
      if (outcome.status === 'deleted') await queue!.removeJobScheduler(budgetSchedulerId(job.data.slo));
      metrics.jobDuration.observe({ outcome: 'ok' }, (performance.now() - started) / 1000);
      return outcome;
    } catch (error) {
      metrics.jobDuration.observe({ outcome: 'failed' }, (performance.now() - started) / 1000);
      metrics.jobFailures.inc({ reason: error instanceof PrometheusQueryError ? 'prometheus' : 'other' });
      // A query Prometheus rejects as invalid fails the same way every time: do not retry it.
      if (error instanceof PrometheusQueryError && !error.retryable) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
  const worker = startSupervisedWorker<BudgetJobData, BudgetJobOutcome>({
    queueName: queueNames.budget,
    prefix: redisKeys.bullPrefix,
    processor,
    workerOptions: {
      concurrency: options.concurrency ?? 50,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: 1,
    },
    // Its own connection, not the queue's: a stalled Worker is replaced together with it.
    connect: () => {
      const connection = createRedis(options.redisUrl, connectionOptions);
      connection.on('error', (error: Error) => log.debug({ err: error.message }, 'redis connection error'));
      return connection;
    },
    probe: redis,
    checkMs: options.stallCheckMs ?? 15_000,
    onWorker: (w) => {
      w.on('error', (error: Error) => log.warn({ err: error.message }, 'worker error'));
      w.on('failed', (job, error) => log.debug({ job: job?.id, attempt: job?.attemptsMade, err: error.message }, 'budget job failed'));
      w.on('stalled', (jobId) => log.warn({ job: jobId }, 'stalled budget job returned to the queue'));
    },
    onStall: ({ reason, due, idleMs }) => {
      metrics.queueStalls.inc({ queue: queueNames.budget });
      log.warn({ reason, fetchIdleMs: idleMs, oldestWaitingJob: due.oldestWaitingJobId, earliestDelayedDueMs: due.earliestDelayedDueMs }, 'budget worker stopped fetching jobs (e.g. after a Redis failover); replacing it');
    },
    onRecovered: ({ afterMs }) => log.info({ afterMs }, 'budget queue flowing again after a stall'),
    onError: (message, error) => log.warn({ err: error.message }, message),
  });

  const reconcile = async (): Promise<ReconcileReport> => {
    const report = await reconciler.tick();
    metrics.schedulers.set(report.schedulers);
    return report;
  };
  try {
    await reconcile();
  } catch (error) {
    log.warn({ err: (error as Error).message }, 'initial scheduler reconcile failed; will retry');
  }
  let reconciling = false;
  const timer = setInterval(() => {
    if (reconciling) return;
    reconciling = true;
    reconcile()
      .catch((error: Error) => log.warn({ err: error.message }, 'scheduler reconcile failed; will retry'))
      .finally(() => (reconciling = false));
  }, options.reconcileMs ?? options.cycleMs);
  timer.unref();
  // ioredis emits `ready` on every (re)connect; after a reconnect Redis may be a new, empty one that lost
  // the schedulers: reconcile at once rather than at the next tick (a tick with nothing to do is 3 reads).
  redis.on('ready', () => {
    if (reconciling) return;
    reconciling = true;
    reconcile()
      .then((report) => report.added > 0 && log.info({ added: report.added }, 'budget schedulers re-created after a Redis reconnect'))
      .catch((error: Error) => log.warn({ err: error.message }, 'scheduler reconcile after reconnect failed; will retry'))
      .finally(() => (reconciling = false));
  });

  /** Other roles' checks in this process (the health worker's stall). */
  const otherChecks: Array<() => string | undefined> = [];
  /** Why this worker is unhealthy, or undefined: a Worker that stopped, or a stall not yet recovered from. */
  const healthProblem = (): string | undefined => {
    if (!worker.isRunning()) return 'not running';
    if (worker.stalled) return 'budget queue stalled: worker replaced, waiting for it to start a job';
    for (const check of otherChecks) {
      const problem = check();
      if (problem) return problem;
    }
    return undefined;
  };

  let server: Server | undefined;
  let metricsAddress: { host: string; port: number } | undefined;
  if (options.metricsListen) {
    server = createServer((req, res) => {
      if (req.url === '/metrics') {
        metrics.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
          (error: Error) => res.writeHead(500).end(error.message),
        );
      } else if (req.url === '/healthz') {
        const problem = healthProblem();
        res.writeHead(problem ? 503 : 200).end(problem ? `${problem}\n` : 'ok\n');
      }
      else res.writeHead(404).end();
    });
    const { host, port } = options.metricsListen;
    await new Promise<void>((resolve, reject) => server!.once('error', reject).listen(port, host, () => resolve()));
    const address = server.address();
    metricsAddress = typeof address === 'object' && address ? { host, port: address.port } : undefined;
  }
  log.info({ cycleMs: options.cycleMs, concurrency: options.concurrency ?? 50, metrics: metricsAddress }, 'budget worker started');

  let closing: Promise<void> | undefined;
  const shutdown = async (): Promise<void> => {
    log.info('budget worker stopping');
    await runAll([
      () => clearInterval(timer),
      () => worker.close(options.shutdownGraceMs ?? 10_000),
      () => queue!.close(),
      () => (server ? new Promise<void>((resolve) => server!.close(() => resolve())) : undefined),
      () => redis.quit().catch(() => redis.disconnect()),
      () => bullConnection.quit().catch(() => bullConnection.disconnect()),
    ]);
    log.info('budget worker stopped');
  };
  const close = (): Promise<void> => (closing ??= shutdown());
  return {
    queue,
    metrics,
    cache,
    metricsAddress,
    healthProblem,
    addHealthCheck: (check) => void otherChecks.push(check),
    get workerReplacements() {
      return worker.replacements;
    },
    reconcile,
    close,
    [Symbol.asyncDispose]: close,
  };
}
