/**
 * Budget results for the API: one SLO's result (one HGET), a page of them (one HMGET), or all of them
 * (for the state filter; cached for `ttlMs`). Freshness follows the worker's cycle.
 */
import type { Redis } from 'ioredis';
import { decodeResult, type BudgetResult } from '../../budget/result.js';
import { redisKeys } from '../../worker/redis-keys.js';

export interface StoredResult {
  readonly result: BudgetResult;
  readonly fresh: boolean;
}

export interface ResultsAccessOptions {
  readonly cycleMs: number;
  readonly staleCycles?: number;
  readonly now?: () => number;
  /** How long the all-results snapshot is reused (default 2000 ms). */
  readonly ttlMs?: number;
}

export class BudgetResults {
  private all: { at: number; promise: Promise<Map<string, StoredResult>> } | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly options: ResultsAccessOptions,
  ) {}

  private stored(text: string | null | undefined): StoredResult | undefined {
    if (text === null || text === undefined) return undefined;
    try {
      const result = decodeResult(text);
      const now = (this.options.now ?? Date.now)();
      return { result, fresh: now - result.computedAtMs <= this.options.cycleMs * (this.options.staleCycles ?? 3) };
    } catch {
      return undefined;
    }
  }

  async one(key: string): Promise<StoredResult | undefined> {
    return this.stored(await this.redis.hget(redisKeys.budgetResults, key));
  }

  async many(keys: readonly string[]): Promise<Map<string, StoredResult>> {
    const out = new Map<string, StoredResult>();
    if (keys.length === 0) return out;
    const texts = await this.redis.hmget(redisKeys.budgetResults, ...keys);
    keys.forEach((key, i) => {
      const s = this.stored(texts[i]);
      if (s) out.set(key, s);
    });
    return out;
  }

  /** Every result, reused for `ttlMs` (the state filter needs them all). */
  everything(): Promise<Map<string, StoredResult>> {
    const t = performance.now();
    if (!this.all || t - this.all.at > (this.options.ttlMs ?? 2000)) {
      const promise = this.redis.hgetall(redisKeys.budgetResults).then((raw) => {
        const out = new Map<string, StoredResult>();
        for (const [key, text] of Object.entries(raw)) {
          const s = this.stored(text);
          if (s) out.set(key, s);
        }
        return out;
      });
      promise.catch(() => (this.all = undefined));
      this.all = { at: t, promise };
    }
    return this.all.promise;
  }
}
