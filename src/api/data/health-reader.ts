/**
 * Health results for the API, behind a narrow interface, read from the health worker's results hash
 * (src/redis/health-keys.ts `healthKeys.results`: field `<kind>/<namespace>/<name>` → JSON
 * `HealthResult` of src/health/health-result.ts). Every field is checked on the way in: a result the API
 * cannot read is skipped, never a 500.
 */
import type { Redis } from 'ioredis';
import type { HealthResult } from '../../health/health-result.js';
import { entityId, healthKeys } from '../../redis/health-keys.js';

export const healthResultsKey = healthKeys.results;

export type EntityKind = 'service' | 'workload';

export interface HealthEntry {
  readonly kind: EntityKind;
  readonly namespace: string;
  readonly name: string;
  readonly status: 'healthy' | 'unhealthy' | 'unknown';
  readonly score: number | null;
  readonly reasons: readonly string[];
  readonly signals: Readonly<Record<string, { status: string; score: number | null; value: number | null }>>;
  /** Cycle time, epoch ms. */
  readonly at: number;
  readonly fresh: boolean;
}

export interface HealthReader {
  list(): Promise<HealthEntry[]>;
  one(kind: EntityKind, namespace: string, name: string): Promise<HealthEntry | undefined>;
}

export interface RedisHealthReaderOptions {
  /** A result older than this is not current (default 5 min, the health worker's export limit). */
  readonly staleAfterMs?: number;
  readonly now?: () => number;
  /** How long the list is reused (default 2000 ms). */
  readonly ttlMs?: number;
}

const statuses = new Set(['healthy', 'unhealthy', 'unknown']);

export function createRedisHealthReader(redis: Redis, options: RedisHealthReaderOptions = {}): HealthReader {
  const staleAfterMs = options.staleAfterMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const parse = (text: string | null | undefined): HealthEntry | undefined => {
    if (!text) return undefined;
    try {
      const r = JSON.parse(text) as Partial<Record<keyof HealthResult, unknown>>;
      if ((r.kind !== 'service' && r.kind !== 'workload') || typeof r.namespace !== 'string' || typeof r.name !== 'string' || typeof r.at !== 'number') return undefined;
      const signals: Record<string, { status: string; score: number | null; value: number | null }> = {};
      for (const [name, s] of Object.entries((r.signals ?? {}) as Record<string, Record<string, unknown>>)) {
        if (!s) continue;
        signals[name] = { status: String(s.status ?? 'unknown'), score: typeof s.score === 'number' ? s.score : null, value: typeof s.value === 'number' ? s.value : null };
      }
      return {
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        status: statuses.has(r.status as string) ? (r.status as HealthEntry['status']) : 'unknown',
        score: typeof r.score === 'number' ? r.score : null,
        reasons: Array.isArray(r.reasons) ? r.reasons.map(String) : [],
        signals,
        at: r.at,
        fresh: now() - r.at <= staleAfterMs,
      };
    } catch {
      return undefined;
    }
  };
  let cached: { at: number; promise: Promise<HealthEntry[]> } | undefined;
  return {
    list() {
      const t = performance.now();
      if (!cached || t - cached.at > (options.ttlMs ?? 2000)) {
        const promise = redis.hgetall(healthResultsKey).then((raw) =>
          Object.entries(raw)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .flatMap(([, text]) => {
              const e = parse(text);
              return e ? [e] : [];
            }),
        );
        promise.catch(() => (cached = undefined));
        cached = { at: t, promise };
      }
      return cached.promise;
    },
    async one(kind, namespace, name) {
      return parse(await redis.hget(healthResultsKey, entityId(kind, namespace, name)));
    },
  };
}
