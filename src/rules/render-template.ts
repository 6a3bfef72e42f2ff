/**
 * Renders an SLI template's goodEvents/totalEvents with Handlebars into PromQL for one SLO and window.
 *
 * Safety: every context value is escaped for PromQL string context before rendering (HTML escaping is off),
 * a parameter that the template uses outside quotes may only hold a plain token (number, duration, name),
 * and the result must parse as PromQL. Calisti's Go-template spelling (`{{ .Params.x }}`) is accepted.
 */
import Handlebars from 'handlebars';
import { formatDuration } from '../model/duration.js';
import type { SliTemplate, Slo } from '../model/model.js';
import { escapeStringContent } from '../promql/escape.js';
import { checkPromql } from '../promql/parse.js';
import { parser } from '@prometheus-io/lezer-promql';

export type RenderResult = { ok: true; query: string } | { ok: false; field: 'goodEvents' | 'totalEvents' | 'parameters'; message: string };

interface HelperOptions {
  /** In the probe render, parameters are markers and helpers must not try to read them as numbers. */
  readonly probe: boolean;
}

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

function createEnvironment(options: HelperOptions): typeof Handlebars {
  const env = Handlebars.create();
  const numeric = (pick: (r: ReturnType<typeof bucketsAround>) => number) => (threshold: unknown, buckets: unknown) =>
    options.probe ? '0' : String(pick(bucketsAround(threshold, buckets)));
  env.registerHelper('floorBucket', numeric((r) => r.floor));
  env.registerHelper('ceilBucket', numeric((r) => r.ceil));
  // good = floor × floorWeight + ceil × ceilWeight reads each bucket once (floor + (ceil − floor) × w reads floor twice).
  env.registerHelper('ceilWeight', numeric((r) => r.weight));
  env.registerHelper('floorWeight', numeric((r) => Number((1 - r.weight).toPrecision(12))));
  // True when the threshold is a bucket boundary: one bucket then counts the good events exactly.
  env.registerHelper('onBucket', (threshold: unknown, buckets: unknown) => !options.probe && bucketsAround(threshold, buckets).weight === 0);
  return env;
}

const environments = { real: createEnvironment({ probe: false }), probe: createEnvironment({ probe: true }) };
const compiled = new Map<string, Handlebars.TemplateDelegate>();

/** `{{ .Params.x }}` (Go, Calisti) → `{{ Params.x }}` (Handlebars); also `{{ floorBucket .Params.a .Params.b }}`. */
export function fromGoTemplateSyntax(source: string): string {
  return source.replace(/\{\{([^}]*)\}\}/g, (_, inner: string) => `{{${inner.replace(/(^|\s)\.(?=[A-Za-z])/g, '$1')}}}`);
}

function compile(source: string, probe: boolean): Handlebars.TemplateDelegate {
  const key = `${probe ? 'p' : 'r'}:${source}`;
  let template = compiled.get(key);
  if (!template) {
    template = (probe ? environments.probe : environments.real).compile(fromGoTemplateSyntax(source), { noEscape: true, strict: true });
    compiled.set(key, template);
  }
  return template;
}

const usesPeriod = /\{\{\s*\.?SLO\.Period\s*\}\}/;
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

function context(slo: Slo, params: Record<string, string>, windowMs: number) {
  const e = escapeStringContent;
  return {
    Params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, e(v)])),
    Service: { Name: e(slo.service.name), Namespace: e(slo.service.namespace) },
    SLO: { Name: e(slo.ref.name), Namespace: e(slo.ref.namespace), Period: formatDuration(windowMs) },
  };
}

const outsideStringsCache = new Map<string, string[]>();

/**
 * Parameters the template places outside string literals (found by rendering markers and parsing). Depends
 * only on the template and the parameter names, so it is computed once per template.
 */
function parametersOutsideStrings(source: string, slo: Slo, params: Record<string, string>): string[] {
  const names = Object.keys(params).sort();
  const key = `${names.join(',')}\u0000${source}`;
  const cached = outsideStringsCache.get(key);
  if (cached) return cached;
  const markers = Object.fromEntries(names.map((n, i) => [n, `vigilparammarker${i}x`]));
  const rendered = compile(source, true)(context(slo, markers, 300_000));
  const outside = new Set<string>();
  const tree = parser.parse(rendered);
  const inString: Array<[number, number]> = [];
  tree.iterate({
    enter: (node) => {
      if (node.name === 'StringLiteral') inString.push([node.from, node.to]);
    },
  });
  names.forEach((name) => {
    const marker = markers[name]!;
    for (let at = rendered.indexOf(marker); at >= 0; at = rendered.indexOf(marker, at + 1)) {
      if (!inString.some(([from, to]) => at > from && at < to)) outside.add(name);
    }
  });
  const result = [...outside];
  outsideStringsCache.set(key, result);
  return result;
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
  let query: string;
  try {
    for (const name of parametersOutsideStrings(source, slo, params)) {
      if (!plainToken.test(params[name]!)) {
        return {
          ok: false,
          field: 'parameters',
          message: `parameter "${name}" is used outside quotes in ${field}, so its value may only contain letters, digits, "_", "." and ":" (got ${JSON.stringify(params[name])})`,
        };
      }
    }
    query = compile(source, false)(context(slo, params, windowMs));
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const missing = /"(?:Params\.)?([A-Za-z0-9_.]+)" not defined/.exec(text);
    const message = missing ? `${field} refers to ${missing[1]} which is not defined (declare it under spec.parameters)` : `${field}: ${text.split('\n')[0]}`;
    return { ok: false, field, message };
  }
  const check = checkPromql(query);
  if (!check.ok) return { ok: false, field, message: `${field} renders to invalid PromQL: ${check.message}; rendered: ${query.trim()}` };
  return { ok: true, query: query.trim() };
}
