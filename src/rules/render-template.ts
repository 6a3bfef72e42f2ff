/**
 * Renders an SLI template's goodEvents/totalEvents with Handlebars into PromQL for one SLO and window.
 *
 * Safety: the template is first rendered with a marker in place of every user value (parameters, service and
 * SLO names); scanning that text the way Prometheus's lexer does tells, for each place a value lands, whether
 * it is inside a `"…"`, `'…'` or `` `…` `` literal or outside quotes. Each marker is then replaced by the value
 * escaped for exactly that string form; a value outside quotes may only be a plain token (number, duration,
 * name), and a value that a form cannot hold (a backtick in `` `…` ``) is refused. HTML escaping is off. The
 * result must parse as PromQL. Calisti's Go-template spelling (`{{ .Params.x }}`) is accepted.
 */
import Handlebars from 'handlebars';
import { formatDuration } from '../model/duration.js';
import type { SliTemplate, Slo } from '../model/model.js';
import { escapeForQuote } from '../promql/escape.js';
import { checkPromql, scanQuery } from '../promql/parse.js';
import { checkQuerySemantics } from '../promql/semantics.js';

export type RenderResult = { ok: true; query: string } | { ok: false; field: 'goodEvents' | 'totalEvents' | 'parameters'; message: string };

function parseBuckets(list: unknown): number[] {
  const text = String(list);
  const values = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) {
    throw new TemplateError(`buckets must be a comma-separated list of numbers, got "${text}"`);
  }
  return [...values].sort((a, b) => a - b);
}

function parseThreshold(value: unknown): number {
  const threshold = Number(value);
  if (!Number.isFinite(threshold) || String(value).trim() === '') throw new TemplateError(`threshold must be a number, got "${String(value)}"`);
  return threshold;
}

/** The buckets around a threshold: the largest bucket ≤ threshold and the smallest ≥ threshold. */
export function bucketsAround(thresholdValue: unknown, bucketList: unknown): { floor: number; ceil: number; weight: number } {
  const threshold = parseThreshold(thresholdValue);
  const buckets = parseBuckets(bucketList);
  const ceil = buckets.find((b) => b >= threshold);
  const floor = [...buckets].reverse().find((b) => b <= threshold);
  if (ceil === undefined) throw new TemplateError(`threshold ${threshold} is above the largest bucket ${buckets.at(-1)}`);
  if (floor === undefined) throw new TemplateError(`threshold ${threshold} is below the smallest bucket ${buckets[0]}`);
  // Linear interpolation: the share of events between floor and ceil counted as good.
  const weight = ceil === floor ? 0 : (threshold - floor) / (ceil - floor);
  return { floor, ceil, weight: Number(weight.toPrecision(12)) };
}

class TemplateError extends Error {}

/** Handlebars passes `data` (given at render time) to helpers; it maps each marker back to its real value. */
interface HelperOptions {
  readonly data?: { readonly markers?: ReadonlyMap<string, string> };
}

function realValue(value: unknown, options: HelperOptions): unknown {
  return typeof value === 'string' ? options.data?.markers?.get(value) ?? value : value;
}

function createEnvironment(): typeof Handlebars {
  const env = Handlebars.create();
  const numeric = (pick: (r: ReturnType<typeof bucketsAround>) => number) => (threshold: unknown, buckets: unknown, options: HelperOptions) =>
    String(pick(bucketsAround(realValue(threshold, options), realValue(buckets, options))));
  env.registerHelper('floorBucket', numeric((r) => r.floor));
  env.registerHelper('ceilBucket', numeric((r) => r.ceil));
  // good = floor × floorWeight + ceil × ceilWeight reads each bucket once (floor + (ceil − floor) × w reads floor twice).
  env.registerHelper('ceilWeight', numeric((r) => r.weight));
  env.registerHelper('floorWeight', numeric((r) => Number((1 - r.weight).toPrecision(12))));
  // True when the threshold is a bucket boundary: one bucket then counts the good events exactly.
  env.registerHelper('onBucket', (threshold: unknown, buckets: unknown, options: HelperOptions) =>
    bucketsAround(realValue(threshold, options), realValue(buckets, options)).weight === 0);
  return env;
}

const environment = createEnvironment();
const compiled = new Map<string, Handlebars.TemplateDelegate>();

/** `{{ .Params.x }}` (Go, Calisti) → `{{ Params.x }}` (Handlebars); also `{{ floorBucket .Params.a .Params.b }}`. */
export function fromGoTemplateSyntax(source: string): string {
  return source.replace(/\{\{([^}]*)\}\}/g, (_, inner: string) => `{{${inner.replace(/(^|\s)\.(?=[A-Za-z])/g, '$1')}}}`);
}

function compile(source: string): Handlebars.TemplateDelegate {
  let template = compiled.get(source);
  if (!template) {
    template = environment.compile(fromGoTemplateSyntax(source), { noEscape: true, strict: true });
    compiled.set(source, template);
  }
  return template;
}

/**
 * The longest rendered SLI query. Templates hold up to 16 KiB and parameter values 1 KiB each, so a
 * value a template repeats could otherwise blow one SLO's rules up to megabytes.
 */
export const MAX_QUERY_LENGTH = 32_768;

/**
 * `SLO.PeriodMinus1ms` (`59m59s999ms` for 1h) reads (t − W, t] on every engine: Prometheus 2's ranges
 * include both ends, so adjacent pieces of a composed window would count a sample on their common boundary
 * twice. A rate does not care (it measures between samples); a count or a sum of samples does.
 */
const usesPeriod = /\{\{\s*\.?SLO\.Period(?:Minus1ms)?\s*\}\}/;
const plainToken = /^[A-Za-z0-9_.:]*$/;

/** Resolves parameter values: the SLO's value, else the template default; unknown or missing ones are errors. */
export function resolveParameters(template: SliTemplate, slo: Slo): { ok: true; values: Record<string, string> } | { ok: false; message: string } {
  const declared = new Set(template.parameters.map((p) => p.name));
  const unknown = Object.keys(slo.parameters).filter((name) => !declared.has(name));
  if (unknown.length) {
    return { ok: false, message: `unknown parameter ${unknown.map((n) => `"${n}"`).join(', ')}: template ${template.ref.namespace}/${template.ref.name} declares ${[...declared].join(', ') || 'none'}` };
  }
  const values: Record<string, string> = {};
  for (const p of template.parameters) {
    const value = slo.parameters[p.name] ?? p.default;
    if (value === undefined) {
      return { ok: false, message: `missing parameter "${p.name}": template ${template.ref.namespace}/${template.ref.name} has no default for it, set spec.sli.parameters.${p.name}` };
    }
    values[p.name] = value;
  }
  return { ok: true, values };
}

/** The user-controlled values a template can interpolate, by their template path. */
function userValues(slo: Slo, params: Record<string, string>): Array<[path: string, value: string]> {
  return [
    ...Object.entries(params).map(([name, value]): [string, string] => [`Params.${name}`, value]),
    ['Service.Name', slo.service.name],
    ['Service.Namespace', slo.service.namespace],
    ['SLO.Name', slo.ref.name],
    ['SLO.Namespace', slo.ref.namespace],
  ];
}

/**
 * Marker text: a plain identifier (valid inside every string form and outside quotes), numbered and closed by
 * `x` so that no marker is a prefix of another. An empty value needs no escaping and keeps `{{#if}}` working,
 * so it is passed as it is.
 */
const markerPattern = /vigilvaluemarker(\d+)x/g;
const markerFor = (index: number) => `vigilvaluemarker${index}x`;

function markedContext(values: ReadonlyArray<[string, string]>, windowMs: number) {
  const shown = new Map(values.map(([path, value], i) => [path, value === '' ? '' : markerFor(i)]));
  const at = (path: string) => shown.get(path) ?? '';
  return {
    Params: Object.fromEntries(values.filter(([path]) => path.startsWith('Params.')).map(([path]) => [path.slice('Params.'.length), at(path)])),
    Service: { Name: at('Service.Name'), Namespace: at('Service.Namespace') },
    SLO: { Name: at('SLO.Name'), Namespace: at('SLO.Namespace'), Period: formatDuration(windowMs), PeriodMinus1ms: formatDuration(Math.max(windowMs - 1, 1)) },
  };
}

function describeValue(path: string): string {
  return path.startsWith('Params.') ? `parameter "${path.slice('Params.'.length)}"` : path;
}

/**
 * Replaces each marker by its value escaped for the string form it sits in, or explains why a value cannot
 * go where the template puts it.
 */
function fillMarkers(marked: string, values: ReadonlyArray<[string, string]>, field: string): { ok: true; query: string } | { ok: false; message: string } {
  const { literals, comments } = scanQuery(marked);
  let failure: string | undefined;
  const query = marked.replace(markerPattern, (marker: string, index: string, offset: number) => {
    const entry = values[Number(index)];
    if (entry === undefined) return marker;
    const [path, value] = entry;
    const literal = literals.find((l) => offset > l.from && offset < l.to);
    if (literal) {
      const escaped = escapeForQuote(value, literal.form);
      if (escaped.ok) return escaped.text;
      failure ??= `${describeValue(path)} is used inside ${literal.form}…${literal.form} in ${field}, and its value ${escaped.message} (got ${JSON.stringify(value)})`;
      return marker;
    }
    // In a comment only a line break could escape.
    if (comments.some(([from, to]) => offset >= from && offset < to) && !/[\n\r]/.test(value)) return value;
    if (!plainToken.test(value)) {
      failure ??= `${describeValue(path)} is used outside quotes in ${field}, so its value may only contain letters, digits, "_", "." and ":" (got ${JSON.stringify(value)})`;
    }
    return value;
  });
  return failure === undefined ? { ok: true, query } : { ok: false, message: failure };
}

export function renderSliQuery(
  template: SliTemplate,
  field: 'goodEvents' | 'totalEvents',
  slo: Slo,
  params: Record<string, string>,
  windowMs: number,
): RenderResult {
  const source = template[field];
  if (!usesPeriod.test(source)) {
    return { ok: false, field, message: `${field} must use {{SLO.Period}} as its range window, e.g. rate(metric[{{SLO.Period}}])` };
  }
  const values = userValues(slo, params);
  let marked: string;
  try {
    const markers = new Map(values.map(([, value], i) => [markerFor(i), value]));
    marked = compile(source)(markedContext(values, windowMs), { data: { markers } });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const missing = /"(?:Params\.)?([A-Za-z0-9_.]+)" not defined/.exec(text);
    const message = missing ? `${field} refers to ${missing[1]} which is not defined (declare it under spec.parameters)` : `${field}: ${text.split('\n')[0]}`;
    return { ok: false, field, message };
  }
  const filled = fillMarkers(marked, values, field);
  if (!filled.ok) return { ok: false, field: 'parameters', message: filled.message };
  const query = filled.query;
  if (query.length > MAX_QUERY_LENGTH) {
    return { ok: false, field, message: `${field} renders to a query of ${query.length} characters; the limit is ${MAX_QUERY_LENGTH} (a parameter value repeated many times?)` };
  }
  const check = checkPromql(query);
  if (!check.ok) return { ok: false, field, message: `${field} renders to invalid PromQL: ${check.message}; rendered: ${query.trim()}` };
  // What Prometheus would refuse although the grammar accepts it: one such query must not reach a rule file.
  const semantics = checkQuerySemantics(query, 'instant vector');
  if (!semantics.ok) return { ok: false, field, message: `${field} renders to PromQL that Prometheus would refuse: ${semantics.message}; rendered: ${query.trim()}` };
  return { ok: true, query: query.trim() };
}
