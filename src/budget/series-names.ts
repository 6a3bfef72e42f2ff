/**
 * The recorded series and alert names the budget worker reads, taken from the rule generator's names
 * module (src/rules/names.ts, ARCHITECTURE.md "Public names"); the worker spells them nowhere else.
 */
import { alertName, labels as ruleLabels, series as ruleSeries } from '../rules/names.js';
import { STANDARD_WINDOWS_MS } from '../rules/windows.js';
import { formatDuration, parseDuration } from '../model/duration.js';

export const labels = { slo: ruleLabels.slo, namespace: ruleLabels.namespace, service: ruleLabels.service, policy: ruleLabels.policy } as const;

export const series = {
  sliGoodRate5m: ruleSeries.sliGood(300_000),
  sliTotalRate5m: ruleSeries.sliTotal(300_000),
  errorRatioPeriod: ruleSeries.errorRatioPeriod,
  objective: ruleSeries.objective,
  budgetRemaining: ruleSeries.errorBudgetRemaining,
  /** `vigil:slo_error_ratio:rate<W>` for a window such as `1h` (any spelling: `60m` names the same series). */
  errorRatio(window: string): string {
    const parsed = parseDuration(window);
    if (!parsed.ok) throw new RangeError(`not a Prometheus duration: ${JSON.stringify(window)}`);
    return ruleSeries.errorRatio(parsed.ms);
  },
} as const;

export const burnAlertName = alertName;

/** The windows every SLO records (the generator's standard set); their burn rates are always reported. */
export const defaultWindows: readonly string[] = STANDARD_WINDOWS_MS.map((ms) => formatDuration(ms));

/** The window whose burn rate drives time to exhaustion ("current burn rate"). */
export const currentBurnWindow = '1h';

/** The tile (step) of calendar-period sums: the raw recorded rate window. */
export const calendarTileSeconds = 300;

/** The recorded good/total rate series whose samples are the tiles of `tileSeconds` (300 → rate5m, 3600 → rate1h). */
export function tileSeries(tileSeconds: number): { readonly good: string; readonly total: string } {
  return { good: ruleSeries.sliGood(tileSeconds * 1000), total: ruleSeries.sliTotal(tileSeconds * 1000) };
}

/** Label telling apart the count, good and total rows of a period-tiles query. */
export const tileStatLabel = 'vigil_tile_stat';
