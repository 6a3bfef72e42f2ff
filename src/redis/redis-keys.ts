/**
 * Every Redis key and queue name Vigil uses, in one place: the budget side, the health worker and the API
 * catalog. All share the hash tag `{vigil}`, so on Redis Cluster they live in one slot (BullMQ's Lua scripts
 * and our MULTI blocks and pipelines need that).
 */
import type { EntityKind } from '../health/health-result.js';

export const hashTag = '{vigil}';

export const redisKeys = {
  /** BullMQ key prefix: queue keys become `{vigil}:<queue>:…`. */
  bullPrefix: hashTag,
  /** Hash: `namespace/name` → SLO catalog entry (JSON). Written by the controller. */
  sloCatalog: `${hashTag}:catalog:slo`,
  /** String: bumped on every catalog change, so workers can tell when to reconcile. */
  sloCatalogVersion: `${hashTag}:catalog:slo:version`,
  /** Hash: `namespace/name` → latest budget result (compact JSON). */
  budgetResults: `${hashTag}:results:budget`,
  /** Hash: `namespace/name` → summary of the last backtest of the SLO's current policies (src/export/backtest-export.ts). */
  backtestSummaries: `${hashTag}:results:backtest`,
} as const;

/** String (JSON, expires after the SLO's period): an SLO's gap-fill ledger, the period tiles filled from raw series (gap-fill.ts). */
export function gapFillKey(sloKey: string): string {
  return `${hashTag}:gapfill:${sloKey}`;
}

export const queueNames = { budget: 'budget' } as const;

/** Job scheduler id of an SLO's budget job. */
export function budgetSchedulerId(sloKey: string): string {
  return `budget:${sloKey}`;
}

export function sloKeyOfScheduler(schedulerId: string): string | undefined {
  return schedulerId.startsWith('budget:') ? schedulerId.slice('budget:'.length) : undefined;
}

// The health worker.

export const HASH_TAG = hashTag;
/** BullMQ queue name; BullMQ keys are `${HASH_TAG}:health:...` via the queue prefix. */
export const HEALTH_QUEUE = 'health';
export const QUEUE_PREFIX = HASH_TAG;
export const CYCLE_SCHEDULER_ID = 'health-cycle';
export const JOB_CYCLE = 'cycle';
export const JOB_SHARD = 'shard';

/** An entity's identity, also the field name of its result. */
export function entityId(kind: EntityKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export function parseEntityId(id: string): { kind: EntityKind; namespace: string; name: string } | undefined {
  const [kind, namespace, ...rest] = id.split('/');
  if ((kind !== 'service' && kind !== 'workload') || !namespace || rest.length === 0) return undefined;
  return { kind, namespace, name: rest.join('/') };
}

export const healthKeys = {
  /** String: the learned state (compact JSON) of one entity. */
  state: (id: string): string => `${HASH_TAG}:health:state:${id}`,
  /** Hash: entity id → latest result JSON (what the API exports). */
  results: `${HASH_TAG}:health:results`,
  /** Hash: progress of one cycle (shards planned and done, entities, queries, start). */
  cycle: (cycleId: string): string => `${HASH_TAG}:health:cycle:${cycleId}`,
  /** String: id of the latest cycle that planned its shards. */
  lastCycle: `${HASH_TAG}:health:last-cycle`,
} as const;

// The API catalog (what the controller publishes for the REST API).

export const catalogKeys = {
  /** Hash: `namespace/name` → SLO document (JSON). */
  sloDocuments: `${hashTag}:catalog:slo-doc`,
  /** Hash: `namespace/name` → SLI template document (JSON). */
  templates: `${hashTag}:catalog:template`,
  /** String: bumped on every document write; API replicas refresh their in-process cache when it changes. */
  documentsVersion: `${hashTag}:catalog:doc:version`,
} as const;
