/**
 * Error-budget arithmetic for one SLO at one instant. Pure: readonly plain data in, a new object out,
 * time as an argument.
 *
 * Definitions (the budget is the share of events allowed to fail, `1 - objective`):
 * - rolling period P: consumed = errorRatio(P) / (1 - objective).
 * - calendar period [start, end): only the elapsed part has happened. The period's budget is
 *   `(1 - objective) × (events of the whole period)`, and the whole period's traffic is projected from
 *   the elapsed part at the same rate, so consumed = errorRatio(elapsed) × elapsed / (end - start)
 *   / (1 - objective). It starts each period at 0 and reaches errorRatio/(1 - objective) at the end, as
 *   the rolling figure does.
 * - compliance = 1 - errorRatio over the (elapsed) period; remaining = 1 - consumed (negative when
 *   overspent).
 * - burn rate over window W = errorRatio(W) / (1 - objective): 1 spends exactly the budget in one period.
 * - time to exhaustion at the current burn rate b (window `currentBurnWindow`): a burn rate of 1 spends
 *   one budget per period length L, so it is remaining × L / b; 0 when already spent, +Inf when b = 0.
 * Missing data (no traffic, or a series not recorded yet) stays undefined: never a fabricated zero.
 *
 * Coverage: every period figure is a sum of recorded tiles, so it is only as complete as the tiles that
 * exist. `coverage` is the share of the period's tiles behind the figure (recorded, plus any filled from
 * the raw series), `recordedCoverage` the share of recorded tiles alone; a figure whose coverage is below
 * `partialCoverageBelow` is `partial`: it describes part of the period only and must be shown as such.
 */
import { calendarPeriod, type CalendarLength } from './calendar.js';
import { currentBurnWindow } from './series-names.js';

export type SloPeriod =
  | { readonly kind: 'rolling'; readonly seconds: number }
  | { readonly kind: 'calendar'; readonly length: CalendarLength; readonly timeZone: string };

export interface BudgetInput {
  /** Target ratio of good events, e.g. 0.999 for a goal of "99.9". */
  readonly objective: number;
  readonly period: SloPeriod;
  /** Error ratio over the rolling period, or over the elapsed part of the calendar period. */
  readonly periodErrorRatio: number | undefined;
  /** Error ratio per canonical window (`5m`, `1h`, …); undefined when Prometheus had no value. */
  readonly windowErrorRatios: Readonly<Record<string, number | undefined>>;
  /** Share (0..1) of the period's tiles behind `periodErrorRatio`; undefined when not measured. */
  readonly coverage?: number | undefined;
  /** Share of the period's tiles that are recorded (before any fill from raw series). */
  readonly recordedCoverage?: number | undefined;
}

export interface BudgetState {
  readonly compliance: number | undefined;
  readonly consumed: number | undefined;
  readonly remaining: number | undefined;
  /** Burn rate per window that had data. */
  readonly burnRates: Readonly<Record<string, number>>;
  readonly timeToExhaustionSeconds: number | undefined;
  /** Period bounds (epoch ms); rolling periods end now. */
  readonly periodStartMs: number;
  readonly periodEndMs: number;
  /** Share of the period that has elapsed (1 for rolling periods). */
  readonly elapsedRatio: number;
  /** Share of the (elapsed) period the figures cover; undefined when not measured. */
  readonly coverage: number | undefined;
  /** Share of the (elapsed) period covered by Vigil's own recordings alone. */
  readonly recordedCoverage: number | undefined;
  /** True when coverage is below `partialCoverageBelow`: the figures describe part of the period only. */
  readonly partial: boolean;
}

/** Below this coverage a period figure is partial (99 %: about 7 hours of a 30-day period missing). */
export const partialCoverageBelow = 0.99;

/** The share of `expected` tiles that `present` tiles make, clamped to [0, 1]; undefined without a period. */
export function coverageRatio(present: number, expected: number): number | undefined {
  if (!(expected > 0)) return undefined;
  return Math.min(1, Math.max(0, present / expected));
}

/** The budget share allowed to fail; throws for an objective outside (0, 1): that is a bug upstream. */
export function budgetRatio(objective: number): number {
  if (!(objective > 0 && objective < 1)) throw new RangeError(`objective must be in (0, 1), got ${objective}`);
  return 1 - objective;
}

export function burnRate(errorRatio: number, objective: number): number {
  return errorRatio / budgetRatio(objective);
}

/** Period bounds at `nowMs` (rolling: [now - length, now]). */
export function periodBounds(period: SloPeriod, nowMs: number): { startMs: number; endMs: number; elapsedRatio: number } {
  if (period.kind === 'rolling') return { startMs: nowMs - period.seconds * 1000, endMs: nowMs, elapsedRatio: 1 };
  const { startMs, endMs } = calendarPeriod(period.length, period.timeZone, nowMs);
  return { startMs, endMs, elapsedRatio: (nowMs - startMs) / (endMs - startMs) };
}

export function timeToExhaustion(remaining: number, burn: number, periodSeconds: number): number {
  if (remaining <= 0) return 0;
  if (burn <= 0) return Number.POSITIVE_INFINITY;
  return (remaining * periodSeconds) / burn;
}

const usable = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);

export function budgetState(input: BudgetInput, nowMs: number): BudgetState {
  const budget = budgetRatio(input.objective);
  const { startMs, endMs, elapsedRatio } = periodBounds(input.period, nowMs);
  const periodSeconds = input.period.kind === 'rolling' ? input.period.seconds : (endMs - startMs) / 1000;
  const burnRates: Record<string, number> = {};
  for (const [window, ratio] of Object.entries(input.windowErrorRatios)) {
    if (usable(ratio)) burnRates[window] = ratio / budget;
  }
  const ratio = input.periodErrorRatio;
  const coverage = usable(input.coverage) ? input.coverage : undefined;
  const covered = {
    coverage,
    recordedCoverage: usable(input.recordedCoverage) ? input.recordedCoverage : coverage,
    partial: coverage !== undefined && coverage < partialCoverageBelow,
  };
  if (!usable(ratio)) {
    return { compliance: undefined, consumed: undefined, remaining: undefined, burnRates, timeToExhaustionSeconds: undefined, periodStartMs: startMs, periodEndMs: endMs, elapsedRatio, ...covered };
  }
  const consumed = (ratio * elapsedRatio) / budget;
  const remaining = 1 - consumed;
  const current = burnRates[currentBurnWindow];
  return {
    compliance: 1 - ratio,
    consumed,
    remaining,
    burnRates,
    timeToExhaustionSeconds: current === undefined ? undefined : timeToExhaustion(remaining, current, periodSeconds),
    periodStartMs: startMs,
    periodEndMs: endMs,
    elapsedRatio,
    ...covered,
  };
}

export type AlertState = 'inactive' | 'pending' | 'firing';

/** One `ALERTS{alertname="VigilErrorBudgetBurn"}` series, reduced to what matters. */
export interface AlertSample {
  readonly policy: string;
  readonly alertstate: string;
}

/** Each policy's alert state: firing beats pending beats inactive (several window pairs per policy). */
export function policyAlertStates(policies: readonly string[], samples: readonly AlertSample[]): Record<string, AlertState> {
  const out: Record<string, AlertState> = Object.fromEntries(policies.map((p) => [p, 'inactive' as AlertState]));
  for (const s of samples) {
    if (!(s.policy in out)) continue;
    if (s.alertstate === 'firing') out[s.policy] = 'firing';
    else if (s.alertstate === 'pending' && out[s.policy] !== 'firing') out[s.policy] = 'pending';
  }
  return out;
}

/** Objective from a goal in percent as written in the SLO ("99.9" → 0.999), rounded to kill float noise. */
export function objectiveFromGoal(goal: string | number): number {
  const value = Number(goal);
  if (!Number.isFinite(value) || value <= 0 || value >= 100) throw new RangeError(`goal must be a percentage in (0, 100), got ${JSON.stringify(goal)}`);
  return Number((value / 100).toPrecision(12));
}
