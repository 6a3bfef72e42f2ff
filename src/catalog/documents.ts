/**
 * The documents the controller publishes for the REST API: one compact document per SLO (spec, status
 * conditions, SLI, resolved policies) and one per SLI template. Pure builders from the compiled model.
 *
 *   const { slos, templates } = compile(resources);
 *   await syncCatalogDocuments(redis, {
 *     slos: slos.map((s) => sloDocumentFromCompiled(s, conditionsOf(s))),
 *     templates: templates.map(templateDocument),
 *   });
 */
import { formatDuration } from '../model/duration.js';
import type { SliKind, SliTemplate, Severity } from '../model/model.js';
import type { CompiledSlo } from '../rules/compile.js';
import { renderSliQuery, resolveParameters } from '../rules/render-template.js';

export type ConditionType = 'Valid' | 'RulesApplied' | 'Ready';

export interface ConditionDocument {
  readonly type: ConditionType | string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  /** RFC 3339. */
  readonly lastTransitionTime?: string;
}

export interface PolicyDocument {
  readonly name: string;
  readonly namespace: string;
  readonly threshold: number;
  readonly lookBackWindow: string;
  readonly secondaryWindow: string;
  /** conditionMetDuration; absent when 0. */
  readonly for?: string;
  readonly severity: Severity;
}

export type PeriodDocument =
  | { readonly type: 'rolling'; readonly length: string }
  | { readonly type: 'calendar'; readonly length: 'day' | 'week' | 'month'; readonly timeZone: string };

export interface SloDocument {
  readonly namespace: string;
  readonly name: string;
  readonly service: string;
  readonly description: string;
  readonly goal: string;
  readonly objective: number;
  readonly period: PeriodDocument;
  /** Nominal period length in seconds (calendar: day 1d, week 7d, month 30d). */
  readonly periodSeconds: number;
  /** The spec as given in the resource. */
  readonly spec: unknown;
  readonly conditions: readonly ConditionDocument[];
  readonly sli: {
    readonly template: { readonly namespace: string; readonly name: string; readonly kind: SliKind; readonly description: string };
    readonly parameters: Readonly<Record<string, string>>;
    /** Rendered good/total event rate queries for `window`. */
    readonly window: string;
    readonly goodQuery: string;
    readonly totalQuery: string;
  };
  readonly policies: readonly PolicyDocument[];
}

export interface TemplateDocument {
  readonly namespace: string;
  readonly name: string;
  readonly kind: SliKind;
  readonly description: string;
  readonly parameters: ReadonlyArray<{ readonly name: string; readonly default?: string; readonly description?: string; readonly advanced: boolean }>;
}

const SLI_WINDOW_MS = 300_000;

/** When the controller has not said more: the SLO compiled, so Valid is true and the rest unknown. */
export function defaultConditions(): ConditionDocument[] {
  return [
    { type: 'Valid', status: 'True', reason: 'Compiled', message: 'the SLO, its template and its policies are valid' },
    { type: 'RulesApplied', status: 'Unknown', reason: 'NotReported', message: 'the controller has not reported the rule sink yet' },
    { type: 'Ready', status: 'Unknown', reason: 'NotReported', message: 'the controller has not reported readiness yet' },
  ];
}

export function sloDocumentFromCompiled(compiled: CompiledSlo, conditions: readonly ConditionDocument[] = defaultConditions()): SloDocument {
  const { slo, template } = compiled;
  const params = resolveParameters(template, slo);
  const values = params.ok ? params.values : {};
  const render = (field: 'goodEvents' | 'totalEvents') => {
    const r = renderSliQuery(template, field, slo, values, SLI_WINDOW_MS);
    return r.ok ? r.query : '';
  };
  const w = slo.window;
  return {
    namespace: slo.ref.namespace,
    name: slo.ref.name,
    service: slo.service.name,
    description: slo.description,
    goal: slo.goal,
    objective: slo.objective,
    period: w.type === 'rolling' ? { type: 'rolling', length: formatDuration(w.ms) } : { type: 'calendar', length: w.length, timeZone: w.timeZone },
    periodSeconds: w.ms / 1000,
    spec: compiled.resource.spec,
    conditions: conditions.map((c) => ({ ...c })),
    sli: {
      template: { namespace: template.ref.namespace, name: template.ref.name, kind: template.kind, description: template.description },
      parameters: values,
      window: formatDuration(SLI_WINDOW_MS),
      goodQuery: render('goodEvents'),
      totalQuery: render('totalEvents'),
    },
    policies: compiled.policies.map((p) => ({
      name: p.name,
      namespace: p.namespace,
      threshold: p.threshold,
      lookBackWindow: formatDuration(p.longWindowMs),
      secondaryWindow: formatDuration(p.shortWindowMs),
      ...(p.forMs > 0 ? { for: formatDuration(p.forMs) } : {}),
      severity: p.severity,
    })),
  };
}

export function templateDocument(template: SliTemplate): TemplateDocument {
  return {
    namespace: template.ref.namespace,
    name: template.ref.name,
    kind: template.kind,
    description: template.description,
    parameters: template.parameters.map((p) => ({
      name: p.name,
      ...(p.default === undefined ? {} : { default: p.default }),
      ...(p.description === undefined ? {} : { description: p.description }),
      advanced: p.advanced,
    })),
  };
}
