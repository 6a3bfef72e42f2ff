/**
 * The compile pipeline, shared by `vigil generate`/`validate` and the controller: every known resource in,
 * valid SLOs with their rule groups and every issue out. Pure and deterministic; one bad resource never
 * stops the others.
 */
import { formatDuration } from '../model/duration.js';
import type { Issue } from '../model/issue.js';
import { roundSignificant, type AlertingPolicy, type SliTemplate, type Slo, type SloPolicy } from '../model/model.js';
import { refKey, type ObjectRef, type SourcedResource } from '../model/resource.js';
import { issueAt, validateResource, type ValidResource } from '../model/validate.js';
import { buildRuleGroups } from './build-rules.js';
import { renderSliQuery, resolveParameters } from './render-template.js';
import type { RuleGroup } from './rule-group.js';
import { planPeriod, planWindow, RAW_WINDOWS_MS, STANDARD_WINDOWS_MS, type WindowSource } from './windows.js';

export interface CompiledSlo {
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
  readonly slo: Slo;
  readonly template: SliTemplate;
  readonly policies: readonly SloPolicy[];
  readonly groups: readonly RuleGroup[];
  readonly resource: SourcedResource;
}

export interface CompileResult {
  readonly slos: CompiledSlo[];
  readonly templates: SliTemplate[];
  readonly policies: AlertingPolicy[];
  readonly issues: Issue[];
}

/** The namespace searched for a policy set after the SLO's own (the built-in sets live there). */
export const SYSTEM_NAMESPACE = 'vigil-system';

export function compile(resources: readonly SourcedResource[]): CompileResult {
  const issues: Issue[] = [];
  const byKind = { ServiceLevelIndicatorTemplate: new Map<string, ValidResource>(), ServiceLevelObjective: new Map<string, ValidResource>(), AlertingPolicy: new Map<string, ValidResource>() };
  const firstSeen = new Map<string, SourcedResource>();

  for (const resource of resources) {
    const key = `${resource.kind}/${refKey(resource.metadata)}`;
    const earlier = firstSeen.get(key);
    if (earlier) {
      const where = earlier.origin ? ` (first defined at ${earlier.origin.file}:${earlier.origin.line})` : '';
      issues.push(issueAt(resource, ['metadata', 'name'], `duplicate ${resource.kind} ${refKey(resource.metadata)}${where}`));
      continue;
    }
    firstSeen.set(key, resource);
    const validation = validateResource(resource);
    issues.push(...validation.issues);
    if (validation.ok) byKind[validation.value.kind].set(refKey(resource.metadata), validation.value);
  }

  const templates = new Map([...byKind.ServiceLevelIndicatorTemplate].map(([k, v]) => [k, v.model as SliTemplate]));
  const policies = [...byKind.AlertingPolicy.values()];
  const slos: CompiledSlo[] = [];

  for (const valid of byKind.ServiceLevelObjective.values()) {
    const slo = valid.model as Slo;
    const result = compileSlo(valid.resource, slo, templates, policies, issues);
    if (result) slos.push(result);
  }

  // A policy aimed at an SLO that does not exist is kept (the SLO may come later) but reported.
  for (const valid of policies) {
    const policy = valid.model as AlertingPolicy;
    if ('slo' in policy.target && !byKind.ServiceLevelObjective.has(refKey(policy.target.slo))) {
      issues.push(issueAt(valid.resource, ['spec', 'sloRef'], `SLO ${refKey(policy.target.slo)} not found; the policy has no effect until it exists`, 'warning'));
    }
  }

  return {
    slos: slos.sort((a, b) => refKey(a).localeCompare(refKey(b))),
    templates: [...templates.values()],
    policies: policies.map((p) => p.model as AlertingPolicy),
    issues,
  };
}

function compileSlo(
  resource: SourcedResource,
  slo: Slo,
  templates: ReadonlyMap<string, SliTemplate>,
  policies: readonly ValidResource[],
  issues: Issue[],
): CompiledSlo | undefined {
  const errorsBefore = issues.length;
  const template = templates.get(refKey(slo.templateRef));
  if (!template) {
    issues.push(issueAt(resource, ['spec', 'sli', 'templateRef'], `ServiceLevelIndicatorTemplate ${refKey(slo.templateRef)} not found (or invalid: see its own errors)`));
    return undefined;
  }
  const params = resolveParameters(template, slo);
  if (!params.ok) {
    issues.push(issueAt(resource, ['spec', 'sli', 'parameters'], params.message));
    return undefined;
  }

  const sloPolicies = resolvePolicies(resource, slo, policies, issues);
  const windowSet = new Set<number>([...STANDARD_WINDOWS_MS, ...sloPolicies.flatMap((p) => [p.longWindowMs, p.shortWindowMs])]);
  const windows: WindowSource[] = [];
  for (const windowMs of windowSet) {
    const plan = planWindow(windowMs);
    if (plan.ok) windows.push(plan.source);
    else issues.push(issueAt(resource, ['spec'], `window ${formatDuration(windowMs)}: ${plan.message}`));
  }
  const period = planPeriod(slo.window.ms);
  if (!period.ok) issues.push(issueAt(resource, ['spec', 'slo'], `period ${formatDuration(slo.window.ms)}: ${period.message}`));

  const rawWindows = new Set<number>([...RAW_WINDOWS_MS, ...windows.filter((w) => w.kind === 'raw').map((w) => w.windowMs)]);
  const rawQueries = new Map<number, { good: string; total: string }>();
  for (const windowMs of [...rawWindows].sort((a, b) => a - b)) {
    const good = renderSliQuery(template, 'goodEvents', slo, params.values, windowMs);
    const total = renderSliQuery(template, 'totalEvents', slo, params.values, windowMs);
    const failed = [good, total].find((r) => !r.ok);
    if (failed && !failed.ok) {
      const path = failed.field === 'parameters' ? ['spec', 'sli', 'parameters'] : ['spec', 'sli', 'templateRef'];
      issues.push(issueAt(resource, path, `template ${refKey(template.ref)}: ${failed.message}`));
      return undefined;
    }
    if (good.ok && total.ok) rawQueries.set(windowMs, { good: good.query, total: total.query });
  }
  if (issues.slice(errorsBefore).some((i) => i.level === 'error') || !period.ok) return undefined;

  const groups = buildRuleGroups({ slo, rawQueries, windows, period: period.source, policies: sloPolicies });
  return { namespace: slo.ref.namespace, name: slo.ref.name, ...(slo.uid ? { uid: slo.uid } : {}), slo, template, policies: sloPolicies, groups, resource };
}

/** The policies that apply to an SLO: those aimed at it by sloRef, and the members of its policy set. */
function resolvePolicies(resource: SourcedResource, slo: Slo, policies: readonly ValidResource[], issues: Issue[]): SloPolicy[] {
  const models = policies.map((p) => p.model as AlertingPolicy);
  const direct = models.filter((p) => 'slo' in p.target && refKey(p.target.slo) === refKey(slo.ref));
  let members: AlertingPolicy[] = [];
  if (slo.policySet) {
    const inSet = (namespace: string) => models.filter((p) => 'set' in p.target && p.target.set === slo.policySet && p.ref.namespace === namespace);
    members = inSet(slo.ref.namespace);
    if (members.length === 0) members = inSet(SYSTEM_NAMESPACE);
    if (members.length === 0) {
      issues.push(issueAt(resource, ['spec', 'alertingPolicySet'], `no AlertingPolicy with policySet "${slo.policySet}" in ${slo.ref.namespace} or ${SYSTEM_NAMESPACE} (install alert-rules/workbook-policies.yaml for "workbook")`));
    }
  }
  const resolved: SloPolicy[] = [];
  for (const policy of [...direct, ...members]) {
    const threshold = policy.threshold ?? (((policy.budgetConsumed ?? 0) / 100) * slo.window.ms) / policy.longWindowMs;
    if (policy.longWindowMs > slo.window.ms) {
      issues.push(issueAt(resource, ['spec'], `policy ${refKey(policy.ref)} skipped: its ${formatDuration(policy.longWindowMs)} window is longer than the ${formatDuration(slo.window.ms)} period`, 'warning'));
      continue;
    }
    if (threshold * slo.errorBudget >= 1) {
      issues.push(issueAt(resource, ['spec'], `policy ${refKey(policy.ref)} can never fire: burn rate ${roundSignificant(threshold)}× needs an error ratio above 100% at goal ${slo.goal}%`, 'warning'));
    }
    resolved.push({
      name: policy.ref.name,
      namespace: policy.ref.namespace,
      threshold: roundSignificant(threshold),
      longWindowMs: policy.longWindowMs,
      shortWindowMs: policy.shortWindowMs,
      forMs: policy.forMs,
      severity: policy.severity,
      links: policy.links,
      ...(policy.alert ? { alert: policy.alert } : {}),
    });
  }
  return resolved.sort((a, b) => a.name.localeCompare(b.name) || a.namespace.localeCompare(b.namespace));
}

export type { ObjectRef };
