/**
 * Alerting strategy: for each burn-rate policy, when it first fires during an outage, and how much of the
 * error budget is gone by then. Pure, analytic (the SRE workbook's model, ch. 5).
 *
 * Model: traffic is constant; at t = 0 the error ratio steps from 0 to `e`. Over a raw window W the
 * measured error ratio at time t is e × min(t, W) / W, so the condition on W (error ratio above
 * threshold × budget, budget = 1 − objective) first holds at t_W = threshold × budget × W / e, provided
 * e > threshold × budget (otherwise never). A policy needs both windows (long L, short S < L), so the
 * condition holds from max(t_L, t_S) = t_L, and the alert fires `for` later.
 * Budget consumed by time t: e × t / (budget × P) for a period P (calendar periods: nominal length).
 * At t_L that is threshold × L / P whatever e is: the workbook's "2 % of the budget in 1 h" for 14.4×.
 */

export interface StrategyPolicy {
  readonly name: string;
  readonly threshold: number;
  readonly longWindowSeconds: number;
  readonly shortWindowSeconds: number;
  readonly forSeconds: number;
}

export interface StrategyInput {
  /** 0.999 for "99.9". */
  readonly objective: number;
  readonly periodSeconds: number;
  readonly policies: readonly StrategyPolicy[];
}

export interface DetectionPoint {
  /** Outage error ratio (0..1]. */
  readonly errorRate: number;
  /** Seconds from the start of the outage until the alert fires; null when it never does. */
  readonly detectionSeconds: number | null;
  /** Seconds until both window conditions hold (before `for`); null when never. */
  readonly conditionSeconds: number | null;
  /** Share of the period's error budget consumed when the alert fires; null when never. */
  readonly budgetConsumed: number | null;
}

export interface PolicyStrategy {
  readonly name: string;
  readonly threshold: number;
  /** Smallest outage error ratio that ever fires this policy (threshold × budget; above 1: never). */
  readonly minErrorRate: number;
  /** Share of the budget the long window consumes at the threshold: threshold × L / P. */
  readonly budgetConsumedOverLongWindow: number;
  /** Exact figures for a total outage (error ratio 1). */
  readonly totalOutage: DetectionPoint;
  readonly curve: readonly DetectionPoint[];
}

/** Error ratios of the default curve, from a total outage down to a trickle. */
export const defaultErrorRates: readonly number[] = [1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001];

const clean = (x: number) => Number(x.toPrecision(12));

export function detection(input: { objective: number; periodSeconds: number }, policy: StrategyPolicy, errorRate: number): DetectionPoint {
  if (!(input.objective > 0 && input.objective < 1)) throw new RangeError(`objective must be in (0, 1), got ${input.objective}`);
  if (!(errorRate > 0 && errorRate <= 1)) throw new RangeError(`error rate must be in (0, 1], got ${errorRate}`);
  const budget = 1 - input.objective;
  const limit = policy.threshold * budget;
  if (!(errorRate > limit)) return { errorRate, detectionSeconds: null, conditionSeconds: null, budgetConsumed: null };
  const at = (windowSeconds: number) => (limit * windowSeconds) / errorRate;
  const conditionSeconds = Math.max(at(policy.longWindowSeconds), at(policy.shortWindowSeconds));
  const detectionSeconds = conditionSeconds + policy.forSeconds;
  return {
    errorRate,
    detectionSeconds: clean(detectionSeconds),
    conditionSeconds: clean(conditionSeconds),
    budgetConsumed: clean((errorRate * detectionSeconds) / (budget * input.periodSeconds)),
  };
}

export function alertingStrategy(input: StrategyInput, errorRates: readonly number[] = defaultErrorRates): PolicyStrategy[] {
  const budget = 1 - input.objective;
  return input.policies.map((policy) => ({
    name: policy.name,
    threshold: policy.threshold,
    minErrorRate: clean(policy.threshold * budget),
    budgetConsumedOverLongWindow: clean((policy.threshold * policy.longWindowSeconds) / input.periodSeconds),
    totalOutage: detection(input, policy, 1),
    curve: [...errorRates].sort((a, b) => b - a).map((e) => detection(input, policy, e)),
  }));
}
