/**
 * Cold start: learn baselines from Prometheus history with range queries, in bounded chunks (so no query
 * returns more than `chunkPoints` points per series), logging progress, then write the states to Redis.
 * Entities are replayed through the same `scoreEntity` as live cycles, step by step, so a backfilled state
 * is exactly what live cycles over that history would have produced (up to the query windows).
 */
import type { Redis } from 'ioredis';
import { defaultEntityOptions, learnedUntil, scoreEntity, type EntityOptions, type EntityState } from '../health/entity-health.js';
import type { SignalName } from '../health/signals.js';
import { decodeEntityState, encodeEntityState } from '../health/state-codec.js';
import { RATE_WINDOW_MS, entityLabels, healthQueries } from '../prometheus/prometheus-health-queries.js';
import type { MetricsReader } from '../prometheus/prometheus-reader.js';
import { entityId } from '../redis/health-keys.js';
import { DEFAULT_STATE_TTL_MS, readStates, writeStatesIfNewer } from './health-state-store.js';

export interface BackfillOptions {
  readonly from: number;
  readonly to: number;
  /** Cycle period (ms): one learning step per period, as live cycles. */
  readonly stepMs?: number;
  /** Points per series per range query (Prometheus caps a query at 11,000). */
  readonly chunkPoints?: number;
  readonly entityOptions?: EntityOptions;
  /** Expiry of the states written (as live cycles write them). */
  readonly stateTtlMs?: number;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface BackfillReport {
  readonly entities: number;
  readonly steps: number;
  readonly chunks: number;
  readonly queries: number;
}

export async function backfillHealth(reader: MetricsReader, redis: Redis, options: BackfillOptions): Promise<BackfillReport> {
  const stepMs = options.stepMs ?? 60_000;
  const chunkMs = stepMs * (options.chunkPoints ?? 720);
  const log = options.log ?? (() => undefined);
  const queries = healthQueries();
  const states = new Map<string, EntityState>();
  let chunks = 0;
  let steps = 0;
  const first = Math.ceil(options.from / stepMs) * stepMs;
  for (let start = first; start <= options.to; start += chunkMs) {
    const end = Math.min(options.to, start + chunkMs - stepMs);
    const results = await Promise.all(queries.map((q) => reader.rangeQuery(q.expr, start, end, stepMs)));
    // time → entity → values
    const byTime = new Map<number, Map<string, Partial<Record<SignalName, number>>>>();
    queries.forEach((q, i) => {
      const labels = entityLabels[q.kind];
      for (const series of results[i]!) {
        const namespace = series.labels[labels.namespace];
        const name = series.labels[labels.name];
        if (!namespace || !name || name === 'unknown') continue;
        const id = entityId(q.kind, namespace, name);
        for (const [t, v] of series.points) {
          let atTime = byTime.get(t);
          if (!atTime) byTime.set(t, (atTime = new Map()));
          let values = atTime.get(id);
          if (!values) atTime.set(id, (values = {}));
          values[q.signal] = v;
        }
      }
    });
    const newIds = [...new Set([...byTime.values()].flatMap((m) => [...m.keys()]))].filter((id) => !states.has(id));
    if (newIds.length > 0) {
      const stored = await readStates(redis, newIds);
      newIds.forEach((id, i) => states.set(id, decodeEntityState(stored[i])));
    }
    for (const t of [...byTime.keys()].sort((a, b) => a - b)) {
      for (const [id, values] of byTime.get(t)!) {
        const state = states.get(id)!;
        // Never re-learn history a state has already seen (live cycles or an earlier backfill).
        if (learnedUntil(state) >= t) continue;
        states.set(id, scoreEntity(state, { timestampMs: t, values, windowMs: RATE_WINDOW_MS }, options.entityOptions ?? defaultEntityOptions).state);
      }
      steps++;
    }
    chunks++;
    log('health backfill progress', { chunk: chunks, until: new Date(end).toISOString(), entities: states.size, steps });
  }
  // Conditional like live cycles: a live cycle that ran meanwhile on another replica wins.
  const writes = [...states].map(([id, state]) => ({ id, at: learnedUntil(state), state: encodeEntityState(state) }));
  await writeStatesIfNewer(redis, writes, options.stateTtlMs ?? DEFAULT_STATE_TTL_MS);
  log('health backfill done', { entities: states.size, steps, chunks });
  return { entities: states.size, steps, chunks, queries: chunks * queries.length };
}
