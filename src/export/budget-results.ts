/**
 * Reading budget results back from Redis, for the REST API and the controller's SLO status. A result
 * older than `staleCycles` cycles is reported with `fresh: false`; callers must not show it as current.
 */
import type { Redis } from 'ioredis';
import { decodeResult, type BudgetResult } from '../budget/result.js';
import { redisKeys } from '../redis/redis-keys.js';

export interface StoredBudgetResult {
  readonly namespace: string;
  readonly name: string;
  readonly result: BudgetResult;
  readonly fresh: boolean;
}

export interface FreshnessOptions {
  readonly cycleMs: number;
  readonly staleCycles?: number;
  readonly nowMs: number;
}

function toStored(key: string, text: string, options: FreshnessOptions): StoredBudgetResult | undefined {
  let result: BudgetResult;
  try {
    result = decodeResult(text);
  } catch {
    return undefined;
  }
  const slash = key.indexOf('/');
  return {
    namespace: key.slice(0, slash),
    name: key.slice(slash + 1),
    result,
    fresh: options.nowMs - result.computedAtMs <= options.cycleMs * (options.staleCycles ?? 3),
  };
}

/** One SLO's latest result, or undefined when none was computed (or it was deleted). */
export async function readBudgetResult(redis: Redis, ref: { namespace: string; name: string }, options: FreshnessOptions): Promise<StoredBudgetResult | undefined> {
  const key = `${ref.namespace}/${ref.name}`;
  const text = await redis.hget(redisKeys.budgetResults, key);
  return text === null ? undefined : toStored(key, text, options);
}

/** Every result (HSCAN in pages, so 10,000 SLOs do not block Redis). */
export async function readBudgetResults(redis: Redis, options: FreshnessOptions): Promise<StoredBudgetResult[]> {
  const out: StoredBudgetResult[] = [];
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan(redisKeys.budgetResults, cursor, 'COUNT', 1000);
    cursor = next;
    for (let i = 0; i < flat.length; i += 2) {
      const stored = toStored(flat[i]!, flat[i + 1]!, options);
      if (stored) out.push(stored);
    }
  } while (cursor !== '0');
  return out;
}
