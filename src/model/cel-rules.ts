/**
 * Cross-field rules that a structural schema cannot express. Each rule has its CEL form (emitted into the
 * CRD as `x-kubernetes-validations`, enforced by the API server) and a TypeScript check that enforces the
 * same rule at run time (Git mode, controller). Declaring both in one object keeps them together.
 */
import { parseDuration } from './duration.js';

export interface CelRule<Self> {
  readonly cel: { readonly rule: string; readonly message: string };
  /** The same rule in TypeScript; true when the value is valid. */
  readonly check: (self: Self) => boolean;
  /** Field path relative to the object the rule is attached to, for error messages. */
  readonly field: string;
}

interface SloWindowSelf {
  goal?: unknown;
  rolling?: unknown;
  calendar?: unknown;
}
interface BurnrateSelf {
  threshold?: unknown;
  budgetConsumed?: unknown;
  lookBackWindow?: unknown;
  secondaryWindow?: unknown;
  conditionMetDuration?: unknown;
  severity?: unknown;
}
interface PolicyTargetSelf {
  sloRef?: unknown;
  policySet?: unknown;
}

const goDuration = '^([0-9]+(\\\\.[0-9]+)?(ms|s|m|h))+$';

function durationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const parsed = parseDuration(value);
  return parsed.ok ? parsed.ms : undefined;
}

export const celRules = {
  sloWindow: [
    {
      field: 'rolling',
      cel: { rule: 'has(self.rolling) != has(self.calendar)', message: 'set exactly one of slo.rolling and slo.calendar' },
      check: (self: SloWindowSelf) => (self.rolling !== undefined) !== (self.calendar !== undefined),
    },
    {
      field: 'goal',
      cel: {
        rule: "!self.goal.matches('^[0-9]+(\\\\.[0-9]+)?$') || (double(self.goal) > 0.0 && double(self.goal) < 100.0)",
        message: 'slo.goal must be a percentage strictly between 0 and 100, e.g. "99.9"',
      },
      check: (self: SloWindowSelf) => {
        const goal = Number(self.goal);
        return typeof self.goal !== 'string' || !/^[0-9]+(\.[0-9]+)?$/.test(self.goal) || (goal > 0 && goal < 100);
      },
    },
  ] satisfies CelRule<SloWindowSelf>[],
  burnrate: [
    {
      field: 'threshold',
      cel: {
        rule: 'has(self.threshold) != has(self.budgetConsumed)',
        message: 'set exactly one of burnrate.threshold and burnrate.budgetConsumed',
      },
      check: (self: BurnrateSelf) => (self.threshold !== undefined) !== (self.budgetConsumed !== undefined),
    },
    {
      field: 'threshold',
      cel: {
        rule: "!has(self.threshold) || !self.threshold.matches('^[0-9]+(\\\\.[0-9]+)?$') || double(self.threshold) > 0.0",
        message: 'burnrate.threshold must be greater than 0',
      },
      check: (self: BurnrateSelf) => typeof self.threshold !== 'string' || !(Number(self.threshold) <= 0),
    },
    {
      field: 'budgetConsumed',
      cel: {
        rule: "!has(self.budgetConsumed) || !self.budgetConsumed.matches('^[0-9]+(\\\\.[0-9]+)?$') || (double(self.budgetConsumed) > 0.0 && double(self.budgetConsumed) <= 100.0)",
        message: 'burnrate.budgetConsumed must be a percentage greater than 0 and at most 100',
      },
      check: (self: BurnrateSelf) =>
        typeof self.budgetConsumed !== 'string' || (Number(self.budgetConsumed) > 0 && Number(self.budgetConsumed) <= 100),
    },
    {
      field: 'severity',
      cel: { rule: "self.severity in ['page', 'ticket']", message: 'burnrate.severity must be page or ticket' },
      check: (self: BurnrateSelf) => self.severity === 'page' || self.severity === 'ticket',
    },
    {
      field: 'secondaryWindow',
      // CEL's duration() reads Go durations only (no d/w/y): compare when both are Go-style, the run-time
      // check covers every spelling.
      cel: {
        rule: `!self.secondaryWindow.matches('${goDuration}') || !self.lookBackWindow.matches('${goDuration}') || duration(self.secondaryWindow) < duration(self.lookBackWindow)`,
        message: 'burnrate.secondaryWindow must be shorter than burnrate.lookBackWindow',
      },
      check: (self: BurnrateSelf) => {
        const short = durationMs(self.secondaryWindow);
        const long = durationMs(self.lookBackWindow);
        return short === undefined || long === undefined || short < long;
      },
    },
  ] satisfies CelRule<BurnrateSelf>[],
  policyTarget: [
    {
      field: 'sloRef',
      cel: { rule: 'has(self.sloRef) != has(self.policySet)', message: 'set exactly one of sloRef and policySet' },
      check: (self: PolicyTargetSelf) => (self.sloRef !== undefined) !== (self.policySet !== undefined),
    },
  ] satisfies CelRule<PolicyTargetSelf>[],
};
