/**
 * Filling the tiles a period figure lacks from the raw series, so a new SLO (or a new install, or one
 * after a gap in rule evaluation) reports its period correctly on its first cycle.
 *
 * The period figures sum Vigil's recorded tiles (`vigil:sli_*:rate5m` / `rate1h`); where those do not
 * exist, the worker evaluates the tile recordings' own raw expressions over the uncovered time with one
 * range query per SLO and gap (step = tile, so each point is exactly the missing tile), and keeps the
 * result in a ledger in Redis: which tiles it filled (their good/total rates), which it found empty (no
 * raw data either), and how far it has looked. Later cycles reuse the ledger, so the raw query is paid
 * once per gap, not per cycle: a new query is sent only when the period has missing tiles the ledger
 * does not explain, and then at most once per `recheckMs` per SLO, over the time not yet looked at.
 *
 * If recordings later appear for tiles the ledger filled (someone ran `vigil backfill`), the counts no
 * longer add up and the ledger is rebuilt, so nothing is counted twice.
 */
import type { Redis } from 'ioredis';
import type { PeriodTiles } from '../budget/query-plan.js';
import { labels, tileSeries, tileStatLabel } from '../budget/series-names.js';
import { sloKey, type SloCatalogEntry } from '../budget/slo.js';
import { aggregate, binary, call, selector, verbatim, type Expr } from '../promql/builder.js';
import { quote } from '../promql/escape.js';
import type { MetricsReader } from '../prometheus/prometheus-reader.js';
import type { TileStats } from './cycle-cache.js';
import { gapFillKey } from '../redis/redis-keys.js';

interface Ledger {
  readonly v: 1;
  readonly tile: number;
  /** The raw expressions it was built from (a changed SLI invalidates it). */
  readonly q: string;
  /** Tile end times looked at: (from, until], epoch ms. */
  readonly from: number;
  readonly until: number;
  /** When the last query ran (wall clock). */
  readonly at: number;
  /** Filled tiles: [end ms, good rate, total rate]. */
  readonly filled: ReadonlyArray<readonly [number, number, number]>;
  /** Tile end times with neither a recording nor raw data. */
  readonly empty: readonly number[];
}

export interface GapFillContext {
  readonly redis: Redis;
  readonly reader: MetricsReader;
  /** Wall clock. */
  readonly now: () => number;
  /** Least time between two raw queries for one SLO when unexplained tiles remain (default 1 h). */
  readonly recheckMs?: number;
  /** Counts raw queries sent (for metrics and tests). */
  readonly onQuery?: () => void;
  /**
   * Fills under way in this process, by SLO: a cycle's job can start before the previous one finished
   * (the first fill of a month is slow), and it must wait for that fill rather than send its own.
   */
  readonly inflight?: Map<string, Promise<unknown>>;
}

/** Tiles filled from raw series inside the current period, summed like the recorded ones. */
export type FilledTiles = TileStats;

const none: FilledTiles = { count: 0, good: 0, total: 0 };

/** `label_replace(expr, "vigil_tile_stat", "<name>", "", "")`: tells the rows of one query apart. */
function tagged(expr: Expr, name: string): Expr {
  return call('label_replace', expr, verbatim(quote(tileStatLabel)), verbatim(quote(name)), verbatim(quote('')), verbatim(quote('')));
}

/** One range query's expression: the raw good and total tile rates, and whether the tile is recorded. */
export function gapFillExpr(entry: SloCatalogEntry, tileSeconds: number): string | undefined {
  const raw = entry.rawTiles?.[String(tileSeconds)];
  if (!raw) return undefined;
  const identity = { [labels.slo]: entry.name, [labels.namespace]: entry.namespace };
  const recorded = aggregate('sum', selector(tileSeries(tileSeconds).total, identity));
  // The recording rules' own expressions, parenthesised: they are the tiles as the rules would have recorded them.
  return binary('or', binary('or', tagged(verbatim(raw.good), 'good'), tagged(verbatim(raw.total), 'total')), tagged(recorded, 'recorded')).print();
}

function parseLedger(text: string | null, tile: number, q: string): Ledger | undefined {
  if (text === null) return undefined;
  try {
    const ledger = JSON.parse(text) as Ledger;
    return ledger.v === 1 && ledger.tile === tile && ledger.q === q && Array.isArray(ledger.filled) && Array.isArray(ledger.empty) ? ledger : undefined;
  } catch {
    return undefined;
  }
}

/** Cheap fingerprint of the raw expressions (not security relevant: it only detects a changed SLI). */
function fingerprint(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36) + text.length.toString(36);
}

function inPeriod(plan: PeriodTiles, t: number): boolean {
  return t > plan.startMs && t <= plan.endMs;
}

function sumFilled(ledger: Ledger, plan: PeriodTiles): FilledTiles {
  let count = 0;
  let good = 0;
  let total = 0;
  for (const [t, g, n] of ledger.filled) {
    if (!inPeriod(plan, t)) continue;
    count++;
    good += g;
    total += n;
  }
  return { count, good, total };
}

/**
 * The tiles of the period at `plan` that the recordings lack and the raw series can supply. Sends at
 * most one bounded range query (for this SLO), only when the ledger does not already explain every
 * missing tile.
 */
export async function fillPeriodGaps(ctx: GapFillContext, entry: SloCatalogEntry, plan: PeriodTiles, recorded: TileStats): Promise<FilledTiles> {
  const key = sloKey(entry);
  const running = ctx.inflight?.get(key);
  if (running) await running.catch(() => undefined);
  const work = fill(ctx, entry, plan, recorded);
  ctx.inflight?.set(key, work);
  try {
    return await work;
  } finally {
    if (ctx.inflight?.get(key) === work) ctx.inflight.delete(key);
  }
}

async function fill(ctx: GapFillContext, entry: SloCatalogEntry, plan: PeriodTiles, recorded: TileStats): Promise<FilledTiles> {
  const missing = plan.expected - recorded.count;
  if (missing <= 0) return none;
  const expr = gapFillExpr(entry, plan.tileSeconds);
  if (!expr) return none;
  const key = gapFillKey(sloKey(entry));
  const q = fingerprint(expr);
  const tileMs = plan.tileSeconds * 1000;
  let ledger = parseLedger(await ctx.redis.get(key), plan.tileSeconds, q);
  if (ledger) {
    const filled = sumFilled(ledger, plan);
    const empty = ledger.empty.filter((t) => inPeriod(plan, t)).length;
    // More tiles than the period holds: some filled ones have been recorded since. Start over.
    if (recorded.count + filled.count > plan.expected) ledger = undefined;
    else if (filled.count + empty >= missing || ctx.now() - ledger.at < (ctx.recheckMs ?? 3_600_000)) return filled;
  }
  // Look only where the ledger has not looked: a new gap at the end, or the whole period the first time.
  const from = ledger && ledger.from <= plan.startMs ? Math.max(plan.startMs, ledger.until) : plan.startMs;
  const fresh: Array<readonly [number, number, number]> = [];
  const freshEmpty: number[] = [];
  if (from < plan.endMs) {
    ctx.onQuery?.();
    const rows = await ctx.reader.rangeQuery(expr, from + tileMs, plan.endMs, tileMs);
    const byStat = new Map<string, Map<number, number>>();
    for (const row of rows) {
      const stat = row.labels[tileStatLabel] ?? '';
      const points = byStat.get(stat) ?? new Map<number, number>();
      for (const [t, v] of row.points) if (Number.isFinite(v)) points.set(t, (points.get(t) ?? 0) + v);
      byStat.set(stat, points);
    }
    const recordedAt = byStat.get('recorded') ?? new Map();
    const goodAt = byStat.get('good') ?? new Map();
    const totalAt = byStat.get('total') ?? new Map();
    for (let t = from + tileMs; t <= plan.endMs; t += tileMs) {
      if (recordedAt.has(t)) continue;
      const total = totalAt.get(t);
      if (total === undefined) freshEmpty.push(t);
      else fresh.push([t, goodAt.get(t) ?? 0, total]);
    }
  }
  const keep = <T extends number | readonly [number, number, number]>(list: readonly T[]) => list.filter((x) => (typeof x === 'number' ? x : x[0]) > plan.startMs);
  const next: Ledger = {
    v: 1,
    tile: plan.tileSeconds,
    q,
    from: ledger && ledger.from <= plan.startMs ? ledger.from : plan.startMs,
    until: plan.endMs,
    at: ctx.now(),
    filled: [...keep(ledger?.filled ?? []), ...fresh],
    empty: [...keep(ledger?.empty ?? []), ...freshEmpty],
  };
  // Kept for one period: by then every tile it holds has left the period.
  await ctx.redis.set(key, JSON.stringify(next), 'PX', Math.max(tileMs, plan.endMs - plan.startMs) + 86_400_000);
  return sumFilled(next, plan);
}
