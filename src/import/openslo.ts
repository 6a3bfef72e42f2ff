/**
 * OpenSLO → Vigil: `openslo/v1` and the `openslo/v1alpha` form Sloth reads. Each SLO objective becomes a
 * Vigil SLO with an SLI template (an `SLI` object becomes a template of its own that SLOs refer to), each
 * `burnrate` AlertCondition of its AlertPolicies an AlertingPolicy. `Service`, `DataSource` and
 * `AlertNotificationTarget` objects have no Vigil counterpart: an SLO names its service in its selector and
 * Alertmanager routes notifications (a policy's targets are carried as the `notification_target` label).
 *
 * Refused per SLO, with the reason: Timeslices/RatioTimeslices budgeting, thresholdMetric SLIs, sources other
 * than Prometheus, composite SLOs, calendar windows other than a day, week or month, burn-rate conditions
 * with `lt`/`lte`.
 */
import { formatDuration, parseDuration } from '../model/duration.js';
import type { Issue } from '../model/issue.js';
import {
  dnsName,
  foreignIssue,
  goalText,
  imported,
  isRecord,
  text,
  type ForeignDocument,
  type ImportedResource,
  type TranslateOptions,
  type Translation,
} from './imported.js';
import { periodQuery } from './sloth.js';
import { rawRatioQueries } from './raw-ratio.js';

const supportedVersions = ['openslo/v1', 'openslo/v1alpha'];
const record = (value: unknown): Record<string, unknown> | undefined => (isRecord(value) ? value : undefined);
const nameOf = (value: unknown): string => text(record(record(value)?.metadata)?.name) ?? '';

type Path = (string | number)[];
type Result<T> = { ok: true; value: T } | { ok: false; path: Path; message: string };
const fail = <T>(path: Path, message: string): Result<T> => ({ ok: false, path, message });

interface Sli {
  readonly good: string;
  readonly total: string;
  readonly how: string;
}

export function translateOpenSlo(docs: readonly ForeignDocument[], options: TranslateOptions): Translation {
  const resources: ImportedResource[] = [];
  const issues: Issue[] = [];
  const byKind = new Map<string, Map<string, ForeignDocument>>();
  const valid: ForeignDocument[] = [];
  for (const doc of docs) {
    const apiVersion = text(doc.value.apiVersion) ?? '';
    if (!supportedVersions.includes(apiVersion)) {
      issues.push(foreignIssue(doc, { kind: `OpenSLO ${String(doc.value.kind)}`, namespace: options.namespace, name: nameOf(doc.value) }, ['apiVersion'], `unknown OpenSLO apiVersion "${apiVersion}" (supported: ${supportedVersions.join(', ')})`));
      continue;
    }
    const kind = text(doc.value.kind) ?? '';
    if (!byKind.has(kind)) byKind.set(kind, new Map());
    byKind.get(kind)!.set(nameOf(doc.value), doc);
    valid.push(doc);
  }
  const find = (kind: string, name: string) => byKind.get(kind)?.get(name);

  for (const doc of valid) {
    const kind = text(doc.value.kind) ?? '';
    const name = nameOf(doc.value);
    const what = { kind: `OpenSLO ${kind}`, namespace: options.namespace, name };
    if (kind === 'SLI') {
      const sli = ratioSli(record(doc.value.spec), ['spec'], doc.value.apiVersion === 'openslo/v1alpha');
      if (!sli.ok) issues.push(foreignIssue(doc, what, sli.path, sli.message));
      else resources.push(template(doc, [], dnsName(name), sli.value, `OpenSLO SLI ${name}`, options));
    } else if (kind === 'SLO') {
      translateSlo(doc, options, find, resources, issues);
    } else if (!['Service', 'DataSource', 'AlertPolicy', 'AlertCondition', 'AlertNotificationTarget'].includes(kind)) {
      issues.push(foreignIssue(doc, what, ['kind'], `unknown OpenSLO kind "${kind}"`));
    }
    // Service, DataSource, AlertNotificationTarget: nothing to write. AlertPolicy/AlertCondition: used by the SLOs that name them.
  }
  return { resources, issues };
}

function template(doc: ForeignDocument, path: Path, name: string, sli: Sli, source: string, options: TranslateOptions): ImportedResource {
  return imported(doc, path, 'ServiceLevelIndicatorTemplate', { name, namespace: options.namespace }, {
    kind: /latency|duration|slow/i.test(name) ? 'latency' : 'availability',
    goodEvents: sli.good,
    totalEvents: sli.total,
  }, `${source} (${sli.how})`);
}

function translateSlo(
  doc: ForeignDocument,
  options: TranslateOptions,
  find: (kind: string, name: string) => ForeignDocument | undefined,
  resources: ImportedResource[],
  issues: Issue[],
): void {
  const alpha = doc.value.apiVersion === 'openslo/v1alpha';
  const sloName = nameOf(doc.value);
  const spec = record(doc.value.spec);
  const base = dnsName(sloName);
  const what = { kind: 'OpenSLO SLO', namespace: options.namespace, name: base || sloName };
  const refuse = (path: Path, message: string): void => void issues.push(foreignIssue(doc, what, path, message));
  if (!spec || !base) return refuse(['metadata', 'name'], 'metadata.name and spec are required');

  const method = text(spec.budgetingMethod) ?? 'Occurrences';
  if (method !== 'Occurrences') {
    return refuse(['spec', 'budgetingMethod'], `budgetingMethod ${method} counts good time slices; Vigil budgets count events (Occurrences) only`);
  }
  const period = sloPeriod(spec, alpha);
  if (!period.ok) return refuse(period.path, period.message);
  const objectives = Array.isArray(spec.objectives) ? spec.objectives : [];
  if (objectives.length === 0) return refuse(['spec', 'objectives'], 'objectives must be a non-empty list');

  // The SLO-level indicator (v1: indicator or indicatorRef); v1alpha puts the queries in each objective.
  let shared: { templateName: string; sli?: Sli } | undefined;
  if (!alpha) {
    const ref = text(spec.indicatorRef);
    if (ref) {
      const sliDoc = find('SLI', ref);
      if (!sliDoc) return refuse(['spec', 'indicatorRef'], `SLI "${ref}" not found among the inputs`);
      const sli = ratioSli(record(sliDoc.value.spec), ['spec'], false);
      if (!sli.ok) return refuse(['spec', 'indicatorRef'], `SLI ${ref}: ${sli.path.join('.')}: ${sli.message}`);
      shared = { templateName: dnsName(ref) };
    } else if (record(spec.indicator)) {
      const sli = ratioSli(record(record(spec.indicator)?.spec), ['spec', 'indicator', 'spec'], false);
      if (!sli.ok) return refuse(sli.path, sli.message);
      shared = { templateName: base, sli: sli.value };
    } else {
      return refuse(['spec'], 'indicator or indicatorRef is required');
    }
  }

  const policies = alertPolicies(doc, spec, find);
  if (!policies.ok) return refuse(policies.path, policies.message);

  const made: ImportedResource[] = [];
  for (const [index, objective] of objectives.entries()) {
    const at: Path = ['spec', 'objectives', index];
    const o = record(objective) ?? {};
    const name = objectives.length > 1 ? `${base}-${index}` : base;
    const goal = o.targetPercent !== undefined ? Number(o.targetPercent) : Number(o.target) * 100;
    if (!Number.isFinite(goal) || goal <= 0 || goal >= 100) return refuse([...at, 'target'], `target must be in (0, 1) (or targetPercent in (0, 100)), got ${String(o.target ?? o.targetPercent)}`);
    if (o.indicator !== undefined || o.indicatorRef !== undefined) return refuse(at, 'composite SLOs (an indicator per objective) are not supported: write one SLO per indicator');
    let templateName = shared?.templateName ?? name;
    if (alpha) {
      const sli = ratioSli(o, at, true);
      if (!sli.ok) return refuse(sli.path, sli.message);
      made.push(template(doc, at, name, sli.value, `OpenSLO SLO ${sloName}, objective ${index}`, options));
      templateName = name;
    } else if (shared?.sli && index === 0) {
      made.push(template(doc, ['spec', 'indicator'], shared.templateName, shared.sli, `OpenSLO SLO ${sloName}, inline indicator`, options));
    }
    const description = text(spec.description) ?? '';
    made.push(
      imported(doc, at, 'ServiceLevelObjective', { name, namespace: options.namespace }, {
        ...(description ? { description } : {}),
        selector: { name: dnsName(text(spec.service) ?? '') || base, namespace: options.namespace },
        sli: { templateRef: { name: templateName } },
        slo: { goal: goalText(goal), ...period.value },
      }, `OpenSLO SLO ${sloName}${objectives.length > 1 ? `, objective ${index}${text(o.displayName) ? ` (${text(o.displayName)})` : ''}` : ''}`),
    );
    for (const p of policies.value) {
      made.push(
        imported(doc, ['spec', 'alertPolicies'], 'AlertingPolicy', { name: `${name}-${p.name}`, namespace: options.namespace }, {
          sloRef: { name },
          burnrate: p.burnrate,
          ...(Object.keys(p.labels).length ? { alert: { labels: p.labels } } : {}),
        }, `OpenSLO AlertPolicy ${p.source} of SLO ${sloName}`),
      );
    }
  }
  resources.push(...made);
}

function sloPeriod(spec: Record<string, unknown>, alpha: boolean): Result<Record<string, unknown>> {
  const key = alpha ? 'timeWindows' : 'timeWindow';
  const list = spec[key] ?? spec.timeWindow ?? spec.timeWindows;
  const at: Path = ['spec', key, 0];
  const window = Array.isArray(list) ? record(list[0]) : undefined;
  if (!window) return fail(['spec', key], `${key} needs one window`);
  let duration: string | undefined;
  if (alpha && window.count !== undefined) {
    const units: Record<string, string> = { Second: 's', Minute: 'm', Hour: 'h', Day: 'd', Week: 'w', Month: 'M', Quarter: 'Q', Year: 'Y' };
    const unit = units[text(window.unit) ?? ''];
    if (!unit) return fail([...at, 'unit'], `unit "${String(window.unit)}" is not one of ${Object.keys(units).join(', ')}`);
    duration = `${String(window.count)}${unit}`;
  } else {
    duration = text(window.duration);
  }
  if (!duration) return fail(at, 'the window needs a duration');
  const calendar = record(window.calendar);
  const rolling = window.isRolling === true || (window.isRolling === undefined && !calendar);
  if (rolling) {
    if (/[MQY]$/.test(duration)) return fail(at, `a rolling window of ${duration} has no fixed length; use days or weeks`);
    const parsed = parseDuration(duration);
    if (!parsed.ok) return fail(at, parsed.message);
    return { ok: true, value: { rolling: { length: formatDuration(parsed.ms) } } };
  }
  const lengths: Record<string, 'day' | 'week' | 'month'> = { '1d': 'day', '1w': 'week', '7d': 'week', '1M': 'month' };
  const length = lengths[duration];
  if (!length) return fail(at, `calendar window ${duration}: Vigil's calendar periods are a day, a week or a month`);
  const timeZone = text(calendar?.timeZone) ?? 'UTC';
  const start = text(calendar?.startTime);
  if (start && !alignedStart(start, length)) {
    return fail([...at, 'calendar', 'startTime'], `calendar startTime ${start} is not the start of a ${length} (Vigil's ${length}s start at midnight${length === 'week' ? ' on Monday' : length === 'month' ? ' on the 1st' : ''})`);
  }
  return { ok: true, value: { calendar: { length, timeZone } } };
}

function alignedStart(start: string, length: 'day' | 'week' | 'month'): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(start.trim());
  if (!match) return false;
  const [, y, mo, d, h = '00', mi = '00', s = '00'] = match;
  if (h !== '00' || mi !== '00' || s !== '00') return false;
  if (length === 'month') return d === '01';
  if (length === 'week') return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d))).getUTCDay() === 1;
  return true;
}

/** A ratio SLI (v1 `ratioMetric`, v1alpha `ratioMetrics`) as good and total rate queries over {{SLO.Period}}. */
function ratioSli(spec: Record<string, unknown> | undefined, at: Path, alpha: boolean): Result<Sli> {
  if (!spec) return fail(at, 'the indicator spec is missing');
  if (spec.thresholdMetric !== undefined) {
    return fail([...at, 'thresholdMetric'], 'thresholdMetric (a metric compared with a value) is not a ratio of events; Vigil SLIs count good and total events (use ratioMetric)');
  }
  const key = alpha ? 'ratioMetrics' : 'ratioMetric';
  const ratio = record(spec[key]);
  if (!ratio) return fail(at, `${key} is required`);
  const counter = ratio.counter !== false;
  const query = (part: string): Result<string> => {
    const source = record(ratio[part]);
    const path = [...at, key, part];
    if (!source) return fail(path, `${part} is missing`);
    let type: string | undefined;
    let q: unknown;
    if (alpha) {
      type = text(source.source);
      q = source.query;
    } else {
      const metricSource = record(source.metricSource);
      type = text(metricSource?.type);
      q = record(metricSource?.spec)?.query ?? record(metricSource?.spec)?.promql;
    }
    if (!type || type.toLowerCase() !== 'prometheus') return fail(path, `metric source type "${type ?? ''}" is not Prometheus; Vigil reads Prometheus only`);
    return promqlRate(q, counter, path);
  };
  if (ratio.raw !== undefined) {
    const raw = query('raw');
    if (!raw.ok) return raw;
    const queries = rawRatioQueries(raw.value, text(ratio.rawType) === 'success' ? 'success' : 'error');
    return { ok: true, value: { good: queries.good, total: queries.total, how: queries.kind } };
  }
  const total = query('total');
  if (!total.ok) return total;
  if (ratio.good !== undefined) {
    const good = query('good');
    if (!good.ok) return good;
    return { ok: true, value: { good: good.value, total: total.value, how: 'good/total' } };
  }
  const bad = query('bad');
  if (!bad.ok) return bad;
  return { ok: true, value: { good: `(${total.value}) - ((${bad.value}) or (${total.value}) * 0)`, total: total.value, how: 'bad/total: good = total - bad' } };
}

const counterSelector = /^\s*(?:(sum(?:\s+(?:by|without)\s*\([\w\s,]*\))?)\s*\(\s*)?([a-zA-Z_:][a-zA-Z0-9_:]*\s*(?:\{[^{}]*\})?)\s*\)?\s*$/;

/** `{{.window}}` queries as Sloth writes them, or a counter selector (optionally summed) → its rate. */
function promqlRate(value: unknown, counter: boolean, path: Path): Result<string> {
  const q = typeof value === 'string' ? value.trim() : '';
  if (!q) return fail(path, 'query is required');
  if (q.includes('{{')) {
    const windowed = periodQuery(q, 'query', path);
    return windowed.ok ? { ok: true, value: windowed.query } : fail(path, windowed.message);
  }
  const match = counterSelector.exec(q);
  if (counter && match && (match[1] !== undefined) === q.trimEnd().endsWith(')')) {
    const [, aggregation = 'sum', selector] = match;
    return { ok: true, value: `${aggregation} (rate(${selector!.trim()}[{{SLO.Period}}]))` };
  }
  return fail(path, counter
    ? 'query must be a counter selector (optionally in sum(...)) or use {{.window}} for the range'
    : 'counter: false (a gauge of events) is not supported; give counters or queries with {{.window}}');
}

interface PolicyOut {
  readonly name: string;
  readonly source: string;
  readonly burnrate: Record<string, unknown>;
  readonly labels: Record<string, string>;
}

function alertPolicies(doc: ForeignDocument, spec: Record<string, unknown>, find: (kind: string, name: string) => ForeignDocument | undefined): Result<PolicyOut[]> {
  const list = Array.isArray(spec.alertPolicies) ? spec.alertPolicies : [];
  const out: PolicyOut[] = [];
  for (const [i, entry] of list.entries()) {
    const at: Path = ['spec', 'alertPolicies', i];
    const ref = typeof entry === 'string' ? entry : text(record(entry)?.alertPolicyRef);
    const policy = ref ? find('AlertPolicy', ref)?.value : record(entry);
    if (!policy) return fail(at, `AlertPolicy "${ref ?? ''}" not found among the inputs`);
    const policyName = ref ?? nameOf(policy);
    const pspec = record(policy.spec) ?? {};
    const targets = (Array.isArray(pspec.notificationTargets) ? pspec.notificationTargets : [])
      .map((t) => text(record(t)?.targetRef) ?? nameOf(t))
      .filter(Boolean);
    const conditions = Array.isArray(pspec.conditions) ? pspec.conditions : [];
    if (conditions.length !== 1) return fail(at, `AlertPolicy ${policyName}: exactly one condition is required`);
    const c = record(conditions[0]);
    const conditionRef = text(c?.conditionRef);
    const condition = conditionRef ? find('AlertCondition', conditionRef)?.value : c;
    if (!condition) return fail(at, `AlertCondition "${conditionRef ?? ''}" not found among the inputs`);
    const cspec = record(condition.spec) ?? {};
    const rule = record(cspec.condition) ?? {};
    const where = `AlertPolicy ${policyName}, condition ${conditionRef ?? nameOf(condition)}`;
    if ((text(rule.kind) ?? 'burnrate') !== 'burnrate') return fail(at, `${where}: condition kind "${String(rule.kind)}" is not burnrate`);
    const op = text(rule.op) ?? '';
    if (op !== 'gt' && op !== 'gte') return fail(at, `${where}: op "${op}" alerts on a burn rate below the threshold; only gt and gte are supported`);
    const threshold = Number(rule.threshold);
    if (!Number.isFinite(threshold) || threshold <= 0) return fail(at, `${where}: threshold must be a positive number`);
    const lookback = parseDuration(text(rule.lookbackWindow) ?? '');
    if (!lookback.ok || lookback.ms < 2 * 60_000) return fail(at, `${where}: lookbackWindow must be a duration of at least 2m`);
    const alertAfter = text(rule.alertAfter);
    const severityText = text(cspec.severity) ?? '';
    const severity = /page|crit|high|urgent|emerg|sev-?[01]\b|p[01]\b/i.test(severityText) ? 'page' : 'ticket';
    const labels: Record<string, string> = {};
    if (severityText && severityText !== severity) labels.severity = severityText;
    if (targets.length) labels.notification_target = targets.join(',');
    out.push({
      name: dnsName(policyName) || `policy-${i}`,
      source: policyName,
      burnrate: {
        threshold: goalText(threshold),
        lookBackWindow: formatDuration(lookback.ms),
        secondaryWindow: formatDuration(controlWindow(lookback.ms)),
        ...(alertAfter && alertAfter !== '0m' && alertAfter !== '0s' ? { conditionMetDuration: alertAfter } : {}),
        severity,
      },
      labels,
    });
  }
  void doc;
  return { ok: true, value: out };
}

/**
 * OpenSLO's burn-rate condition has one window; Vigil's policies add a short control window so an alert
 * stops soon after the burning does. The workbook's ratio is 1/12 (5m for 1h), on Vigil's window grid.
 */
function controlWindow(longMs: number): number {
  const twelfth = longMs / 12;
  if (twelfth >= 5 * 60_000) return Math.floor(twelfth / 300_000) * 300_000;
  return Math.max(60_000, Math.floor(twelfth / 60_000) * 60_000);
}
