/**
 * The release gate: "is there budget left to ship?" for one SLO, from its budget figures. Pure.
 *
 * A gate never passes on figures it cannot trust: a stale result (the worker has not refreshed it for
 * several cycles), a figure that is missing (no result yet, no data in Prometheus for a window) or a
 * partial one (the period's recordings do not cover the whole period) is *unknown*, and unknown fails
 * unless the caller explicitly allows it (`allowUnknown`). A spent budget always fails.
 */

export interface GateCriteria {
  /** Fail when less than this share of the period's budget remains (0..1; default 0: fail only when spent). */
  readonly minBudgetRemaining: number;
  /** Fail when the burn rate over any of `windows` is above this (undefined: burn rates are not checked). */
  readonly maxBurnRate: number | undefined;
  /** Windows whose burn rates are checked against `maxBurnRate` (e.g. `1h`). */
  readonly windows: readonly string[];
  /** Pass despite unknown, stale or partial figures (default false: they fail). */
  readonly allowUnknown: boolean;
}

export const defaultGateCriteria: GateCriteria = { minBudgetRemaining: 0, maxBurnRate: undefined, windows: ['1h'], allowUnknown: false };

export interface GateInput {
  /** Whether a budget result exists at all. */
  readonly hasResult: boolean;
  /** False when the worker's result is older than its freshness limit. */
  readonly fresh: boolean;
  /** True when the period's recordings cover less of the period than required (coverage below the threshold). */
  readonly partial: boolean;
  readonly budgetRemaining: number | undefined;
  /** Burn rate per window; `undefined` (or absent) when there is no data for that window. */
  readonly burnRates: Readonly<Record<string, number | undefined>>;
}

export type GateReasonCode = 'BUDGET_SPENT' | 'BUDGET_LOW' | 'BURNING' | 'NO_RESULT' | 'STALE' | 'PARTIAL' | 'UNKNOWN_BUDGET' | 'UNKNOWN_BURN_RATE';

export interface GateReason {
  readonly code: GateReasonCode;
  /** Whether this reason makes the gate fail (unknown-kind reasons do not when unknown is allowed). */
  readonly blocking: boolean;
  readonly message: string;
}

export interface GateVerdict {
  readonly pass: boolean;
  readonly reasons: readonly GateReason[];
  /** True when some figure needed was missing, stale or partial. */
  readonly unknown: boolean;
}

const percent = (x: number) => `${(x * 100).toFixed(x !== 0 && Math.abs(x) < 0.01 ? 3 : 1)} %`;
const rate = (x: number) => `${Number(x.toPrecision(4))}×`;

export function evaluateGate(input: GateInput, criteria: GateCriteria): GateVerdict {
  const reasons: GateReason[] = [];
  const unknownReason = (code: GateReasonCode, message: string) => reasons.push({ code, blocking: !criteria.allowUnknown, message });

  if (!input.hasResult) unknownReason('NO_RESULT', 'no budget result yet: the worker has not computed this SLO');
  else if (!input.fresh) unknownReason('STALE', 'the budget result is stale: the worker has not refreshed it for several cycles');
  if (input.hasResult && input.partial) unknownReason('PARTIAL', "the period's recordings do not cover the whole period, so the budget figure is partial");

  const remaining = input.budgetRemaining;
  if (remaining === undefined || !Number.isFinite(remaining)) {
    if (input.hasResult) unknownReason('UNKNOWN_BUDGET', 'the remaining budget is unknown (no traffic in the period yet, or no data)');
  } else if (remaining <= 0) {
    reasons.push({ code: 'BUDGET_SPENT', blocking: true, message: `the error budget is spent (${percent(remaining)} remaining)` });
  } else if (remaining < criteria.minBudgetRemaining) {
    reasons.push({ code: 'BUDGET_LOW', blocking: true, message: `${percent(remaining)} of the budget remains, below the minimum ${percent(criteria.minBudgetRemaining)}` });
  }

  if (criteria.maxBurnRate !== undefined) {
    for (const window of criteria.windows) {
      const burn = input.burnRates[window];
      if (burn === undefined || !Number.isFinite(burn)) unknownReason('UNKNOWN_BURN_RATE', `the ${window} burn rate is unknown (no data for that window)`);
      else if (burn > criteria.maxBurnRate) reasons.push({ code: 'BURNING', blocking: true, message: `the ${window} burn rate is ${rate(burn)}, above the maximum ${rate(criteria.maxBurnRate)}` });
    }
  }

  const unknown = reasons.some((r) => ['NO_RESULT', 'STALE', 'PARTIAL', 'UNKNOWN_BUDGET', 'UNKNOWN_BURN_RATE'].includes(r.code));
  return { pass: !reasons.some((r) => r.blocking), reasons, unknown };
}

/** Several SLOs (a service, a selector): the gate passes only when every SLO's gate passes, and at least one SLO matched. */
export function combineVerdicts(verdicts: ReadonlyArray<Pick<GateVerdict, 'pass'>>): boolean {
  return verdicts.length > 0 && verdicts.every((v) => v.pass);
}
