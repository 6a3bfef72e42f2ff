/**
 * Cold start of health scoring: when Redis holds no health results yet (a new install, or Redis lost
 * everything), one replica — the one that wins a lock — learns baselines from Prometheus history before
 * cycles begin, so scores are meaningful at once instead of "unknown" for days.
 */
import type { Redis } from 'ioredis';
import type { MetricsReader } from '../prometheus/prometheus-reader.js';
import { backfillHealth, type BackfillReport } from './health-backfill.js';
import { healthKeys } from '../redis/health-keys.js';

export const backfillLockKey = `${healthKeys.results}:backfill-lock`;

export async function coldStartBackfill(
  redis: Redis,
  reader: MetricsReader,
  options: { historyMs: number; stepMs: number; now: number; stateTtlMs?: number; log: (message: string, fields?: Record<string, unknown>) => void },
): Promise<BackfillReport | undefined> {
  if (options.historyMs <= 0) return undefined;
  if ((await redis.hlen(healthKeys.results)) > 0 || (await redis.exists(healthKeys.lastCycle)) > 0) return undefined;
  // Another replica may be backfilling; the lock expires should that replica die mid-way.
  const locked = await redis.set(backfillLockKey, String(process.pid), 'PX', 3_600_000, 'NX');
  if (locked !== 'OK') {
    options.log('health backfill already running on another replica');
    return undefined;
  }
  try {
    options.log('health backfill: learning baselines from Prometheus history', { historyMs: options.historyMs });
    const report = await backfillHealth(reader, redis, {
      from: options.now - options.historyMs,
      to: options.now,
      stepMs: options.stepMs,
      ...(options.stateTtlMs === undefined ? {} : { stateTtlMs: options.stateTtlMs }),
      log: options.log,
    });
    options.log('health backfill done', { ...report });
    return report;
  } finally {
    await redis.del(backfillLockKey);
  }
}
