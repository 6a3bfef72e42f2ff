/**
 * Budget results for the API: one SLO's result (one HGET), a page of them (one HMGET), or all of them
 * (for the state filter; cached for `ttlMs`). Freshness follows the worker's cycle.
 */
import type { Redis } from 'ioredis';
import { decodeResult, type BudgetResult } from '../../budget/result.js';
import { redisKeys } from '../../redis/redis-keys.js';

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
  /**
   * How long one SLO's result is reused (default 1000 ms; 0 = always read). Workers rewrite results once
   * per cycle (a minute), so a second-old copy is as current as Redis for all practical purposes, and a hot
   * SLO (a dashboard refreshing, a release gate polling) costs no Redis round trip.
   */
  readonly cacheMs?: number;
}

const MAX_CACHED = 50_000;

export class BudgetResults {
  private all: { at: number; promise: Promise<Map<string, StoredResult>> } | undefined;
  private readonly recent = new Map<string, { at: number; result: BudgetResult | undefined }>();

  constructor(
    private readonly redis: Redis,
    private readonly options: ResultsAccessOptions,
  ) {}

  private decode(text: string | null | undefined): BudgetResult | undefined {
    if (text === null || text === undefined) return undefined;
    try {
      return decodeResult(text);
    } catch {
      return undefined;
    }
  }

  private withFreshness(result: BudgetResult | undefined): StoredResult | undefined {
    if (!result) return undefined;
    const now = (this.options.now ?? Date.now)();
    return { result, fresh: now - result.computedAtMs <= this.options.cycleMs * (this.options.staleCycles ?? 3) };
  }

  private cached(key: string, t: number): { result: BudgetResult | undefined } | undefined {
    const hit = this.recent.get(key);
    return hit && t - hit.at < (this.options.cacheMs ?? 1000) ? hit : undefined;
  }

  private remember(key: string, t: number, result: BudgetResult | undefined): void {
    if ((this.options.cacheMs ?? 1000) <= 0) return;
    if (this.recent.size >= MAX_CACHED) this.recent.clear();
    this.recent.set(key, { at: t, result });
  }

  async one(key: string): Promise<StoredResult | undefined> {
    const t = performance.now();
    const hit = this.cached(key, t);
    if (hit) return this.withFreshness(hit.result);
    const result = this.decode(await this.redis.hget(redisKeys.budgetResults, key));
    this.remember(key, t, result);
    return this.withFreshness(result);
  }

  async many(keys: readonly string[]): Promise<Map<string, StoredResult>> {
    const out = new Map<string, StoredResult>();
    const t = performance.now();
    const missing: string[] = [];
    for (const key of keys) {
      const hit = this.cached(key, t);
      if (!hit) missing.push(key);
      else if (hit.result) out.set(key, this.withFreshness(hit.result)!);
    }
    if (missing.length > 0) {
      const texts = await this.redis.hmget(redisKeys.budgetResults, ...missing);
      missing.forEach((key, i) => {
        const result = this.decode(texts[i]);
        this.remember(key, t, result);
        if (result) out.set(key, this.withFreshness(result)!);
      });
    }
    return out;
  }

  /** Every result, reused for `ttlMs` (the state filter needs them all). */
  everything(): Promise<Map<string, StoredResult>> {
    const t = performance.now();
    if (!this.all || t - this.all.at > (this.options.ttlMs ?? 2000)) {
      const promise = this.redis.hgetall(redisKeys.budgetResults).then((raw) => {
        const out = new Map<string, StoredResult>();
        for (const [key, text] of Object.entries(raw)) {
          const s = this.withFreshness(this.decode(text));
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
