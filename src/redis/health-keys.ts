/**
 * Every Redis key and queue name of the health worker, in one place. All share the `{vigil}` hash tag so
 * they land in one Redis Cluster slot (BullMQ's Lua scripts and our pipelines need that).
 */
import type { EntityKind } from '../health/health-result.js';

import { hashTag } from './redis-keys.js';

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
