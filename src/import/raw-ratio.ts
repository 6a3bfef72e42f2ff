/**
 * A raw error-ratio SLI (Sloth's `raw.error_ratio_query`, OpenSLO's `ratioMetric.raw`) as good and total
 * events Vigil can compose into longer windows exactly.
 *
 * The source tools read the ratio over each window directly: for 3d, the query with a 3d range, which for an
 * average of samples (`avg_over_time`, or `sum(sum_over_time(x[w])) / sum(count_over_time(x[w]))` as in
 * Sloth's raw-home-wifi) is the average over the samples that exist in the window. Vigil reads raw series
 * only up to 1h and composes longer windows of recorded pieces (README "Windows"), so each piece must carry
 * its weight: the number of samples its ratio averages. Good = (1 − ratio) × samples, total = samples, where
 * samples is `count_over_time` of the range the query averages. A composed window is then Σ good ÷ Σ total
 * = the average over every sample in it, where a ratio of a total of 1 counted the hour holding the first
 * samples as a full hour.
 *
 * Ranges read `{{SLO.PeriodMinus1ms}}`, (t − W, t] on every engine: Prometheus 2's closed ranges would
 * count a sample on the boundary of two adjacent pieces in both.
 */
import { checkPromql, rangeReadsOf } from '../promql/parse.js';

const PERIOD = /\{\{\s*SLO\.Period\s*\}\}/g;
const HALF_OPEN = '{{SLO.PeriodMinus1ms}}';
/** A duration no real query spells, standing in for the window so the query parses. */
const STAND_IN = '7919191ms';

export interface RawRatioQueries {
  readonly good: string;
  readonly total: string;
  /** How the SLI was translated, for the template's comment. */
  readonly kind: string;
}

/**
 * `query` is the ratio with `{{SLO.Period}}` as its window; `meaning` says whether it counts errors (Sloth,
 * OpenSLO's default) or successes (OpenSLO `rawType: success`).
 */
export function rawRatioQueries(query: string, meaning: 'error' | 'success'): RawRatioQueries {
  const ratio = query.replace(PERIOD, HALF_OPEN);
  const good = meaning === 'error' ? `1 - (${ratio})` : `(${ratio})`;
  const samples = sampleCount(query);
  if (samples === undefined) {
    // No range over the window to count (or a query that does not parse, which validation then reports):
    // each piece weighs the same, a time-weighted mean of the pieces' ratios.
    return { good, total: `(${ratio}) * 0 + 1`, kind: `raw ${meaning} ratio: good = ${meaning === 'error' ? '1 - ratio' : 'ratio'} of a total of 1` };
  }
  // `on () group_left ()`: the ratio may keep labels (one series per label set), the count is one series;
  // `(ratio) * 0 +` keeps the total's series those of the ratio, so no data stays no data.
  const weighted = (expr: string) => `${expr} * on () group_left () (${samples})`;
  return {
    good: weighted(meaning === 'error' ? `(1 - (${ratio}))` : `(${ratio})`),
    total: `(${ratio}) * 0 + on () group_left () (${samples})`,
    kind: `raw ${meaning} ratio weighted by its samples: good = ${meaning === 'error' ? '(1 - ratio)' : 'ratio'} × samples, total = samples`,
  };
}

/**
 * `sum(count_over_time(R))` for each distinct range R over the window in the query (a matrix selector or a
 * subquery, with its `offset` and `@`), added up; undefined when there is none.
 */
function sampleCount(query: string): string | undefined {
  if (query.includes(STAND_IN)) return undefined;
  const parseable = query.replace(PERIOD, STAND_IN);
  if (!checkPromql(parseable).ok) return undefined;
  const ranges = rangeReadsOf(parseable, STAND_IN).map((read) => read.replaceAll(STAND_IN, HALF_OPEN));
  if (ranges.length === 0) return undefined;
  return ranges.map((range) => `sum(count_over_time(${range}))`).join(' + ');
}
