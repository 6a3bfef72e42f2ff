/**
 * `vigil worker`: runs the budget worker until SIGTERM or SIGINT, then shuts down once, gracefully.
 */
import { parseArgs } from 'node:util';
import { ConfigError, resolveConfig, sharedOptions, sharedParseOptions } from '../../config/config.js';
import { createLogger } from '../../observability/logger.js';
import { Redis } from 'ioredis';
import { startBudgetWorker } from '../../worker/budget-worker.js';
import { startHealthWorker, type HealthWorker } from '../../worker/health-worker.js';
import { coldStartBackfill } from '../../worker/health-cold-start.js';
import { budgetSloBurns } from '../../worker/slo-burns.js';
import { createPrometheusReader } from '../../sources/prometheus-reader.js';
import { resolveWorkerConfig, workerOptions, workerParseOptions } from '../../worker/worker-config.js';
import type { CommandIo } from '../io.js';

function usage(): string {
  const line = (o: { flag: string; env: string; default: string; description: string }) =>
    `  --${o.flag.padEnd(18)} ${o.description} (env ${o.env}, default ${JSON.stringify(o.default)})`;
  return ['usage: vigil worker [options]', '', 'Computes error budgets for every SLO in the catalog and health scores for every service and workload (BullMQ on Redis).', '', ...workerOptions.map(line), ...sharedOptions.filter((o) => ['prometheus-url', 'redis-url', 'log-level'].includes(o.flag)).map(line), ''].join('\n');
}

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: { ...sharedParseOptions, ...workerParseOptions, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (error) {
    io.stderr(`vigil worker: ${(error as Error).message}\n\n${usage()}`);
    return 2;
  }
  if (values.help) {
    io.stdout(usage());
    return 0;
  }
  let shared, own;
  try {
    shared = resolveConfig(values, io.env, { servesApi: false });
    own = resolveWorkerConfig(values, io.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`vigil worker: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const logger = createLogger({ level: shared.logLevel, name: 'vigil-worker' });
  const worker = await startBudgetWorker({
    redisUrl: shared.redisUrl,
    prometheusUrl: shared.prometheusUrl,
    cycleMs: own.cycleMs,
    concurrency: own.concurrency,
    lockDurationMs: own.lockDurationMs,
    stalledIntervalMs: own.stalledIntervalMs,
    queryTimeoutMs: own.queryTimeoutMs,
    metricsListen: own.metricsListen,
    ...(own.evaluateAtMs === undefined ? {} : { evaluateAtMs: own.evaluateAtMs }),
    logger,
  });
  if (worker.metricsAddress) io.stdout(`vigil worker: metrics on http://${worker.metricsAddress.host}:${worker.metricsAddress.port}/metrics\n`);
  let health: HealthWorker | undefined;
  let redis: Redis | undefined;
  if (own.health) {
    redis = new Redis(shared.redisUrl, { maxRetriesPerRequest: 3 });
    redis.on('error', (error: Error) => logger.debug({ err: error.message }, 'redis connection error'));
    const reader = createPrometheusReader({ url: shared.prometheusUrl, timeoutMs: own.queryTimeoutMs });
    const log = (message: string, fields?: Record<string, unknown>) => logger.info(fields ?? {}, message);
    try {
      await coldStartBackfill(redis, reader, { historyMs: own.healthBackfillMs, stepMs: own.healthCycleMs, now: Date.now(), log });
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'health backfill failed; baselines will be learned from live cycles');
    }
    health = await startHealthWorker({
      redisUrl: shared.redisUrl,
      reader,
      everyMs: own.healthCycleMs,
      shardSize: own.healthShardSize,
      sloBurns: budgetSloBurns(redis, { cycleMs: own.cycleMs }),
      log,
    });
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  // Every step runs even if one fails.
  const steps = [() => health?.close(), () => worker.close(), async () => redis?.disconnect()];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'error during worker shutdown');
    }
  }
  return 0;
}
