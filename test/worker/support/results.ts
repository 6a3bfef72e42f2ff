import type { Redis } from 'ioredis';
import { decodeResult, type BudgetResult } from '../../../src/budget/result.js';
import { redisKeys } from '../../../src/redis/redis-keys.js';

export async function readResults(redis: Redis): Promise<Map<string, BudgetResult>> {
  const raw = await redis.hgetall(redisKeys.budgetResults);
  return new Map(Object.entries(raw).map(([k, v]) => [k, decodeResult(v)]));
}

/** Sample lines of one metric in an exposition, as [labels, value]. */
export function samples(text: string, name: string): Array<[string, number]> {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`))
    .map((l) => {
      const cut = l.lastIndexOf(' ');
      return [l.slice(name.length, cut), Number(l.slice(cut + 1))];
    });
}
