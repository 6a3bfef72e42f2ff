/**
 * Burn rates of one SLO for the windows a caller asks for: from the worker's fresh result where it has the
 * window, else one instant query of `vigil:slo_error_ratio:rate<W>` for all the missing windows together.
 */
import { formatDuration, parseDuration } from '../../model/duration.js';
import { series } from '../../budget/series-names.js';
import { binary, selector, type Expr } from '../../promql/builder.js';
import type { ApiContext } from '../context.js';
import type { StoredResult } from './budget-results.js';
import type { SloView } from './slo-index.js';
import { apiError } from '../errors.js';

export interface WindowBurnRate {
  readonly window: string;
  /** Undefined when neither the result nor Prometheus has the window. */
  readonly errorRatio: number | undefined;
  readonly burnRate: number | undefined;
  readonly source: 'results' | 'prometheus';
}

/** Canonical windows (`60m` → `1h`), deduplicated; throws INVALID_WINDOW for anything that is not a whole-second duration. */
export function canonicalWindows(asked: readonly string[]): string[] {
  const windows = asked.map((w) => {
    const parsed = parseDuration(w);
    if (!parsed.ok || parsed.ms <= 0 || parsed.ms % 1000 !== 0) throw apiError('INVALID_WINDOW', `window "${w}" is not a duration; use e.g. 5m, 1h, 6h or 3d`, { window: w });
    return formatDuration(parsed.ms);
  });
  return [...new Set(windows)];
}

export async function lookUpBurnRates(ctx: ApiContext, view: SloView, stored: StoredResult | undefined, windows: readonly string[]): Promise<WindowBurnRate[]> {
  const budget = 1 - view.objective;
  const fromResults = stored?.fresh ? stored.result.state.burnRates : {};
  const missing = windows.filter((w) => fromResults[w] === undefined);
  const queried = new Map<string, number>();
  if (missing.length > 0) {
    const identity = { slo: view.name, namespace: view.namespace };
    const [first, ...rest] = missing.map((w): Expr => selector(series.errorRatio(w), identity));
    const expr = rest.reduce((a, b) => binary('or', a, b), first!);
    for (const s of await ctx.prometheus.instant(expr.print(), ctx.now())) {
      const window = missing.find((w) => series.errorRatio(w) === s.name);
      if (window && Number.isFinite(s.value)) queried.set(window, s.value);
    }
  }
  return windows.map((window) => {
    const rate = fromResults[window];
    if (rate !== undefined) return { window, burnRate: rate, errorRatio: rate * budget, source: 'results' };
    const ratio = queried.get(window);
    return { window, burnRate: ratio === undefined ? undefined : ratio / budget, errorRatio: ratio, source: 'prometheus' };
  });
}
