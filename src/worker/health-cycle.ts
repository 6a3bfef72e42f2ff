/**
 * One health cycle: read every signal with one batched query per signal and kind, group the values by
 * entity, split the entities into shards, and (per shard) score them against their learned state in Redis
 * and write states and results back. The BullMQ wiring is in health-worker.ts; this module does the work.
 */
import type { Redis } from 'ioredis';
import { applySloBurns, defaultEntityOptions, scoreEntity, type EntityHealth, type EntityOptions, type SloBurn } from '../health/entity-health.js';
import type { SignalName } from '../health/signals.js';
import { decodeEntityState, encodeState } from '../health/state-codec.js';
import { entityLabels, healthQueries, type EntityKind } from '../sources/prometheus-health-queries.js';
import type { MetricsReader } from '../sources/prometheus-reader.js';
import { entityId, healthKeys, parseEntityId } from './health-keys.js';

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

/** The result stored per entity (and exported by the API). */
export interface HealthResult {
  readonly kind: EntityKind;
  readonly namespace: string;
  readonly name: string;
  /** Cycle time (epoch ms). */
  readonly at: number;
  readonly status: EntityHealth['status'];
  readonly score: number | null;
  readonly signals: Partial<Record<SignalName, { status: string; score: number | null; value: number | null }>>;
  readonly reasons: readonly string[];
  /** Which worker scored it (diagnostics: shards are shared between replicas). */
  readonly worker: string;
}

/** SLO burn facts per service entity id (`service/<ns>/<name>`), from the budget side. */
export type SloBurnLookup = (serviceIds: readonly string[]) => Promise<ReadonlyMap<string, readonly SloBurn[]>>;

export interface ShardOptions {
  readonly at: number;
  readonly worker: string;
  readonly entityOptions?: EntityOptions;
  readonly sloBurns?: SloBurnLookup;
}

/** Scores one shard: one MGET of states, one pipeline of writes. Returns the bytes of state written. */
export async function processShard(redis: Redis, entities: readonly EntityValues[], options: ShardOptions): Promise<{ stateBytes: number }> {
  if (entities.length === 0) return { stateBytes: 0 };
  const stored = await redis.mget(...entities.map((e) => healthKeys.state(e.id)));
  const serviceIds = entities.filter((e) => e.id.startsWith('service/')).map((e) => e.id);
  const burns = options.sloBurns && serviceIds.length > 0 ? await options.sloBurns(serviceIds) : new Map<string, readonly SloBurn[]>();
  const pipeline = redis.pipeline();
  let stateBytes = 0;
  entities.forEach((entity, i) => {
    const who = parseEntityId(entity.id);
    if (!who) return;
    const state = decodeEntityState(stored[i]);
    // A retried shard must not learn the same cycle twice.
    if (Object.values(state.signals).some((sig) => sig !== undefined && sig.ts >= options.at)) return;
    const scored = scoreEntity(state, { timestampMs: options.at, values: entity.values }, options.entityOptions ?? defaultEntityOptions);
    const health = applySloBurns(scored.health, burns.get(entity.id) ?? [], options.entityOptions ?? defaultEntityOptions);
    const text = encodeState(scored.state);
    stateBytes += text.length;
    pipeline.set(healthKeys.state(entity.id), text);
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
    pipeline.hset(healthKeys.results, entity.id, JSON.stringify(result));
  });
  await pipeline.exec();
  return { stateBytes };
}
