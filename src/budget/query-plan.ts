/**
 * Which PromQL queries one budget cycle needs. Pure. The number of queries depends on the distinct
 * windows and calendar period starts in the catalog, never on the number of SLOs: every query selects
 * a recorded series for all SLOs at once (`by (slo, namespace)`), and the worker splits the result.
 *
 * No label value is ever interpolated: expressions are built from fixed metric names, canonical
 * durations and whole seconds, so an SLO's name cannot change a query.
 */
import { calendarPeriod } from './calendar.js';
import { formatDuration } from '../model/duration.js';
import { burnAlertName, calendarTileSeconds, labels, series } from './series-names.js';
import { sloPeriod, sloWindows, type SloCatalogEntry } from './slo.js';

export type PlannedQuery =
  | { readonly kind: 'window'; readonly window: string; readonly expr: string }
  | { readonly kind: 'rolling-period'; readonly expr: string }
  | { readonly kind: 'calendar-period'; readonly startMs: number; readonly expr: string }
  | { readonly kind: 'alerts'; readonly expr: string };

const by = `by (${labels.slo}, ${labels.namespace})`;

export function windowQuery(window: string): PlannedQuery {
  return { kind: 'window', window, expr: series.errorRatio(window) };
}

export const rollingPeriodQuery: PlannedQuery = { kind: 'rolling-period', expr: series.errorRatioPeriod };

export const alertsQuery: PlannedQuery = { kind: 'alerts', expr: `ALERTS{alertname="${burnAlertName}"}` };

/**
 * Error ratio of the elapsed part of a calendar period that started at `startMs`, evaluated at
 * `evalTimeMs`: traffic-weighted, `1 - Σgood/Σtotal` over the 5m tiles ending in (start, eval]. Undefined when
 * no whole tile has elapsed yet.
 */
export function calendarPeriodQuery(startMs: number, evalTimeMs: number): PlannedQuery | undefined {
  const elapsed = Math.floor((evalTimeMs - startMs) / 1000);
  if (elapsed < calendarTileSeconds) return undefined;
  // One second short: Prometheus 2.x range selectors include their left end, which would add the tile
  // ending exactly at the period start (the last 5 minutes of the previous period).
  const range = `[${elapsed - 1}s:${formatDuration(calendarTileSeconds * 1000)}]`;
  const sum = (metric: string) => `sum ${by} (sum_over_time(${metric}${range}))`;
  return { kind: 'calendar-period', startMs, expr: `1 - ${sum(series.sliGoodRate5m)} / ${sum(series.sliTotalRate5m)}` };
}

/** The queries one SLO needs at `evalTimeMs` (each shared by every SLO with the same window or start). */
export function queriesForSlo(entry: SloCatalogEntry, evalTimeMs: number, defaults: readonly string[]): PlannedQuery[] {
  const out = sloWindows(entry, defaults).map(windowQuery);
  const period = sloPeriod(entry);
  if (period.kind === 'rolling') out.push(rollingPeriodQuery);
  else {
    const q = calendarPeriodQuery(calendarPeriod(period.length, period.timeZone, evalTimeMs).startMs, evalTimeMs);
    if (q) out.push(q);
  }
  if (entry.policies.length > 0) out.push(alertsQuery);
  return out;
}

/** All distinct queries of a cycle for a whole catalog (used by the benchmark and for logging). */
export function cyclePlan(entries: Iterable<SloCatalogEntry>, evalTimeMs: number, defaults: readonly string[]): PlannedQuery[] {
  const byExpr = new Map<string, PlannedQuery>();
  for (const entry of entries) for (const q of queriesForSlo(entry, evalTimeMs, defaults)) byExpr.set(q.expr, q);
  return [...byExpr.values()];
}
