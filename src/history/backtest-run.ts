/**
 * Backtest adapter: fetches one SLO's 5m tile rates over a range with one range query (split into
 * requests of at most 10,000 steps, Prometheus's per-series limit), whatever the number of policies, and
 * replays each policy set over it with the pure core (src/budget/backtest.ts). The recorded tiles
 * (`vigil:sli_*:rate5m`) are read by default; where they cover less of the range than the SLO's raw
 * series do (a new SLO, no `vigil backfill` yet), the tile recordings' raw expressions are read instead.
 */
import { backtest, type BacktestPolicy, type BacktestReport, type BacktestSeries } from '../budget/backtest.js';
import { labels, tileSeries, tileStatLabel } from '../budget/series-names.js';
import type { SloCatalogEntry, SloPolicy } from '../budget/slo.js';
import { durationSeconds } from './duration-seconds.js';
import { aggregate, binary, call, selector, verbatim, type Expr } from '../promql/builder.js';
import { quote } from '../promql/escape.js';

const TILE_MS = 300_000;
const MAX_STEPS = 10_000;
const PARALLEL_REQUESTS = 4;

/** A range query: [epoch ms, value] points per series. */
export type RangeFetcher = (expr: string, startMs: number, endMs: number, stepMs: number) => Promise<ReadonlyArray<{ readonly labels: Readonly<Record<string, string>>; readonly points: ReadonlyArray<readonly [number, number]> }>>;

export class BacktestError extends Error {
  readonly code: 'NO_DATA' | 'INVALID_RANGE';
  constructor(code: 'NO_DATA' | 'INVALID_RANGE', message: string) {
    super(message);
    this.name = 'BacktestError';
    this.code = code;
  }
}

export interface PolicySet {
  readonly name: string;
  readonly policies: readonly SloPolicy[];
}

export interface BacktestRequest {
  readonly entry: SloCatalogEntry;
  readonly objective: number;
  readonly periodSeconds: number;
  readonly sets: readonly PolicySet[];
  readonly rangeSeconds: number;
  /** End of the range (epoch ms; rounded down to the step). */
  readonly endMs: number;
  /** Evaluation step (default 30 s, the rules' short group interval). */
  readonly stepMs?: number;
  readonly source?: 'recorded' | 'raw' | 'auto';
}

export interface BacktestOutcome {
  readonly source: 'recorded' | 'raw';
  readonly stepMs: number;
  readonly fromMs: number;
  readonly toMs: number;
  readonly sets: ReadonlyArray<{ readonly name: string; readonly report: BacktestReport }>;
  /** Prometheus requests sent (a query split into chunks counts each chunk). */
  readonly requests: number;
}

const tagged = (expr: Expr, name: string): Expr => call('label_replace', expr, verbatim(quote(tileStatLabel)), verbatim(quote(name)), verbatim(quote('')), verbatim(quote('')));

/** The one expression per SLO: its good and total 5m tile rates, told apart by `vigil_tile_stat`. */
export function tileRatesExpr(entry: SloCatalogEntry, source: 'recorded' | 'raw'): string | undefined {
  if (source === 'raw') {
    const raw = entry.rawTiles?.['300'];
    return raw ? binary('or', tagged(verbatim(raw.good), 'good'), tagged(verbatim(raw.total), 'total')).print() : undefined;
  }
  const identity = { [labels.slo]: entry.name, [labels.namespace]: entry.namespace };
  const { good, total } = tileSeries(300);
  return binary('or', tagged(aggregate('sum', selector(good, identity)), 'good'), tagged(aggregate('sum', selector(total, identity)), 'total')).print();
}

export function toBacktestPolicy(p: SloPolicy): BacktestPolicy {
  const seconds = (w: string | undefined) => (w === undefined ? 0 : (durationSeconds(w) ?? 0));
  return { name: p.name, severity: p.severity, threshold: p.threshold, longWindowSeconds: seconds(p.lookBackWindow), shortWindowSeconds: seconds(p.secondaryWindow), forSeconds: seconds(p.for) };
}

async function fetchSeries(fetch: RangeFetcher, expr: string, startMs: number, endMs: number, stepMs: number): Promise<{ series: BacktestSeries; requests: number }> {
  const n = Math.round((endMs - startMs) / stepMs) + 1;
  const good = new Float64Array(n).fill(Number.NaN);
  const total = new Float64Array(n).fill(Number.NaN);
  const chunks: Array<[number, number]> = [];
  for (let from = startMs; from <= endMs; from += MAX_STEPS * stepMs) chunks.push([from, Math.min(endMs, from + (MAX_STEPS - 1) * stepMs)]);
  // A few chunks at a time: Prometheus evaluates them in parallel, and a month is ten of them at 30 s.
  const results: Array<Awaited<ReturnType<RangeFetcher>>> = [];
  for (let i = 0; i < chunks.length; i += PARALLEL_REQUESTS) {
    results.push(...(await Promise.all(chunks.slice(i, i + PARALLEL_REQUESTS).map(([from, to]) => fetch(expr, from, to, stepMs)))));
  }
  const requests = chunks.length;
  for (const rows of results) {
    for (const row of rows) {
      const target = row.labels[tileStatLabel] === 'good' ? good : row.labels[tileStatLabel] === 'total' ? total : undefined;
      if (!target) continue;
      for (const [t, v] of row.points) {
        const i = Math.round((t - startMs) / stepMs);
        if (i >= 0 && i < n && Number.isFinite(v)) target[i] = v;
      }
    }
  }
  return { series: { startMs, stepMs, good, total }, requests };
}

const coverageOf = (s: BacktestSeries) => {
  let covered = 0;
  for (let i = 0; i < s.total.length; i++) if (Number.isFinite(s.total[i]!)) covered++;
  return s.total.length > 0 ? covered / s.total.length : 0;
};

export async function runBacktest(fetch: RangeFetcher, request: BacktestRequest): Promise<BacktestOutcome> {
  const stepMs = request.stepMs ?? 30_000;
  if (!(stepMs > 0) || TILE_MS % stepMs !== 0) throw new BacktestError('INVALID_RANGE', `step ${stepMs / 1000}s must divide 5 minutes (e.g. 15s, 30s, 1m)`);
  if (!(request.rangeSeconds >= 3600)) throw new BacktestError('INVALID_RANGE', 'range must be at least 1h');
  const toMs = Math.floor(request.endMs / stepMs) * stepMs;
  const fromMs = toMs - request.rangeSeconds * 1000;
  // Windows need history before the first replayed instant: the longest window of any policy.
  const longest = Math.max(3600, ...request.sets.flatMap((s) => s.policies.map((p) => durationSeconds(p.lookBackWindow) ?? 0)));
  const historyFrom = Math.floor((fromMs - longest * 1000) / TILE_MS) * TILE_MS;
  let requests = 0;
  const load = async (source: 'recorded' | 'raw') => {
    const expr = tileRatesExpr(request.entry, source);
    if (!expr) return undefined;
    const fetched = await fetchSeries(fetch, expr, historyFrom, toMs, stepMs);
    requests += fetched.requests;
    return { source, series: fetched.series, coverage: coverageOf(fetched.series) };
  };
  const wanted = request.source ?? 'auto';
  let chosen = await load(wanted === 'raw' ? 'raw' : 'recorded');
  if (wanted === 'auto' && chosen && chosen.coverage < 0.99 && request.entry.rawTiles?.['300']) {
    const raw = await load('raw');
    if (raw && raw.coverage > chosen.coverage) chosen = raw;
  }
  if (!chosen || chosen.coverage === 0) {
    const slo = `${request.entry.namespace}/${request.entry.name}`;
    throw new BacktestError(
      'NO_DATA',
      `no data for SLO ${slo} between ${new Date(historyFrom).toISOString()} and ${new Date(toMs).toISOString()}: neither its recordings (vigil:sli_*:rate5m) nor its raw series${request.entry.rawTiles ? '' : ' (not known to this caller)'} have samples there`,
    );
  }
  const series = chosen.series;
  return {
    source: chosen.source,
    stepMs,
    fromMs,
    toMs,
    requests,
    sets: request.sets.map((set) => ({
      name: set.name,
      report: backtest(series, set.policies.map(toBacktestPolicy), { objective: request.objective, periodSeconds: request.periodSeconds, fromMs }),
    })),
  };
}

/**
 * A lean range fetcher over Prometheus's HTTP API for the CLI: values are parsed straight from the JSON
 * arrays (a month at 30 s is 170,000 points per SLO; the general reader builds a Date per point).
 */
export function httpRangeFetcher(url: string, timeoutMs = 60_000): RangeFetcher {
  const base = url.replace(/\/+$/, '');
  return async (expr, startMs, endMs, stepMs) => {
    const params = new URLSearchParams({ query: expr, start: String(startMs / 1000), end: String(endMs / 1000), step: String(stepMs / 1000), timeout: `${Math.floor(timeoutMs / 1000)}s` });
    const response = await fetch(`${base}/api/v1/query_range`, { method: 'POST', body: params, signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json().catch(() => ({ status: 'error', error: `HTTP ${response.status}` }))) as {
      status: string;
      error?: string;
      data?: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
    };
    if (body.status !== 'success' || !body.data) throw new Error(`Prometheus range query failed: ${body.error ?? `HTTP ${response.status}`}`);
    return body.data.result.map((s) => ({ labels: s.metric, points: s.values.map(([t, v]) => [Math.round(t * 1000), Number(v)] as const) }));
  };
}
