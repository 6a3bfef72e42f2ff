/**
 * Sloth → Vigil. Reads Sloth's `prometheus/v1` specs, its `PrometheusServiceLevel` CRs (`sloth.slok.dev/v1`)
 * and its `AlertWindows` period catalogs, and writes per SLO: one SLI template (Sloth's queries with
 * `{{.window}}` → `{{SLO.Period}}`), one SLO, and one AlertingPolicy per alert window pair Sloth would alert
 * on (page quick/slow, ticket quick/slow), carrying Sloth's alert name, labels and annotations.
 *
 * Sloth's queries count *errors*; Vigil's templates count good events: good = total − errors, written as
 * `(TOTAL) - ((ERRORS) or (TOTAL) * 0)` so that a service without a single error series (the error query
 * returns nothing) has zero errors instead of no data. A `raw` error-ratio SLI becomes good = (1 − ratio) ×
 * samples over a total of samples, so composed windows average every sample (raw-ratio.ts).
 *
 * What Sloth can do and Vigil cannot (SLI plugins, SLO plugins other than the no-op debug logger, MetricsQL)
 * is refused per SLO with the reason; nothing is dropped silently.
 */
import { formatDuration, parseDuration } from '../model/duration.js';
import type { Issue } from '../model/issue.js';
import { reservedAlertLabels } from '../model/validate.js';
import {
  dnsName,
  foreignIssue,
  goalText,
  imported,
  isRecord,
  stringRecord,
  text,
  type ForeignDocument,
  type ImportedResource,
  type TranslateOptions,
  type Translation,
} from './imported.js';
import { rawRatioQueries } from './raw-ratio.js';

/** One severity's pair of alert windows: budget share consumed, long and short window. */
export interface SlothWindow {
  readonly budgetPercent: number;
  readonly longWindow: string;
  readonly shortWindow: string;
}
export interface SlothAlertWindows {
  readonly page: { readonly quick: SlothWindow; readonly slow: SlothWindow };
  readonly ticket: { readonly quick: SlothWindow; readonly slow: SlothWindow };
}

/** Sloth's built-in windows (the SRE workbook's table, for its 30d and 28d periods). */
export const slothDefaultWindows: SlothAlertWindows = {
  page: { quick: { budgetPercent: 2, longWindow: '1h', shortWindow: '5m' }, slow: { budgetPercent: 5, longWindow: '6h', shortWindow: '30m' } },
  ticket: { quick: { budgetPercent: 10, longWindow: '1d', shortWindow: '2h' }, slow: { budgetPercent: 10, longWindow: '3d', shortWindow: '6h' } },
};

/** SLO plugins that change nothing in the rules Sloth writes (Vigil does these jobs itself). */
const harmlessSloPlugins = new Set([
  'sloth.dev/core/debug/v1',
  'sloth.dev/core/validate/v1',
  'sloth.dev/core/sli_rules/v1',
  'sloth.dev/core/metadata_rules/v1',
  'sloth.dev/core/alert_rules/v1',
]);

const WINDOW = /\{\{\s*\.window\s*\}\}/g;

/** Reads `a_b` or `aB` (Sloth's spec uses snake_case, its CRD camelCase). */
function field(object: Record<string, unknown> | undefined, snake: string): unknown {
  if (!object) return undefined;
  if (object[snake] !== undefined) return object[snake];
  return object[snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())];
}
const record = (value: unknown): Record<string, unknown> | undefined => (isRecord(value) ? value : undefined);

export function slothKind(doc: ForeignDocument): 'spec' | 'crd' | 'windows' | { error: string } {
  const v = doc.value;
  if (typeof v.apiVersion === 'string') {
    if (v.apiVersion !== 'sloth.slok.dev/v1') return { error: `unknown Sloth apiVersion "${v.apiVersion}" (supported: sloth.slok.dev/v1)` };
    if (v.kind === 'PrometheusServiceLevel') return 'crd';
    if (v.kind === 'AlertWindows') return 'windows';
    return { error: `unknown Sloth kind "${String(v.kind)}" (supported: PrometheusServiceLevel, AlertWindows)` };
  }
  if (v.version !== 'prometheus/v1') return { error: `unknown Sloth spec version "${String(v.version)}" (supported: prometheus/v1)` };
  return 'spec';
}

/** An AlertWindows document → its period and windows, or the reason it cannot be read. */
export function readAlertWindows(doc: ForeignDocument): { ok: true; periodMs: number; period: string; windows: SlothAlertWindows } | { ok: false; path: string[]; message: string } {
  const spec = record(doc.value.spec);
  const period = text(spec?.sloPeriod);
  const parsed = period ? parseDuration(period) : undefined;
  if (!period || !parsed?.ok) return { ok: false, path: ['spec', 'sloPeriod'], message: `sloPeriod must be a duration such as 30d, got "${period ?? ''}"` };
  const one = (severity: 'page' | 'ticket', speed: 'quick' | 'slow'): SlothWindow | string => {
    const w = record(record(spec?.[severity])?.[speed]);
    const budgetPercent = Number(w?.errorBudgetPercent);
    const longWindow = text(w?.longWindow);
    const shortWindow = text(w?.shortWindow);
    if (!w || !Number.isFinite(budgetPercent) || budgetPercent <= 0 || !longWindow || !shortWindow) {
      return `spec.${severity}.${speed} needs errorBudgetPercent (> 0), longWindow and shortWindow`;
    }
    return { budgetPercent, longWindow, shortWindow };
  };
  const parts = [one('page', 'quick'), one('page', 'slow'), one('ticket', 'quick'), one('ticket', 'slow')];
  const bad = parts.find((p): p is string => typeof p === 'string');
  if (bad) return { ok: false, path: ['spec'], message: bad };
  const [pq, ps, tq, ts] = parts as SlothWindow[];
  return { ok: true, periodMs: parsed.ms, period: formatDuration(parsed.ms), windows: { page: { quick: pq!, slow: ps! }, ticket: { quick: tq!, slow: ts! } } };
}

/** An AlertWindows catalog entry as a Vigil policy set `sloth-<period>` (budget shares scale to any period). */
export function translateAlertWindows(doc: ForeignDocument, options: TranslateOptions): Translation {
  const read = readAlertWindows(doc);
  const setName = read.ok ? `sloth-${read.period}` : 'sloth';
  const what = { kind: 'Sloth AlertWindows', namespace: options.namespace, name: setName };
  if (!read.ok) return { resources: [], issues: [foreignIssue(doc, what, read.path, read.message)] };
  const resources = policyPairs(read.windows).map(({ severity, speed, window }) =>
    imported(doc, ['spec', severity, speed], 'AlertingPolicy', { name: `${setName}-${severity}-${speed}`, namespace: options.namespace }, {
      policySet: setName,
      burnrate: burnrate(window, severity),
    }, `Sloth AlertWindows ${read.period}: ${severity} ${speed} (${window.budgetPercent}% of the budget in ${window.longWindow}, control ${window.shortWindow})`),
  );
  return { resources, issues: [] };
}

function policyPairs(windows: SlothAlertWindows) {
  return (['page', 'ticket'] as const).flatMap((severity) =>
    (['quick', 'slow'] as const).map((speed) => ({ severity, speed, window: windows[severity][speed] })),
  );
}

function burnrate(window: SlothWindow, severity: 'page' | 'ticket'): Record<string, unknown> {
  // No conditionMetDuration: Sloth's alerts have no `for`, and an imported alert must not fire later than Sloth's.
  return { budgetConsumed: goalText(window.budgetPercent), lookBackWindow: window.longWindow, secondaryWindow: window.shortWindow, severity };
}

/**
 * A Sloth service level (spec or CR) → Vigil resources, one SLO at a time: a refused SLO leaves the others.
 * `windows` is the catalog entry for the period (Sloth's defaults unless an AlertWindows spec gives one).
 */
export function translateServiceLevel(doc: ForeignDocument, kind: 'spec' | 'crd', options: TranslateOptions, windows: SlothAlertWindows): Translation {
  const crd = kind === 'crd';
  const root = crd ? record(doc.value.spec) : (doc.value as Record<string, unknown>);
  const base: (string | number)[] = crd ? ['spec'] : [];
  const namespace = (crd ? text(record(doc.value.metadata)?.namespace) : undefined) || options.namespace;
  const service = text(root?.service) ?? '';
  const resources: ImportedResource[] = [];
  const issues: Issue[] = [];
  const whole = { kind: 'Sloth service level', namespace, name: service };
  if (!service) return { resources, issues: [foreignIssue(doc, whole, [...base, 'service'], 'service is required')] };
  const slos = root?.slos;
  if (!Array.isArray(slos) || slos.length === 0) return { resources, issues: [foreignIssue(doc, whole, [...base, 'slos'], 'slos must be a non-empty list')] };

  const sharedPlugins = pluginIds(field(root, 'slo_plugins'));
  const specLabels = stringRecord(root?.labels);
  slos.forEach((slo: unknown, index) => {
    const at = [...base, 'slos', index];
    const sloSpec = record(slo);
    const sourceName = text(sloSpec?.name) ?? '';
    const name = dnsName(`${service}-${sourceName}`);
    const what = { kind: 'Sloth SLO', namespace, name: name || `${service}/${sourceName}` };
    const refuse = (path: (string | number)[], message: string) => issues.push(foreignIssue(doc, what, path, message));
    if (!sloSpec || !sourceName || !name) return refuse([...at, 'name'], 'name is required (letters, digits, "-")');

    const plugins = [...sharedPlugins, ...pluginIds(field(sloSpec, 'plugins'))].filter((id) => !harmlessSloPlugins.has(id));
    if (plugins.length) {
      refuse([...at, 'plugins'], `SLO plugins ${[...new Set(plugins)].join(', ')} are Go code Vigil cannot run; remove them or express their effect in the SLO`);
      return;
    }
    const objective = Number(sloSpec.objective);
    if (!Number.isFinite(objective) || objective <= 0 || objective >= 100) return refuse([...at, 'objective'], `objective must be a percentage strictly between 0 and 100, got ${String(sloSpec.objective)}`);

    const sli = record(sloSpec.sli);
    const queries = sliQueries(sli, [...at, 'sli']);
    if (!queries.ok) return refuse(queries.path, queries.message);

    const alerting = record(sloSpec.alerting) ?? {};
    const alertName = text(alerting.name);
    const carried = { ...specLabels, ...stringRecord(sloSpec.labels), ...stringRecord(alerting.labels) };
    const alerts = (['page', 'ticket'] as const).flatMap((severity) => {
      const alert = record(field(alerting, `${severity}_alert`)) ?? {};
      if (alert.disable === true) return [];
      const labels: Record<string, string> = { ...carried, ...stringRecord(alert.labels), sloth_severity: severity, ...(alertName ? { alert_name: alertName } : {}) };
      const annotations = { ...stringRecord(alerting.annotations), ...stringRecord(alert.annotations) };
      return [{ severity, labels, annotations }];
    });
    const reserved = alerts.flatMap((a) => Object.keys(a.labels)).find((l) => (reservedAlertLabels as readonly string[]).includes(l));
    if (reserved) return refuse([...at, 'alerting'], `label "${reserved}" would replace a label Vigil sets on its alerts itself; rename it`);

    const description = text(sloSpec.description) ?? '';
    const source = `Sloth ${crd ? `PrometheusServiceLevel ${text(record(doc.value.metadata)?.name) ?? ''}` : 'prometheus/v1'}, service ${service}, SLO ${sourceName}`;
    resources.push(
      imported(doc, [...at, 'sli'], 'ServiceLevelIndicatorTemplate', { name, namespace }, {
        kind: /latency|duration|slow/i.test(`${sourceName} ${description}`) ? 'latency' : 'availability',
        ...(description ? { description } : {}),
        goodEvents: queries.good,
        totalEvents: queries.total,
      }, `${source}: its SLI (${queries.kind})`),
      imported(doc, at, 'ServiceLevelObjective', { name, namespace }, {
        ...(description ? { description } : {}),
        selector: { name: dnsName(service) || 'service', namespace },
        sli: { templateRef: { name } },
        slo: { goal: goalText(objective), rolling: { length: options.slothPeriod } },
      }, source),
    );

    for (const { severity, labels, annotations } of alerts) {
      for (const speed of ['quick', 'slow'] as const) {
        const window = windows[severity][speed];
        resources.push(
          imported(doc, [...at, 'alerting'], 'AlertingPolicy', { name: `${name}-${severity}-${speed}`, namespace }, {
            sloRef: { name },
            burnrate: burnrate(window, severity),
            alert: { labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
          }, `${source}: Sloth's ${severity} alert${alertName ? ` ${alertName}` : ''}, ${speed} windows (${window.budgetPercent}% of the budget in ${window.longWindow}, control ${window.shortWindow})`),
        );
      }
    }
  });
  return { resources, issues };
}

function pluginIds(plugins: unknown): string[] {
  const chain = record(plugins)?.chain;
  return Array.isArray(chain) ? chain.map((p) => text(record(p)?.id) ?? '(no id)') : [];
}

type Queries = { ok: true; good: string; total: string; kind: string } | { ok: false; path: (string | number)[]; message: string };

function sliQueries(sli: Record<string, unknown> | undefined, at: (string | number)[]): Queries {
  if (!sli) return { ok: false, path: at, message: 'sli is required (events or raw)' };
  if (sli.plugin !== undefined) {
    const id = text(record(sli.plugin)?.id) ?? '(no id)';
    return { ok: false, path: [...at, 'plugin'], message: `SLI plugin "${id}" is Go code Vigil cannot run; write its error and total queries as sli.events` };
  }
  const events = record(sli.events);
  if (events) {
    const error = periodQuery(field(events, 'error_query'), 'error_query', [...at, 'events']);
    if (!error.ok) return error;
    const total = periodQuery(field(events, 'total_query'), 'total_query', [...at, 'events']);
    if (!total.ok) return total;
    return { ok: true, good: `(${total.query}) - ((${error.query}) or (${total.query}) * 0)`, total: total.query, kind: 'events: good = total - errors' };
  }
  const raw = record(sli.raw);
  if (raw) {
    const ratio = periodQuery(field(raw, 'error_ratio_query'), 'error_ratio_query', [...at, 'raw']);
    if (!ratio.ok) return ratio;
    return { ok: true, ...rawRatioQueries(ratio.query, 'error') };
  }
  return { ok: false, path: at, message: 'sli needs events (error_query, total_query) or raw (error_ratio_query)' };
}

/** A Sloth query with `{{.window}}` → the same query with Vigil's `{{SLO.Period}}`. */
export function periodQuery(value: unknown, name: string, at: (string | number)[]): { ok: true; query: string } | { ok: false; path: (string | number)[]; message: string } {
  const query = typeof value === 'string' ? value.trim() : '';
  const path = [...at, name];
  if (!query) return { ok: false, path, message: `${name} is required` };
  if (query.search(WINDOW) < 0) return { ok: false, path, message: `${name} has no {{.window}}: Sloth (and Vigil) substitute each window there` };
  const replaced = query.replace(WINDOW, '{{SLO.Period}}');
  if (replaced.replaceAll('{{SLO.Period}}', '').includes('{{')) {
    return { ok: false, path, message: `${name} uses Go template features other than {{.window}}, which Vigil cannot translate` };
  }
  return { ok: true, query: replaced };
}
