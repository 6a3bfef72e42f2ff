/**
 * Validates one resource's envelope and spec against the schema (ajv) and the CEL rules (their TypeScript
 * twins), and converts it to the model. Errors are values with field paths; nothing here throws on bad input.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parseDuration } from './duration.js';
import type { Issue } from './issue.js';
import {
  API_GROUP,
  API_VERSION,
  CALISTI_GROUP,
  decimalPattern,
  kinds,
  type AlertingPolicySpec,
  type ResourceKind,
  type SliTemplateSpec,
  type SloSpec,
} from './schema.js';
import { celRules, type CelRule } from './cel-rules.js';
import { durationPattern } from './duration.js';
import { calendarNominalMs, roundSignificant, type AlertingPolicy, type SliTemplate, type Slo } from './model.js';
import type { SourcedResource } from './resource.js';

export type ValidResource =
  | { readonly kind: 'ServiceLevelIndicatorTemplate'; readonly resource: SourcedResource; readonly model: SliTemplate }
  | { readonly kind: 'ServiceLevelObjective'; readonly resource: SourcedResource; readonly model: Slo }
  | { readonly kind: 'AlertingPolicy'; readonly resource: SourcedResource; readonly model: AlertingPolicy };

export type Validation = { ok: true; value: ValidResource; issues: Issue[] } | { ok: false; issues: Issue[] };

/**
 * The longest rolling period: the rules range over the whole period, and a year is already beyond most
 * Prometheus retentions; longer ones (`300y`) overflow Prometheus's durations and fail every reload.
 */
export const MAX_ROLLING_PERIOD_MS = 365 * 86_400_000;

const acceptedApiVersions = [`${API_GROUP}/${API_VERSION}`, `${CALISTI_GROUP}/${API_VERSION}`];
const namePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

// ajv-formats is CommonJS; its default export arrives wrapped under ESM interop.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
const ajv = new Ajv({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validators = Object.fromEntries(
  Object.entries(kinds).map(([kind, info]) => [kind, ajv.compile(info.spec)]),
) as Record<ResourceKind, ValidateFunction>;

export function isResourceKind(kind: string): kind is ResourceKind {
  return Object.hasOwn(kinds, kind);
}

/** Creates issues located at a field of a resource. */
export function issueAt(resource: SourcedResource, path: readonly (string | number)[], message: string, level: Issue['level'] = 'error'): Issue {
  const origin = resource.origin;
  return {
    level,
    kind: resource.kind,
    namespace: resource.metadata.namespace,
    name: resource.metadata.name,
    path: path.join('.'),
    message,
    ...(origin ? { file: origin.file, document: origin.document, line: origin.lineOf?.(path) ?? origin.line } : {}),
  };
}

export function validateResource(resource: SourcedResource): Validation {
  const issues: Issue[] = [];
  if (!acceptedApiVersions.includes(resource.apiVersion)) {
    issues.push(issueAt(resource, ['apiVersion'], `apiVersion must be one of ${acceptedApiVersions.join(', ')}, got "${resource.apiVersion}"`));
  }
  if (!isResourceKind(resource.kind)) {
    issues.push(issueAt(resource, ['kind'], `unknown kind "${resource.kind}" (expected ${Object.keys(kinds).join(', ')})`));
    return { ok: false, issues };
  }
  if (!namePattern.test(resource.metadata.name) || resource.metadata.name.length > 253) {
    issues.push(issueAt(resource, ['metadata', 'name'], 'must be a lowercase DNS name (a-z, 0-9, "-", ".")'));
  }
  const spec = normalizeNumbers(resource.spec);
  if (spec === undefined || spec === null || typeof spec !== 'object') {
    issues.push(issueAt(resource, ['spec'], 'spec is required and must be an object'));
    return { ok: false, issues };
  }
  const validate = validators[resource.kind];
  if (!validate(spec)) issues.push(...(validate.errors ?? []).map((e) => ajvIssue(resource, e)));
  if (issues.length > 0) return { ok: false, issues };

  const kind = resource.kind;
  switch (kind) {
    case 'ServiceLevelIndicatorTemplate':
      return toTemplate(resource, spec as SliTemplateSpec);
    case 'ServiceLevelObjective':
      return toSlo(resource, spec as SloSpec);
    case 'AlertingPolicy':
      return toPolicy(resource, spec as AlertingPolicySpec);
  }
}

/** Git users write `goal: 99.9` and `threshold: 14.4`; the CRD wants strings. Accept both. */
function normalizeNumbers(spec: unknown): unknown {
  if (spec === null || typeof spec !== 'object') return spec;
  const copy = structuredClone(spec) as Record<string, Record<string, unknown> | undefined>;
  const stringify = (object: Record<string, unknown> | undefined, key: string) => {
    if (object && typeof object[key] === 'number') object[key] = String(object[key]);
  };
  stringify(copy.slo, 'goal');
  stringify(copy.burnrate, 'threshold');
  stringify(copy.burnrate, 'budgetConsumed');
  return copy;
}

function ajvIssue(resource: SourcedResource, error: ErrorObject): Issue {
  const path = ['spec', ...error.instancePath.split('/').filter(Boolean)];
  const params = error.params as Record<string, unknown>;
  let message = error.message ?? 'is invalid';
  switch (error.keyword) {
    case 'required':
      path.push(String(params.missingProperty));
      message = 'is required';
      break;
    case 'additionalProperties':
      path.push(String(params.additionalProperty));
      message = 'unknown field (check the spelling; see the resource reference in the README)';
      break;
    case 'enum':
      message = `must be one of ${(params.allowedValues as string[]).join(', ')}`;
      break;
    case 'pattern':
      if (params.pattern === durationPattern) message = 'is not a duration: use e.g. 5m, 1h30m, 6h, 30d or 720h0m0s';
      else if (params.pattern === decimalPattern) message = 'must be a decimal number such as "99.9"';
      else message = `must match ${String(params.pattern)}`;
      break;
    case 'type':
      message = `must be a ${String(params.type)}`;
      break;
  }
  return issueAt(resource, path, message);
}

function celIssues<Self>(resource: SourcedResource, rules: readonly CelRule<Self>[], self: Self, at: string[]): Issue[] {
  return rules.filter((r) => !r.check(self)).map((r) => issueAt(resource, [...at, r.field], r.cel.message));
}

function duration(resource: SourcedResource, path: string[], text: string, issues: Issue[], options: { allowZero?: boolean } = {}): number {
  const parsed = parseDuration(text, options);
  if (!parsed.ok) {
    issues.push(issueAt(resource, path, parsed.message));
    return 0;
  }
  return parsed.ms;
}

function toTemplate(resource: SourcedResource, spec: SliTemplateSpec): Validation {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  (spec.parameters ?? []).forEach((p, i) => {
    if (seen.has(p.name)) issues.push(issueAt(resource, ['spec', 'parameters', i, 'name'], `duplicate parameter "${p.name}"`));
    seen.add(p.name);
  });
  if (issues.length) return { ok: false, issues };
  const model: SliTemplate = {
    ref: { namespace: resource.metadata.namespace, name: resource.metadata.name },
    description: spec.description?.trim() ?? '',
    kind: spec.kind,
    goodEvents: spec.goodEvents,
    totalEvents: spec.totalEvents,
    parameters: (spec.parameters ?? []).map((p) => ({
      name: p.name,
      advanced: p.advanced ?? false,
      ...(p.default !== undefined ? { default: p.default } : {}),
      ...(p.description !== undefined ? { description: p.description } : {}),
    })),
  };
  return { ok: true, value: { kind: 'ServiceLevelIndicatorTemplate', resource, model }, issues };
}

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function toSlo(resource: SourcedResource, spec: SloSpec): Validation {
  const issues = celIssues(resource, celRules.sloWindow, spec.slo, ['spec', 'slo']);
  let window: Slo['window'] | undefined;
  if (spec.slo.rolling) {
    const ms = duration(resource, ['spec', 'slo', 'rolling', 'length'], spec.slo.rolling.length, issues);
    if (ms > 0 && ms < 3_600_000) issues.push(issueAt(resource, ['spec', 'slo', 'rolling', 'length'], 'a rolling period must be at least 1h'));
    if (ms > MAX_ROLLING_PERIOD_MS) issues.push(issueAt(resource, ['spec', 'slo', 'rolling', 'length'], 'a rolling period must be at most 365d (1y)'));
    if (ms % 3_600_000 !== 0 && ms > 0) {
      issues.push(issueAt(resource, ['spec', 'slo', 'rolling', 'length'], 'a rolling period must be a whole number of hours (e.g. 30d, 28d, 720h)'));
    }
    window = { type: 'rolling', ms };
  } else if (spec.slo.calendar) {
    const timeZone = spec.slo.calendar.timeZone ?? 'UTC';
    if (!validTimeZone(timeZone)) {
      issues.push(issueAt(resource, ['spec', 'slo', 'calendar', 'timeZone'], `unknown time zone "${timeZone}" (use an IANA name such as Europe/Berlin)`));
    }
    window = { type: 'calendar', length: spec.slo.calendar.length, timeZone, ms: calendarNominalMs[spec.slo.calendar.length] };
  }
  if (issues.length || !window) return { ok: false, issues };
  const objective = roundSignificant(Number(spec.slo.goal) / 100);
  const model: Slo = {
    ref: { namespace: resource.metadata.namespace, name: resource.metadata.name },
    ...(resource.metadata.uid ? { uid: resource.metadata.uid } : {}),
    description: spec.description?.trim() ?? '',
    service: spec.selector,
    templateRef: { name: spec.sli.templateRef.name, namespace: spec.sli.templateRef.namespace ?? resource.metadata.namespace },
    parameters: spec.sli.parameters ?? {},
    goal: spec.slo.goal,
    objective,
    errorBudget: roundSignificant(1 - objective),
    window,
    ...(spec.alertingPolicySet ? { policySet: spec.alertingPolicySet } : {}),
    links: spec.links ?? {},
  };
  return { ok: true, value: { kind: 'ServiceLevelObjective', resource, model }, issues };
}

function toPolicy(resource: SourcedResource, spec: AlertingPolicySpec): Validation {
  const issues = [
    ...celIssues(resource, celRules.policyTarget, spec, ['spec']),
    ...celIssues(resource, celRules.burnrate, spec.burnrate, ['spec', 'burnrate']),
  ];
  const at = (field: string) => ['spec', 'burnrate', field];
  const longWindowMs = duration(resource, at('lookBackWindow'), spec.burnrate.lookBackWindow, issues);
  const shortWindowMs = duration(resource, at('secondaryWindow'), spec.burnrate.secondaryWindow, issues);
  // A zero `for` (`0s`) is common in Prometheus and Calisti policies: it means fire at once, so no `for`.
  const forMs = spec.burnrate.conditionMetDuration
    ? duration(resource, at('conditionMetDuration'), spec.burnrate.conditionMetDuration, issues, { allowZero: true })
    : 0;
  for (const [field, ms] of [['lookBackWindow', longWindowMs], ['secondaryWindow', shortWindowMs]] as const) {
    if (ms > 0 && ms % 60_000 !== 0) issues.push(issueAt(resource, at(field), 'must be a whole number of minutes'));
  }
  issues.push(...alertExtraIssues(resource, spec.alert));
  if (issues.length) return { ok: false, issues };
  const model: AlertingPolicy = {
    ref: { namespace: resource.metadata.namespace, name: resource.metadata.name },
    target: spec.sloRef
      ? { slo: { name: spec.sloRef.name, namespace: spec.sloRef.namespace ?? resource.metadata.namespace } }
      : { set: spec.policySet! },
    ...(spec.burnrate.threshold !== undefined ? { threshold: Number(spec.burnrate.threshold) } : {}),
    ...(spec.burnrate.budgetConsumed !== undefined ? { budgetConsumed: Number(spec.burnrate.budgetConsumed) } : {}),
    longWindowMs,
    shortWindowMs,
    forMs,
    severity: spec.burnrate.severity,
    links: spec.links ?? {},
    ...(spec.alert ? { alert: { labels: spec.alert.labels ?? {}, annotations: spec.alert.annotations ?? {} } } : {}),
  };
  return { ok: true, value: { kind: 'AlertingPolicy', resource, model }, issues };
}

/**
 * Labels that tell one policy's alert apart from another's (and that the worker and dashboards join on) stay
 * Vigil's; `severity` may be replaced, so teams keep the routing values their Alertmanager already uses.
 */
export const reservedAlertLabels = ['slo', 'namespace', 'service', 'policy', 'long_window', 'short_window', 'burn_rate', 'alertname'] as const;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function alertExtraIssues(resource: SourcedResource, alert: AlertingPolicySpec['alert']): Issue[] {
  const issues: Issue[] = [];
  for (const [field, map] of [['labels', alert?.labels], ['annotations', alert?.annotations]] as const) {
    for (const name of Object.keys(map ?? {})) {
      const at = ['spec', 'alert', field, name];
      if (!labelNamePattern.test(name) || name.startsWith('__')) issues.push(issueAt(resource, at, `"${name}" is not a Prometheus label name (letters, digits, _; not starting with __ or a digit)`));
      else if (field === 'labels' && (reservedAlertLabels as readonly string[]).includes(name)) {
        issues.push(issueAt(resource, at, `label "${name}" is set by Vigil itself (reserved: ${reservedAlertLabels.join(', ')})`));
      }
    }
  }
  return issues;
}
