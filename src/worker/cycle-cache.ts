/**
 * Per-cycle memo of Prometheus query results, split by SLO.
 *
 * Why: each SLO has its own job scheduler (so BullMQ spreads, retries and shards the work per SLO), but
 * querying per SLO would cost SLOs × windows queries. Every job of a cycle evaluates its queries at the
 * same instant (the cycle start), so the first job that needs `vigil:slo_error_ratio:rate1h` at that
 * instant queries it for all SLOs, and every other job in this process awaits the same promise and
 * picks its own row. Prometheus load per cycle is therefore (distinct queries) × (worker replicas),
 * independent of the number of SLOs. In-process rather than shared in Redis: a result for 10,000 SLOs
 * is ~1 MB, which each job would otherwise re-read from Redis, and replicas are few.
 *
 * A failed query is remembered briefly (`failureTtlMs`) so that thousands of jobs do not each hit a
 * Prometheus that is down; they fail, and BullMQ retries them with backoff.
 */
import type { AlertSample } from '../budget/budget.js';
import { labels, tileStatLabel } from '../budget/series-names.js';
import type { MetricsReader, VectorSample } from '../prometheus/prometheus-reader.js';

/** Recorded tiles of a period for one SLO: how many, and the sums of their good and total rates. */
export interface TileStats {
  readonly count: number;
  readonly good: number;
  readonly total: number;
}

interface Entry {
  readonly cycle: number;
  readonly promise: Promise<Map<string, VectorSample[]>>;
}

export interface CycleCacheOptions {
  readonly failureTtlMs?: number;
  readonly cycleMs: number;
  /** Wall clock: results are shared within one cycle (`floor(now / cycleMs)`) and never across (but tileStats). */
  readonly now: () => number;
  /** Longest a period-tiles answer is reused (default 1 h): recordings backfilled into the past show after it. */
  readonly tileKeepMs?: number;
}

export class CycleQueryCache {
  readonly #reader: MetricsReader;
  readonly #options: CycleCacheOptions;
  readonly #entries = new Map<string, Entry>();
  /** Period-tiles answers, kept across cycles (see tileStats). */
  readonly #kept = new Map<string, { readonly expr: string; readonly atMs: number; readonly sentMs: number; readonly promise: Promise<Map<string, VectorSample[]>> }>();
  /** Queries actually sent (for the benchmark and tests). */
  queriesSent = 0;
  /** Queries sent per cycle index, for the last few cycles. */
  readonly queriesPerCycle = new Map<number, number>();

  constructor(reader: MetricsReader, options: CycleCacheOptions) {
    this.#reader = reader;
    this.#options = options;
  }

  /** Samples of `expr` at `evalTimeMs`, grouped by `namespace/slo`. */
  bySlo(expr: string, evalTimeMs: number): Promise<Map<string, VectorSample[]>> {
    const cycle = Math.floor(this.#options.now() / this.#options.cycleMs);
    this.#evict(cycle);
    const key = `${cycle}\u0000${evalTimeMs}\u0000${expr}`;
    const hit = this.#entries.get(key);
    if (hit) return hit.promise;
    this.queriesSent++;
    this.queriesPerCycle.set(cycle, (this.queriesPerCycle.get(cycle) ?? 0) + 1);
    for (const c of this.queriesPerCycle.keys()) if (c < cycle - 10) this.queriesPerCycle.delete(c);
    const promise = this.#reader.instantQuery(expr, evalTimeMs).then(groupBySlo);
    this.#entries.set(key, { cycle, promise });
    promise.catch(() => {
      setTimeout(() => {
        if (this.#entries.get(key)?.promise === promise) this.#entries.delete(key);
      }, this.#options.failureTtlMs ?? 1000).unref();
    });
    return promise;
  }

  /** One SLO's value of a query that yields one series per SLO; undefined when absent or NaN. */
  async value(expr: string, evalTimeMs: number, sloKey: string): Promise<number | undefined> {
    const samples = (await this.bySlo(expr, evalTimeMs)).get(sloKey);
    const value = samples?.[0]?.value;
    return value === undefined || Number.isNaN(value) ? undefined : value;
  }

  /**
   * One SLO's row of a period-tiles query evaluated at its last tile's end: recorded tiles and their good/total
   * sums (zeros when absent). Kept across cycles while that tile end stays the newest (the answer cannot change
   * but for recordings written into the past, e.g. by `vigil backfill`: those show within `tileKeepMs`).
   */
  async tileStats(expr: string, tileEndMs: number, sloKey: string): Promise<TileStats> {
    const samples = (await this.#acrossCycles(expr, tileEndMs)).get(sloKey) ?? [];
    const stat = (name: string) => {
      const value = samples.find((s) => s.labels[tileStatLabel] === name)?.value;
      return value === undefined || !Number.isFinite(value) ? 0 : value;
    };
    return { count: stat('count'), good: stat('good'), total: stat('total') };
  }

  async alerts(expr: string, evalTimeMs: number, sloKey: string): Promise<AlertSample[]> {
    const samples = (await this.bySlo(expr, evalTimeMs)).get(sloKey) ?? [];
    return samples.map((s) => ({ policy: s.labels[labels.policy] ?? '', alertstate: s.labels.alertstate ?? '' }));
  }

  #acrossCycles(expr: string, atMs: number): Promise<Map<string, VectorSample[]>> {
    const nowMs = this.#options.now();
    for (const [key, entry] of this.#kept) if (nowMs - entry.sentMs > (this.#options.tileKeepMs ?? 3_600_000) || (entry.expr === expr && entry.atMs < atMs)) this.#kept.delete(key);
    const key = `${atMs}\u0000${expr}`;
    const hit = this.#kept.get(key);
    if (hit) return hit.promise;
    this.queriesSent++;
    const cycle = Math.floor(nowMs / this.#options.cycleMs);
    this.queriesPerCycle.set(cycle, (this.queriesPerCycle.get(cycle) ?? 0) + 1);
    const promise = this.#reader.instantQuery(expr, atMs).then(groupBySlo);
    this.#kept.set(key, { expr, atMs, sentMs: nowMs, promise });
    promise.catch(() => {
      setTimeout(() => {
        if (this.#kept.get(key)?.promise === promise) this.#kept.delete(key);
      }, this.#options.failureTtlMs ?? 1000).unref();
    });
    return promise;
  }

  #evict(cycle: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.cycle < cycle) this.#entries.delete(key);
    }
  }
}

function groupBySlo(samples: VectorSample[]): Map<string, VectorSample[]> {
  const out = new Map<string, VectorSample[]>();
  for (const s of samples) {
    const slo = s.labels[labels.slo];
    const namespace = s.labels[labels.namespace];
    if (slo === undefined || namespace === undefined) continue;
    const key = `${namespace}/${slo}`;
    const list = out.get(key);
    if (list) list.push(s);
    else out.set(key, [s]);
  }
  return out;
}
