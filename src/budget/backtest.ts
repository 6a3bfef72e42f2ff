/**
 * Alert backtesting: replays burn-rate policies over an SLO's history and reports the pages and tickets
 * they would have raised, the incidents in the history, how long each took to page, and the ones that
 * never did. Pure: plain arrays in, a plain report out.
 *
 * Input is the SLO's recorded 5-minute tile rates (`vigil:sli_good:rate5m`, `vigil:sli_total:rate5m`)
 * sampled every `stepMs` (the rule evaluation interval; 300,000 must be a multiple of it). Every window is
 * rebuilt from them with the rule generator's semantics (src/rules/windows.ts), evaluated at each step:
 * - raw and composed windows (5m to 3d, and any under 5m): events over (t - W, t], the sum of the 5m rates
 *   sampled at t, t - 5m, … (W/5m adjacent 5m spans ending at t; a window under 5m reads the 5m rate);
 * - tiled windows (policy windows above 3d): the W/1h hourly tiles ending at the last hour boundary ≤ t
 *   (each hourly tile is the twelve 5m tiles it spans, which is what `rate1h` records).
 * A policy's condition is Prometheus's alerting rule: both windows' burn rates above the threshold; it is
 * pending from the first step the condition holds and firing once it has held for `for`; it resolves at
 * the first step it does not hold. A step with no traffic in a window has no error ratio and the
 * condition does not hold, as in Prometheus (the rule's expression is empty then).
 *
 * Budget consumed during an interval: bad events in it (5m tiles ending in (start, end], rounded out to
 * whole tiles) over the period's budget, (1 - objective) × the period's events at the history's average
 * traffic.
 */
import { planWindow } from '../rules/windows.js';

const TILE_MS = 300_000;
const HOUR_MS = 3_600_000;

export interface BacktestPolicy {
  readonly name: string;
  readonly severity: 'page' | 'ticket';
  /** Burn-rate factor, e.g. 14.4. */
  readonly threshold: number;
  readonly longWindowSeconds: number;
  readonly shortWindowSeconds: number;
  readonly forSeconds: number;
}

export interface BacktestSeries {
  /** Time of the first sample (epoch ms, a multiple of stepMs). */
  readonly startMs: number;
  readonly stepMs: number;
  /** Good and total 5m rates (events per second) per step; NaN where nothing was recorded. */
  readonly good: ArrayLike<number>;
  readonly total: ArrayLike<number>;
}

export interface BacktestOptions {
  /** 0.999 for "99.9". */
  readonly objective: number;
  readonly periodSeconds: number;
  /** Only intervals and incidents from here on are reported (the windows need history before it). */
  readonly fromMs?: number;
  /** Incidents consuming at least this share of the budget get a detection delay (default 0.02). */
  readonly significantBudget?: number;
  /** Tiles below threshold an incident may contain before it is considered over (default 15 min). */
  readonly incidentGapMs?: number;
}

export interface FiringInterval {
  readonly startMs: number;
  /** When the alert resolved; the end of the history while still firing. */
  readonly endMs: number;
  readonly durationSeconds: number;
  /** Still firing at the end of the history. */
  readonly open: boolean;
  readonly budgetConsumed: number;
}

export interface PolicyReplay {
  readonly policy: BacktestPolicy;
  readonly intervals: readonly FiringInterval[];
  readonly perWeek: number;
  readonly firingSeconds: number;
}

export interface Incident {
  /** Start of the first and end of the last 5m tile burning faster than the budget. */
  readonly startMs: number;
  readonly endMs: number;
  readonly budgetConsumed: number;
  readonly peakBurnRate: number;
  /** The first page that fired during it (or within an hour after it), with its delay from the start. */
  readonly pagedBy: { readonly policy: string; readonly delaySeconds: number } | null;
  readonly ticketedBy: { readonly policy: string; readonly delaySeconds: number } | null;
}

export interface BacktestReport {
  readonly fromMs: number;
  readonly toMs: number;
  readonly rangeSeconds: number;
  /** Share of the range's 5m tiles with a recorded total (the rest had no data). */
  readonly coverage: number;
  readonly policies: readonly PolicyReplay[];
  /** Every incident (5m tiles above burn rate 1), oldest first. */
  readonly incidents: readonly Incident[];
  /** Incidents at or above `significantBudget` that no page caught. */
  readonly missed: readonly Incident[];
  /** Detection delays (seconds) of the significant incidents that paged. */
  readonly detectionDelaysSeconds: readonly number[];
  readonly significantBudget: number;
}

/** Strided prefix sums: s[i] = x[i] + s[i - m], so Σ_{k<n} x[i - k·m] = s[i] - s[i - n·m]. */
function stridedSums(values: ArrayLike<number>, stride: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = (Number.isFinite(v) ? v : 0) + (i >= stride ? out[i - stride]! : 0);
  }
  return out;
}

interface WindowReader {
  /** Good and total events in the window ending at step i (per-second rates × 300 s). */
  (i: number): { good: number; total: number };
}

export function backtest(series: BacktestSeries, policies: readonly BacktestPolicy[], options: BacktestOptions): BacktestReport {
  const { stepMs, startMs } = series;
  if (!(stepMs > 0) || TILE_MS % stepMs !== 0) throw new RangeError(`step must divide 5 minutes, got ${stepMs} ms`);
  if (startMs % stepMs !== 0) throw new RangeError('the first sample must fall on a multiple of the step');
  const budget = 1 - options.objective;
  if (!(budget > 0 && budget < 1)) throw new RangeError(`objective must be in (0, 1), got ${options.objective}`);
  const n = series.total.length;
  const stride = TILE_MS / stepMs;
  const goodSums = stridedSums(series.good, stride);
  const totalSums = stridedSums(series.total, stride);
  const endMs = startMs + (n - 1) * stepMs;
  const fromMs = Math.max(startMs, options.fromMs ?? startMs);
  const timeOf = (i: number) => startMs + i * stepMs;
  const indexAtOrBefore = (ms: number) => Math.floor((ms - startMs) / stepMs);

  const span = (i: number, tiles: number) => {
    if (i < 0) return { good: 0, total: 0 };
    const j = i - tiles * stride;
    const good = goodSums[i]! - (j >= 0 ? goodSums[j]! : 0);
    const total = totalSums[i]! - (j >= 0 ? totalSums[j]! : 0);
    return { good: good * 300, total: total * 300 };
  };
  const windowReader = (seconds: number): WindowReader => {
    const ms = seconds * 1000;
    const plan = planWindow(ms);
    const tiles = Math.max(1, Math.round(ms / TILE_MS));
    if (!plan.ok || plan.source.kind !== 'derived') return (i) => span(i, tiles);
    const align = plan.source.tileMs === HOUR_MS ? HOUR_MS : TILE_MS;
    return (i) => span(indexAtOrBefore(Math.floor(timeOf(i) / align) * align), tiles);
  };

  // Average traffic of the history: the period's events, for budget shares.
  let tileCount = 0;
  let coveredTiles = 0;
  let totalEvents = 0;
  // Tiles ending in (fromMs, endMs]: the replayed range (the history before it only warms the windows).
  const firstTile = Math.floor(fromMs / TILE_MS) * TILE_MS + TILE_MS;
  for (let t = firstTile; t <= endMs; t += TILE_MS) {
    tileCount++;
    const v = series.total[indexAtOrBefore(t)]!;
    if (Number.isFinite(v)) {
      coveredTiles++;
      totalEvents += v * 300;
    }
  }
  const periodEvents = coveredTiles > 0 ? (totalEvents / (coveredTiles * 300)) * options.periodSeconds : 0;
  const badBetween = (aMs: number, bMs: number) => {
    let bad = 0;
    for (let t = Math.floor(aMs / TILE_MS) * TILE_MS + TILE_MS; t <= Math.ceil(bMs / TILE_MS) * TILE_MS && t <= endMs; t += TILE_MS) {
      const i = indexAtOrBefore(t);
      const total = series.total[i]!;
      const good = series.good[i]!;
      if (Number.isFinite(total)) bad += Math.max(0, total - (Number.isFinite(good) ? good : 0)) * 300;
    }
    return bad;
  };
  const budgetShare = (bad: number) => (periodEvents > 0 ? bad / (budget * periodEvents) : 0);

  const first = Math.max(0, Math.ceil((fromMs - startMs) / stepMs));
  const replays: PolicyReplay[] = policies.map((policy) => {
    const long = windowReader(policy.longWindowSeconds);
    const short = windowReader(policy.shortWindowSeconds);
    const limit = policy.threshold * budget;
    const holds = (i: number) => {
      const l = long(i);
      const s = short(i);
      return l.total > 0 && s.total > 0 && 1 - l.good / l.total > limit && 1 - s.good / s.total > limit;
    };
    const intervals: FiringInterval[] = [];
    let activeAt: number | undefined;
    let firingAt: number | undefined;
    const close = (end: number, open: boolean) => {
      intervals.push({ startMs: firingAt!, endMs: end, durationSeconds: (end - firingAt!) / 1000, open, budgetConsumed: budgetShare(badBetween(firingAt!, end)) });
      firingAt = undefined;
    };
    for (let i = first; i < n; i++) {
      const t = timeOf(i);
      if (holds(i)) {
        activeAt ??= t;
        if (firingAt === undefined && t - activeAt >= policy.forSeconds * 1000) firingAt = t;
      } else {
        if (firingAt !== undefined) close(t, false);
        activeAt = undefined;
      }
    }
    if (firingAt !== undefined) close(endMs, true);
    const rangeSeconds = Math.max(1, (endMs - fromMs) / 1000);
    return {
      policy,
      intervals,
      perWeek: intervals.length / (rangeSeconds / 604_800),
      firingSeconds: intervals.reduce((s, x) => s + x.durationSeconds, 0),
    };
  });

  // Incidents: runs of 5m tiles burning faster than the budget, joined across short lulls.
  const gapMs = options.incidentGapMs ?? 15 * 60_000;
  const incidents: Incident[] = [];
  let run: { startMs: number; endMs: number; bad: number; peak: number } | undefined;
  const flush = () => {
    if (!run) return;
    const detection = (severity: 'page' | 'ticket') => {
      let best: { policy: string; delaySeconds: number } | null = null;
      for (const r of replays) {
        if (r.policy.severity !== severity) continue;
        const hit = r.intervals.find((x) => x.endMs > run!.startMs && x.startMs <= run!.endMs + HOUR_MS);
        if (!hit) continue;
        const delaySeconds = Math.max(0, (hit.startMs - run!.startMs) / 1000);
        if (!best || delaySeconds < best.delaySeconds) best = { policy: r.policy.name, delaySeconds };
      }
      return best;
    };
    incidents.push({ startMs: run.startMs, endMs: run.endMs, budgetConsumed: budgetShare(run.bad), peakBurnRate: run.peak, pagedBy: detection('page'), ticketedBy: detection('ticket') });
    run = undefined;
  };
  for (let t = firstTile; t <= endMs; t += TILE_MS) {
    const i = indexAtOrBefore(t);
    const total = series.total[i]!;
    const good = series.good[i]!;
    if (!(Number.isFinite(total) && total > 0)) continue;
    const ratio = 1 - (Number.isFinite(good) ? good : 0) / total;
    if (ratio / budget <= 1) {
      if (run && t - run.endMs > gapMs) flush();
      continue;
    }
    if (run && t - TILE_MS - run.endMs > gapMs) flush();
    if (!run) run = { startMs: t - TILE_MS, endMs: t, bad: 0, peak: 0 };
    run.endMs = t;
    run.bad += ratio * total * 300;
    run.peak = Math.max(run.peak, ratio / budget);
  }
  flush();
  const significantBudget = options.significantBudget ?? 0.02;
  const significant = incidents.filter((x) => x.budgetConsumed >= significantBudget);
  return {
    fromMs,
    toMs: endMs,
    rangeSeconds: (endMs - fromMs) / 1000,
    coverage: tileCount > 0 ? coveredTiles / tileCount : 0,
    policies: replays,
    incidents,
    missed: significant.filter((x) => x.pagedBy === null),
    detectionDelaysSeconds: significant.flatMap((x) => (x.pagedBy ? [x.pagedBy.delaySeconds] : [])),
    significantBudget,
  };
}
