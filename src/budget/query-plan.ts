/**
 * Which PromQL queries one budget cycle needs. Pure. The number of queries depends on the distinct
 * windows and calendar period starts in the catalog, never on the number of SLOs: every query selects
 * a recorded series for all SLOs at once (`by (slo, namespace)`), and the worker splits the result.
 *
 * No label value is ever interpolated: expressions are built from fixed metric names, canonical
 * durations and whole seconds, so an SLO's name cannot change a query.
 */
import { planPeriod } from '../rules/windows.js';
import type { SloPeriod } from './budget.js';
import { calendarPeriod } from './calendar.js';
import { formatDuration } from '../model/duration.js';
import { burnAlertName, calendarTileSeconds, labels, series, tileSeries, tileStatLabel } from './series-names.js';
import { sloPeriod, sloWindows, type SloCatalogEntry } from './slo.js';

/**
 * The tiles a period figure sums, at one evaluation instant: `expected` aligned tiles of `tileSeconds`
 * ending in (startMs, endMs], selected by the subquery range `rangeSeconds` (as the rules spell it).
 */
export interface PeriodTiles {
  readonly tileSeconds: number;
  readonly rangeSeconds: number;
  readonly expected: number;
  /** Start of the first expected tile and end of the last (epoch ms, tile-aligned). */
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * Which tiles the period figure at `evalTimeMs` is made of: for a rolling period the rule generator's
 * tiling of the period window (1h tiles above 6 h, else 5m), for a calendar period the 5m tiles of the
 * elapsed part. Undefined when not one whole tile has elapsed.
 */
export function periodTiles(period: SloPeriod, evalTimeMs: number): PeriodTiles | undefined {
  if (period.kind === 'rolling') {
    const plan = planPeriod(period.seconds * 1000);
    const tileSeconds = plan.ok && plan.source.kind === 'derived' ? plan.source.tileMs / 1000 : calendarTileSeconds;
    const expected = Math.max(1, Math.round(period.seconds / tileSeconds));
    const endMs = Math.floor(evalTimeMs / (tileSeconds * 1000)) * tileSeconds * 1000;
    // W - tile/2 holds exactly W/tile aligned steps (see src/rules/build-rules.ts).
    return { tileSeconds, rangeSeconds: expected * tileSeconds - tileSeconds / 2, expected, startMs: endMs - expected * tileSeconds * 1000, endMs };
  }
  const startMs = calendarPeriod(period.length, period.timeZone, evalTimeMs).startMs;
  const elapsed = Math.floor((evalTimeMs - startMs) / 1000);
  const expected = Math.floor(elapsed / calendarTileSeconds);
  if (expected < 1) return undefined;
  // Evaluated at the last tile's end: one second short of the tiles' span, as calendarPeriodQuery
  // (Prometheus 2 ranges include their left end, which would add the tile ending at the period start).
  return { tileSeconds: calendarTileSeconds, rangeSeconds: expected * calendarTileSeconds - 1, expected, startMs, endMs: startMs + expected * calendarTileSeconds * 1000 };
}

/**
 * One query for every SLO sharing a period shape: per SLO, how many of the period's tiles are recorded
 * (`count`) and the sums of their good and total rates (`good`, `total`), told apart by the
 * `vigil_tile_stat` label. The sums let the worker combine recorded tiles with tiles filled from raw
 * series; the count is the coverage. Evaluate it at `tiles.endMs` (the last tile's end): the expression
 * and the instant then stay the same until the next tile completes, so the worker sends it once per tile
 * (every 5 minutes, or every hour for hourly tiles) instead of once per cycle. It is the costliest query of
 * a cycle (a subquery over every tile of the period for every SLO of the shape).
 */
export function periodTilesQuery(tiles: PeriodTiles): PlannedQuery {
  const { good, total } = tileSeries(tiles.tileSeconds);
  const range = `[${formatDuration(tiles.rangeSeconds * 1000)}:${formatDuration(tiles.tileSeconds * 1000)}]`;
  const perSlo = (metric: string) => `(sum ${by} (${metric}))${range}`;
  const stat = (name: string, expr: string) => `label_replace(${expr}, "${tileStatLabel}", "${name}", "", "")`;
  const expr = [stat('count', `count_over_time(${perSlo(total)})`), stat('total', `sum_over_time(${perSlo(total)})`), stat('good', `sum_over_time(${perSlo(good)})`)].join(' or ');
  return { kind: 'period-tiles', tiles, expr };
}

export type PlannedQuery =
  | { readonly kind: 'window'; readonly window: string; readonly expr: string }
  | { readonly kind: 'rolling-period'; readonly expr: string }
  | { readonly kind: 'calendar-period'; readonly startMs: number; readonly expr: string }
  | { readonly kind: 'period-tiles'; readonly tiles: PeriodTiles; readonly expr: string }
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
  // A calendar period's figure comes from its tiles query alone (calendarPeriodQuery would repeat the same
  // subqueries every cycle); a rolling one keeps the recorded period series, a cheap instant read.
  if (period.kind === 'rolling') out.push(rollingPeriodQuery);
  const tiles = periodTiles(period, evalTimeMs);
  if (tiles) out.push(periodTilesQuery(tiles));
  if (entry.policies.length > 0) out.push(alertsQuery);
  return out;
}

/** All distinct queries of a cycle for a whole catalog (used by the benchmark and for logging). */
export function cyclePlan(entries: Iterable<SloCatalogEntry>, evalTimeMs: number, defaults: readonly string[]): PlannedQuery[] {
  const byExpr = new Map<string, PlannedQuery>();
  for (const entry of entries) for (const q of queriesForSlo(entry, evalTimeMs, defaults)) byExpr.set(q.expr, q);
  return [...byExpr.values()];
}
