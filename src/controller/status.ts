/**
 * Resource status: observedGeneration and metav1.Conditions (Valid, RulesApplied, Ready) with reasons and
 * messages a person can act on. Pure helpers here; writers (Kubernetes status subresource, in-memory for
 * directory mode) live next door. Status is written only when it changes (lastTransitionTime aside), and
 * lastTransitionTime moves only when a condition's status flips.
 */
import type { CompileIssue } from '../resources/compile-contract.js';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
  readonly lastTransitionTime: string;
}

export interface ResourceStatus {
  readonly observedGeneration?: number;
  readonly conditions: readonly Condition[];
}

export interface ConditionInput {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

export const conditionTypes = { valid: 'Valid', rulesApplied: 'RulesApplied', ready: 'Ready' } as const;

/** Kubernetes caps condition messages at 32768 bytes; keep well under. */
const maxMessage = 4_000;

export function formatIssue(issue: CompileIssue): string {
  const where = issue.file ? `${issue.file}${issue.line ? `:${issue.line}` : ''}: ` : '';
  return `${where}${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}

export function formatIssues(issues: readonly CompileIssue[]): string {
  const text = issues.map(formatIssue).join('; ');
  return text.length > maxMessage ? `${text.slice(0, maxMessage - 20)}… (${issues.length} issues)` : text;
}

export function validCondition(issues: readonly CompileIssue[], sourceProblems: readonly CompileIssue[] = []): ConditionInput {
  const errors = issues.filter((i) => i.level === 'error');
  const warnings = issues.filter((i) => i.level === 'warning');
  if (sourceProblems.length > 0) {
    return {
      type: conditionTypes.valid,
      status: errors.length ? 'False' : 'Unknown',
      reason: 'SourceUnreadable',
      message: `The file holding this resource cannot be read, so the last good version is in use: ${formatIssues(sourceProblems)}. Fix the file${errors.length ? `; the last good version also has errors: ${formatIssues(errors)}` : ''}.`,
    };
  }
  if (errors.length) {
    return { type: conditionTypes.valid, status: 'False', reason: 'InvalidSpec', message: `Fix these and re-apply: ${formatIssues(errors)}` };
  }
  return {
    type: conditionTypes.valid,
    status: 'True',
    reason: 'Valid',
    message: warnings.length ? `Valid, with warnings: ${formatIssues(warnings)}` : 'The resource is valid and its references resolve.',
  };
}

/** Ready is the conjunction of the others; its reason and message are those of the first that is not True. */
export function readyCondition(others: readonly ConditionInput[], readyMessage: string): ConditionInput {
  const blocking = others.find((c) => c.status !== 'True');
  if (!blocking) return { type: conditionTypes.ready, status: 'True', reason: 'Ready', message: readyMessage };
  return { type: conditionTypes.ready, status: blocking.status === 'Unknown' ? 'Unknown' : 'False', reason: blocking.reason, message: blocking.message };
}

export function buildStatus(
  generation: number | undefined,
  inputs: readonly ConditionInput[],
  previous: ResourceStatus | undefined,
  now: Date,
): ResourceStatus {
  const at = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const conditions = inputs.map((c): Condition => {
    const before = previous?.conditions?.find((p) => p.type === c.type);
    return {
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime: before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : at,
    };
  });
  return { ...(generation !== undefined ? { observedGeneration: generation } : {}), conditions };
}

/** Equal for writing purposes: same generation and conditions, transition times aside. */
export function sameStatus(a: Partial<ResourceStatus> | undefined, b: ResourceStatus): boolean {
  if (!a || a.observedGeneration !== b.observedGeneration) return false;
  const ac = a.conditions ?? [];
  if (ac.length !== b.conditions.length) return false;
  return b.conditions.every((c) => {
    const o = ac.find((x) => x.type === c.type);
    return o !== undefined && o.status === c.status && o.reason === c.reason && o.message === c.message && o.observedGeneration === c.observedGeneration;
  });
}

export function conditionOf(status: Partial<ResourceStatus> | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * RulesApplied for a resource that SLOs use (a template, a policy-set member): True when every SLO using it
 * has current rules, naming a few that do not otherwise. Keys are "Kind/namespace/name".
 */
export function coverageCondition(users: readonly string[], missing: readonly string[], using: string, unusedMessage: string): ConditionInput {
  const type = conditionTypes.rulesApplied;
  if (users.length === 0) return { type, status: 'True', reason: 'NotInUse', message: unusedMessage };
  if (missing.length === 0) return { type, status: 'True', reason: 'RulesApplied', message: `The rules of all ${users.length} SLOs ${using} are in place.` };
  const names = missing.slice(0, 5).map((k) => k.split('/').slice(1).join('/'));
  return {
    type,
    status: 'False',
    reason: 'SlosNotApplied',
    message: `${missing.length} of ${users.length} SLOs ${using} have no current rules (see their status): ${names.join(', ')}${missing.length > 5 ? ', …' : ''}.`,
  };
}
