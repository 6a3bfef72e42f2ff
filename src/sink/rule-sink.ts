/**
 * Where rules go: PrometheusRule objects (Kubernetes) or rule files plus a Prometheus reload (directory
 * mode). One unit of output per SLO; writes are skipped when the content hash is unchanged.
 */
import type { RuleGroup } from '../resources/compile-contract.js';
import { contentHash } from '../resources/compile-contract.js';

export interface SloTarget {
  readonly namespace: string;
  readonly name: string;
  /** The SLO's uid (Kubernetes), for ownerReferences. */
  readonly uid?: string;
  readonly generation?: number;
}

export type ApplyOutcome = 'written' | 'unchanged';

/**
 * The sink's checker (promtool) refused an SLO's rules: retrying the same rules cannot help, so the
 * controller records the reason on the SLO and waits for its inputs to change; other SLOs are unaffected.
 */
export class RulesRejectedError extends Error {
  override readonly name = 'RulesRejectedError';
}

export interface RuleSink {
  /** Loads what already exists; `onDrift` names an SLO whose output changed or vanished behind our back. */
  start(onDrift: (slo: { namespace: string; name: string }) => void): Promise<void>;
  apply(slo: SloTarget, groups: readonly RuleGroup[]): Promise<ApplyOutcome>;
  /**
   * Whether the SLO's output already holds groups with this hash (see groupsHash), without the groups:
   * lets the controller skip compiling an SLO whose inputs have not changed since it last wrote.
   */
  isCurrent(slo: SloTarget, groupsHash: string): Promise<boolean>;
  /** Removes the SLO's output; false when there was none. */
  remove(slo: { namespace: string; name: string }): Promise<boolean>;
  /** Whether the SLO currently has output. */
  has(slo: { namespace: string; name: string }): boolean;
  /** SLOs that currently have output. */
  list(): ReadonlyArray<{ namespace: string; name: string }>;
  /** Where the SLO's rules live, for status messages. */
  describe(slo: { namespace: string; name: string }): string;
  /** The SLO generation whose rules are in place (when known). */
  appliedGeneration(slo: { namespace: string; name: string }): number | undefined;
  close(): Promise<void>;
}

/** Hash of an SLO's rule groups: what both sinks' content hashes are built on. */
export function groupsHash(groups: readonly RuleGroup[]): string {
  return contentHash(groups);
}
