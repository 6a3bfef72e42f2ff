/**
 * One health cycle: read every signal with one batched query per signal and kind, group the values by
 * entity, split the entities into shards, and (per shard) score them against their learned state in Redis
 * and write states and results back (read → pure plan → conditional write, see health-state-store.ts). The BullMQ wiring is in health-worker.ts; this module does the work.
 */
import type { Redis } from 'ioredis';
import { applySloBurns, defaultEntityOptions, learnedUntil, scoreEntity, type EntityHealth, type EntityOptions, type SloBurn } from '../health/entity-health.js';
import type { SignalName } from '../health/signals.js';
import type { HealthResult } from '../health/health-result.js';
import { decodeEntityState, encodeEntityState } from '../health/state-codec.js';
import { RATE_WINDOW_MS, entityLabels, healthQueries } from '../prometheus/prometheus-health-queries.js';
import type { MetricsReader } from '../prometheus/prometheus-reader.js';
import { entityId, parseEntityId } from '../redis/health-keys.js';
import { DEFAULT_STATE_TTL_MS, readStates, writeStatesIfNewer, type StateWrite } from './health-state-store.js';

export interface EntityValues {
  readonly id: string;
  readonly values: Partial<Record<SignalName, number>>;
}

export interface CollectedCycle {
  readonly entities: EntityValues[];
  readonly queries: number;
}

/** Runs the cycle's queries (in parallel) and groups their values by entity. */
export async function collectSignals(reader: MetricsReader, at: Date): Promise<CollectedCycle> {
  const queries = healthQueries();
  const results = await Promise.all(queries.map((q) => reader.instantQuery(q.expr, at.getTime())));
  const byEntity = new Map<string, Partial<Record<SignalName, number>>>();
  queries.forEach((q, i) => {
    const labels = entityLabels[q.kind];
    for (const sample of results[i]!) {
      const namespace = sample.labels[labels.namespace];
      const name = sample.labels[labels.name];
      if (!namespace || !name || name === 'unknown') continue;
      const id = entityId(q.kind, namespace, name);
      let values = byEntity.get(id);
      if (!values) byEntity.set(id, (values = {}));
      values[q.signal] = sample.value;
    }
  });
  const entities = [...byEntity.entries()].map(([id, values]) => ({ id, values })).sort((a, b) => (a.id < b.id ? -1 : 1));
  return { entities, queries: queries.length };
}

export function planShards<T>(items: readonly T[], shardSize: number): T[][] {
  const shards: T[][] = [];
  for (let i = 0; i < items.length; i += shardSize) shards.push(items.slice(i, i + shardSize));
  return shards;
}

/** SLO burn facts per service entity id (`service/<ns>/<name>`), from the budget side. */
export type SloBurnLookup = (serviceIds: readonly string[]) => Promise<ReadonlyMap<string, readonly SloBurn[]>>;

export interface ShardOptions {
  readonly at: number;
  readonly worker: string;
  readonly entityOptions?: EntityOptions;
  readonly sloBurns?: SloBurnLookup;
  /** Expiry of entity states (refreshed on every write); defaults to DEFAULT_STATE_TTL_MS. */
  readonly stateTtlMs?: number;
}

/** What a shard job read: stored states and SLO burns of its entities. */
export interface LoadedShard {
  readonly entities: readonly EntityValues[];
  readonly stored: readonly (string | null)[];
  readonly burns: ReadonlyMap<string, readonly SloBurn[]>;
}

/** Reads a shard's states (one MGET) and its services' SLO burns. */
export async function loadShard(redis: Redis, entities: readonly EntityValues[], options: Pick<ShardOptions, 'sloBurns'>): Promise<LoadedShard> {
  const stored = await readStates(redis, entities.map((e) => e.id));
  const serviceIds = entities.filter((e) => e.id.startsWith('service/')).map((e) => e.id);
  const burns = options.sloBurns && serviceIds.length > 0 ? await options.sloBurns(serviceIds) : new Map<string, readonly SloBurn[]>();
  return { entities, stored, burns };
}

/** Scores a loaded shard (no I/O): the states and results to write, skipping cycles a state already learned. */
export function planShard(loaded: LoadedShard, options: Pick<ShardOptions, 'at' | 'worker' | 'entityOptions'>): StateWrite[] {
  const entityOptions = options.entityOptions ?? defaultEntityOptions;
  const writes: StateWrite[] = [];
  loaded.entities.forEach((entity, i) => {
    const who = parseEntityId(entity.id);
    if (!who) return;
    const state = decodeEntityState(loaded.stored[i]);
    // A retried shard must not learn the same cycle twice (the write checks again, atomically).
    if (learnedUntil(state) >= options.at) return;
    const scored = scoreEntity(state, { timestampMs: options.at, values: entity.values, windowMs: RATE_WINDOW_MS }, entityOptions);
    const health = applySloBurns(scored.health, loaded.burns.get(entity.id) ?? [], entityOptions);
    const signals: HealthResult['signals'] = {};
    for (const [name, s] of Object.entries(health.signals)) {
      const value = entity.values[name as SignalName];
      if (s) {
        signals[name as SignalName] = {
          status: s.status,
          score: s.score === null ? null : Number(s.score.toFixed(4)),
          value: value === undefined || !Number.isFinite(value) ? null : Number(value.toPrecision(6)),
        };
      }
    }
    const result: HealthResult = {
      ...who,
      at: options.at,
      status: health.status,
      score: health.score === null ? null : Number(health.score.toFixed(4)),
      signals,
      reasons: health.reasons,
      worker: options.worker,
    };
    writes.push({ id: entity.id, at: options.at, state: encodeEntityState(scored.state), result: JSON.stringify(result) });
  });
  return writes;
}

/** Writes a planned shard: each state (and its result) only if newer than the stored one, with the state expiry. */
export async function commitShard(redis: Redis, writes: readonly StateWrite[], options: Pick<ShardOptions, 'stateTtlMs'>): Promise<{ stateBytes: number; stale: number }> {
  const { stale } = await writeStatesIfNewer(redis, writes, options.stateTtlMs ?? DEFAULT_STATE_TTL_MS);
  const lost = new Set(stale);
  const stateBytes = writes.filter((w) => !lost.has(w.id)).reduce((sum, w) => sum + w.state.length, 0);
  return { stateBytes, stale: stale.length };
}

/** Scores one shard: one MGET of states, one pipeline of conditional writes. Returns the bytes of state written. */
export async function processShard(redis: Redis, entities: readonly EntityValues[], options: ShardOptions): Promise<{ stateBytes: number; stale: number }> {
  if (entities.length === 0) return { stateBytes: 0, stale: 0 };
  const loaded = await loadShard(redis, entities, options);
  return commitShard(redis, planShard(loaded, options), options);
}
