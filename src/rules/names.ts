/**
 * Every public name Vigil writes: recorded series, labels, alert names, group names. Dashboards, alerts,
 * the worker and users depend on these; change them only with a migration note.
 */
import { formatDuration } from '../model/duration.js';

export const labels = {
  slo: 'slo',
  namespace: 'namespace',
  service: 'service',
  severity: 'severity',
  policy: 'policy',
  longWindow: 'long_window',
  shortWindow: 'short_window',
  burnRate: 'burn_rate',
} as const;

/** Labels that identify an SLO's series; `service` is carried but not matched, so renaming it orphans nothing. */
export const sloIdentityLabels = [labels.slo, labels.namespace] as const;

export const series = {
  sliGood: (windowMs: number) => `vigil:sli_good:rate${formatDuration(windowMs)}`,
  sliTotal: (windowMs: number) => `vigil:sli_total:rate${formatDuration(windowMs)}`,
  errorRatio: (windowMs: number) => `vigil:slo_error_ratio:rate${formatDuration(windowMs)}`,
  errorRatioPeriod: 'vigil:slo_error_ratio:period',
  objective: 'vigil:slo_objective:ratio',
  errorBudgetRemaining: 'vigil:slo_error_budget_remaining:ratio',
  /**
   * One series per alerting policy: its burn-rate threshold as the value, with the alert's policy labels,
   * so dashboards can draw it and queries can join it with the burn rates and with `ALERTS`.
   */
  burnRateThreshold: 'vigil:slo_burn_rate_threshold:ratio',
} as const;

export const alertName = 'VigilErrorBudgetBurn';

export const groupNames = {
  short: (namespace: string, slo: string) => `vigil.${namespace}.${slo}.short`,
  long: (namespace: string, slo: string) => `vigil.${namespace}.${slo}.long`,
} as const;

/** Labels Vigil puts on the PrometheusRule objects and rule files it owns. */
export const ownership = {
  managedByLabel: 'app.kubernetes.io/managed-by',
  managedByValue: 'vigil',
  contentHashAnnotation: 'sre.vigil.dev/content-hash',
} as const;
