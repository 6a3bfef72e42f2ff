/**
 * What the health worker stores per entity in Redis (src/redis/health-keys.ts `healthKeys.results`) and what
 * the API and the /metrics export read back: plain data, so the readers need not import the worker.
 */
import type { EntityHealth } from './entity-health.js';
import type { SignalName } from './signals.js';

/** The entities health is scored for: Istio services and workloads. */
export type EntityKind = 'service' | 'workload';

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
