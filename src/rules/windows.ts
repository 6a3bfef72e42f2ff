/**
 * Where raw reads end and how longer windows are built (see README "Windows: raw or derived").
 *
 * Raw windows read the user's metrics directly: 5m, 30m and 1h (plus any policy window shorter than 5m).
 * 1h stays raw because deriving it from 5m rates delays a total outage's detection by the 5m ramp
 * (≈3 min instead of 52 s); 5m + 30m + 1h = 95 min of raw range per selector, under the 2 h budget.
 *
 * Alerting windows up to 3d are *composed*: the window (t − W, t] is cut into adjacent pieces ending at t,
 * t − p₁, t − p₁ − p₂, …, each a rolling rate recorded at every evaluation (the raw 5m, 30m and 1h rates, and
 * a 6h rate recorded from six 1h pieces, a 1d rate from four 6h pieces), read with `offset`. Evaluation
 * times are regular (aligned to the group interval, and every offset is a multiple of it), so the sample
 * read at t − o is the one recorded at exactly t − o: the pieces neither overlap nor leave gaps, the window ends at
 * t like a raw range, and the traffic-weighted sum is the exact ratio of event counts. 3d is three 1d pieces,
 * 2h two 1h pieces, 6h and 1d their own recordings; every piece is one sample read.
 *
 * The period (and any policy window above 3d) keeps aligned tiles: sum_over_time of 1h tiles of `rate1h`
 * (5m tiles of `rate5m` up to 6h) over `[W − 1ms : tile]`, whose steps are aligned, ≤ 1 tile behind real
 * time. No alert reads the period; an hour behind on 30 days moves the budget by at most 0.14 % of the period.
 */
import { DAY, HOUR, MINUTE } from '../model/duration.js';

export const RAW_WINDOWS_MS = [5 * MINUTE, 30 * MINUTE, HOUR] as const;
/** Windows every SLO records, whatever its policies (dashboards and the worker read them). */
export const STANDARD_WINDOWS_MS = [5 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 6 * HOUR, 24 * HOUR, 72 * HOUR] as const;

/** One piece of a composed window: the rolling rate over `rateMs`, read `offsetMs` ago. */
export interface Piece {
  readonly rateMs: number;
  readonly offsetMs: number;
}

const adjacent = (count: number, rateMs: number): Piece[] => Array.from({ length: count }, (_, k) => ({ rateMs, offsetMs: k * rateMs }));

/**
 * Rolling rates recorded from other recorded rates, in the order they are evaluated: 6h from six 1h
 * pieces, 1d from four 6h pieces.
 */
export const COMPOSED_RATES: ReadonlyArray<{ readonly windowMs: number; readonly pieces: readonly Piece[] }> = [
  { windowMs: 6 * HOUR, pieces: adjacent(6, HOUR) },
  { windowMs: DAY, pieces: adjacent(4, 6 * HOUR) },
];

/** The rolling rates a piece may read, longest first: the composed 1d and 6h, the raw 1h, 30m and 5m. */
const PIECE_RATES_MS = [DAY, 6 * HOUR, HOUR, 30 * MINUTE, 5 * MINUTE] as const;
const TILE_5M = 5 * MINUTE;
const FINE_TILES_UP_TO = 6 * HOUR;
/** Composed windows hold at most 2 + 3 + 5 + 1 + 5 pieces (3d: 3); longer ones (a policy on a week, say) use tiles. */
const COMPOSED_UP_TO = 3 * DAY;

export type WindowSource =
  | { readonly kind: 'raw'; readonly windowMs: number }
  | { readonly kind: 'composed'; readonly windowMs: number; readonly pieces: readonly Piece[] }
  | { readonly kind: 'derived'; readonly windowMs: number; readonly tileMs: number };

export type WindowPlan = { ok: true; source: WindowSource } | { ok: false; message: string };

/** An alerting or dashboard window: raw, composed of now-aligned pieces up to 3d, aligned tiles above. */
export function planWindow(windowMs: number): WindowPlan {
  if ((RAW_WINDOWS_MS as readonly number[]).includes(windowMs) || windowMs < TILE_5M) {
    return { ok: true, source: { kind: 'raw', windowMs } };
  }
  if (windowMs <= COMPOSED_UP_TO && windowMs % TILE_5M === 0) return { ok: true, source: { kind: 'composed', windowMs, pieces: piecesOf(windowMs) } };
  return planPeriod(windowMs);
}

/** The SLO's period (and windows above 3d): aligned tiles, 1h above 6h, else 5m. */
export function planPeriod(windowMs: number): WindowPlan {
  if ((RAW_WINDOWS_MS as readonly number[]).includes(windowMs) || windowMs < TILE_5M) {
    return { ok: true, source: { kind: 'raw', windowMs } };
  }
  if (windowMs > FINE_TILES_UP_TO && windowMs % HOUR === 0) return { ok: true, source: { kind: 'derived', windowMs, tileMs: HOUR } };
  if (windowMs % TILE_5M === 0) return { ok: true, source: { kind: 'derived', windowMs, tileMs: TILE_5M } };
  return { ok: false, message: 'windows other than 5m, 30m, 1h and those under 5m must be multiples of 5m' };
}

/** Adjacent pieces ending now, longest rates first (fewest reads); their lengths add up to the window. */
function piecesOf(windowMs: number): Piece[] {
  const pieces: Piece[] = [];
  let offsetMs = 0;
  for (const rateMs of PIECE_RATES_MS) {
    while (windowMs - offsetMs >= rateMs) {
      pieces.push({ rateMs, offsetMs });
      offsetMs += rateMs;
    }
  }
  return pieces;
}
