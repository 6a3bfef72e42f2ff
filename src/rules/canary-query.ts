/**
 * The PromQL a canary analysis needs: an SLO's own indicator rendered over a short window and restricted to
 * the canary's pods (one label matcher added to every selector), and its burn rate
 * `(1 − good ÷ total) ÷ (1 − objective)`, so a threshold can be written in the SLO's own unit. Pure.
 */
import { restrictSelectors } from '../promql/restrict.js';
import type { CompiledSlo } from './compile.js';
import { renderSliQuery, resolveParameters } from './render-template.js';

export interface CanaryRestriction {
  readonly label: string;
  readonly value: string;
  readonly op?: '=' | '=~';
}

export interface CanaryQueries {
  readonly good: string;
  readonly total: string;
  readonly errorRatio: string;
  readonly burnRate: string;
}

export type CanaryQueryResult = { ok: true; queries: CanaryQueries } | { ok: false; message: string };

/** Istio's label for the workload (Deployment) that served a request. */
export const ISTIO_WORKLOAD_LABEL = 'destination_workload';

export function canaryQueries(compiled: CompiledSlo, windowMs: number, restriction: CanaryRestriction | undefined): CanaryQueryResult {
  const params = resolveParameters(compiled.template, compiled.slo);
  if (!params.ok) return params;
  const rendered: Record<'goodEvents' | 'totalEvents', string> = { goodEvents: '', totalEvents: '' };
  for (const field of ['goodEvents', 'totalEvents'] as const) {
    const r = renderSliQuery(compiled.template, field, compiled.slo, params.values, windowMs);
    if (!r.ok) return { ok: false, message: r.message };
    if (!restriction) {
      rendered[field] = r.query;
      continue;
    }
    const restricted = restrictSelectors(r.query, restriction.label, restriction.value, restriction.op ?? '=');
    if (!restricted.ok) return { ok: false, message: `${field}: ${restricted.message}` };
    rendered[field] = restricted.query;
  }
  const good = rendered.goodEvents;
  const total = rendered.totalEvents;
  // `or vector(0)`, as in the recording rules: during a total outage there are no good events and the
  // good query returns nothing; the error ratio must then be 1, not absent.
  const errorRatio = `1 - ((${good}) or vector(0)) / (${total})`;
  const budget = Number((1 - compiled.slo.objective).toPrecision(12));
  return { ok: true, queries: { good, total, errorRatio, burnRate: `(${errorRatio}) / ${budget}` } };
}
