/**
 * The worker role as `vigil worker` and `vigil all` run it: the budget worker and, unless turned off, the
 * health worker (with its cold-start backfill and the SLO burns that make a burning service unhealthy).
 * `close()` is memoised and runs every step even if one throws.
 */
import type { Redis } from 'ioredis';
import type { VigilConfig } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import { createPrometheusReader } from '../prometheus/prometheus-reader.js';
import { startBudgetWorker, type BudgetWorker } from './budget-worker.js';
import { coldStartBackfill } from './health-cold-start.js';
import { startHealthWorker, type HealthWorker } from './health-worker.js';
import { budgetSloBurns } from './slo-burns.js';
import type { WorkerConfig } from './worker-config.js';
import { createRedis } from '../redis/connection.js';

export interface WorkerRoles {
  readonly budget: BudgetWorker;
  readonly health: HealthWorker | undefined;
  close(): Promise<void>;
}

export async function startWorkerRoles(shared: VigilConfig, own: WorkerConfig, logger: Logger, options: { metricsListen?: WorkerConfig['metricsListen'] } = {}): Promise<WorkerRoles> {
  const metricsListen = 'metricsListen' in options ? options.metricsListen : own.metricsListen;
  const budget = await startBudgetWorker({
    redisUrl: shared.redisUrl,
    prometheusUrl: shared.prometheusUrl,
    cycleMs: own.cycleMs,
    concurrency: own.concurrency,
    lockDurationMs: own.lockDurationMs,
    stalledIntervalMs: own.stalledIntervalMs,
    stallCheckMs: own.stallCheckMs,
    queryTimeoutMs: own.queryTimeoutMs,
    ...(metricsListen ? { metricsListen } : {}),
    ...(own.evaluateAtMs === undefined ? {} : { evaluateAtMs: own.evaluateAtMs }),
    logger,
  });
  let health: HealthWorker | undefined;
  let redis: Redis | undefined;
  if (own.health) {
    redis = createRedis(shared.redisUrl, { maxRetriesPerRequest: 3 });
    redis.on('error', (error: Error) => logger.debug({ err: error.message }, 'redis connection error'));
    const reader = createPrometheusReader({ url: shared.prometheusUrl, timeoutMs: own.queryTimeoutMs });
    const log = (message: string, fields?: Record<string, unknown>) => logger.info(fields ?? {}, message);
    const backfillRedis = redis;
    // At start and whenever Redis lost the cycle scheduler (and with it, as a rule, every state): learn
    // baselines from Prometheus history again before cycles resume.
    const coldStart = async (): Promise<void> => {
      try {
        await coldStartBackfill(backfillRedis, reader, { historyMs: own.healthBackfillMs, stepMs: own.healthCycleMs, now: Date.now(), stateTtlMs: own.healthStateTtlMs, log });
      } catch (error) {
        logger.warn({ err: (error as Error).message }, 'health backfill failed; baselines will be learned from live cycles');
      }
    };
    health = await startHealthWorker({
      beforeSchedule: coldStart,
      redisUrl: shared.redisUrl,
      reader,
      everyMs: own.healthCycleMs,
      shardSize: own.healthShardSize,
      stateTtlMs: own.healthStateTtlMs,
      sloBurns: budgetSloBurns(redis, { cycleMs: own.cycleMs }),
      stallCheckMs: own.stallCheckMs,
      log,
    });
    const healthRole = health;
    budget.addHealthCheck(() => (healthRole.stalled ? 'health queue stalled: worker replaced, waiting for it to start a job' : undefined));
  }
  let closing: Promise<void> | undefined;
  return {
    budget,
    health,
    close() {
      return (closing ??= (async () => {
        const steps = [() => health?.close(), () => budget.close(), async () => redis?.disconnect()];
        for (const step of steps) {
          try {
            await step();
          } catch (error) {
            logger.warn({ err: (error as Error).message }, 'error during worker shutdown');
          }
        }
      })());
    },
  };
}
