/**
 * Where raw reads end and derived windows begin (see README "Windows: raw or derived").
 *
 * Raw windows read the user's metrics directly: 5m, 30m and 1h (plus any policy window shorter than 5m).
 * 1h stays raw because deriving it from 5m rates delays a total outage's detection by the 5m ramp
 * (≈3 min instead of 52 s); 5m + 30m + 1h = 95 min of raw range per selector, under the 2 h budget.
 * Every longer window is a traffic-weighted sum of non-overlapping tiles of recorded rates:
 *   up to 6h: 5m tiles of `rate5m`   (≤ 72 points, ≤ 5 min behind real time)
 *   above 6h: 1h tiles of `rate1h`   (720 points for 30d, ≤ 1 h behind — fine for day-scale windows)
 * Tiles are sum_over_time over `[W:step]` subqueries, whose steps are aligned, so adjacent tiles neither
 * overlap nor leave gaps: the ratio of the sums is the exact ratio of event counts, never an average of ratios.
 */
import { HOUR, MINUTE } from '../model/duration.js';

export const RAW_WINDOWS_MS = [5 * MINUTE, 30 * MINUTE, HOUR] as const;
/** Windows every SLO records, whatever its policies (dashboards and the worker read them). */
export const STANDARD_WINDOWS_MS = [5 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 6 * HOUR, 24 * HOUR, 72 * HOUR] as const;

const TILE_5M = 5 * MINUTE;
const FINE_TILES_UP_TO = 6 * HOUR;

export type WindowSource =
  | { readonly kind: 'raw'; readonly windowMs: number }
  | { readonly kind: 'derived'; readonly windowMs: number; readonly tileMs: number };

export type WindowPlan = { ok: true; source: WindowSource } | { ok: false; message: string };

export function planWindow(windowMs: number): WindowPlan {
  if ((RAW_WINDOWS_MS as readonly number[]).includes(windowMs) || windowMs < TILE_5M) {
    return { ok: true, source: { kind: 'raw', windowMs } };
  }
  if (windowMs > FINE_TILES_UP_TO && windowMs % HOUR === 0) return { ok: true, source: { kind: 'derived', windowMs, tileMs: HOUR } };
  if (windowMs % TILE_5M === 0) return { ok: true, source: { kind: 'derived', windowMs, tileMs: TILE_5M } };
  return { ok: false, message: 'windows other than 5m, 30m, 1h and those under 5m must be multiples of 5m' };
}
