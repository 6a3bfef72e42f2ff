/**
 * The recorded series and alert names the budget worker reads. They are the rule generator's public
 * names (DESIGN.md "Public names"); this module is the only place the worker spells them.
 */
import { canonicalWindow } from './duration.js';

export const labels = { slo: 'slo', namespace: 'namespace', service: 'service', policy: 'policy' } as const;

export const series = {
  sliGoodRate5m: 'vigil:sli_good:rate5m',
  sliTotalRate5m: 'vigil:sli_total:rate5m',
  errorRatioPeriod: 'vigil:slo_error_ratio:period',
  objective: 'vigil:slo_objective:ratio',
  budgetRemaining: 'vigil:slo_error_budget_remaining:ratio',
  /** `vigil:slo_error_ratio:rate<W>` for a window such as `1h`. */
  errorRatio(window: string): string {
    return `vigil:slo_error_ratio:rate${canonicalWindow(window)}`;
  },
} as const;

export const burnAlertName = 'VigilErrorBudgetBurn';

/** The windows the default policy set (Google SRE workbook) needs; always computed. */
export const defaultWindows: readonly string[] = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];

/** The window whose burn rate drives time to exhaustion ("current burn rate"). */
export const currentBurnWindow = '1h';

/** The tile (step) of calendar-period sums: the raw recorded rate window. */
export const calendarTileSeconds = 300;
