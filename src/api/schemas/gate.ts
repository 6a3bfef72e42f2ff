/** Request and response schemas of the release-gate routes. */
import { Type } from '@sinclair/typebox';
import { Name, Namespace, namespacePattern, Nullable } from './common.js';

const criteriaProperties = {
  minBudgetRemaining: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'fail when less than this share of the period budget remains (0..1, default 0: fail only when the budget is spent)' })),
  maxBurnRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e6, description: 'fail when the burn rate over any checked window is above this (default: burn rates not checked)' })),
  window: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 8, description: 'windows whose burn rate is checked against maxBurnRate (default 1h), e.g. window=1h&window=6h' })),
  allowUnknown: Type.Optional(Type.Boolean({ description: 'pass despite stale, partial or missing figures (default false: unknown fails)' })),
  failStatus: Type.Optional(Type.Integer({ enum: [412, 409, 200], description: 'HTTP status of a failing gate (default 412; 200 for callers that read `pass` from the body, e.g. Argo Rollouts’ web metric)' })),
};

export const GateQuery = Type.Object(criteriaProperties, { additionalProperties: false });

export const GateSelectorQuery = Type.Object(
  {
    namespace: Type.String({ pattern: namespacePattern, maxLength: 63, description: 'namespace of the SLOs' }),
    service: Type.Optional(Type.String({ maxLength: 253, description: 'only the SLOs of this service' })),
    slo: Type.Optional(Type.Array(Type.String({ maxLength: 253 }), { maxItems: 100, description: 'only these SLO names' })),
    ...criteriaProperties,
  },
  { additionalProperties: false },
);

/** Flagger's webhook payload: criteria and the SLOs come from the Canary's webhook `metadata` (strings). */
export const FlaggerWebhookBody = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 253 })),
    namespace: Type.Optional(Type.String({ maxLength: 63 })),
    phase: Type.Optional(Type.String({ maxLength: 64 })),
    checksum: Type.Optional(Type.String({ maxLength: 256 })),
    metadata: Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 1024 }), {
      description:
        'slo (NAMESPACE/NAME, several comma-separated) or namespace + service; minBudgetRemaining, maxBurnRate, window (comma-separated), allowUnknown ("true"), token (bearer token: Flagger webhooks cannot send headers)',
    }),
  },
  { additionalProperties: true },
);

export const GateReason = Type.Object(
  {
    code: Type.String({ enum: ['BUDGET_SPENT', 'BUDGET_LOW', 'BURNING', 'NO_RESULT', 'STALE', 'PARTIAL', 'UNKNOWN_BUDGET', 'UNKNOWN_BURN_RATE'] }),
    blocking: Type.Boolean({ description: 'false for unknown-kind reasons when allowUnknown is set' }),
    message: Type.String(),
  },
  { additionalProperties: false },
);

export const SloGate = Type.Object(
  {
    namespace: Namespace,
    name: Name,
    pass: Type.Boolean(),
    reasons: Type.Array(GateReason),
    budgetRemaining: Nullable(Type.Number()),
    burnRates: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()])),
    fresh: Type.Boolean({ description: 'false when the worker result is stale or missing' }),
    partial: Type.Boolean({ description: "true when the period's recordings do not cover the whole period" }),
    unknown: Type.Boolean({ description: 'true when a figure the gate needed was missing, stale or partial' }),
    computedAt: Nullable(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

export const GateCriteriaEcho = Type.Object(
  { minBudgetRemaining: Type.Number(), maxBurnRate: Nullable(Type.Number()), windows: Type.Array(Type.String()), allowUnknown: Type.Boolean() },
  { additionalProperties: false },
);

export const GateAnswer = Type.Object(
  {
    ...SloGate.properties,
    criteria: GateCriteriaEcho,
  },
  { additionalProperties: false },
);

export const GateSetAnswer = Type.Object(
  {
    pass: Type.Boolean({ description: 'true when every matched SLO passes (and at least one matched)' }),
    reasons: Type.Array(Type.String(), { description: 'one line per failing SLO' }),
    criteria: GateCriteriaEcho,
    slos: Type.Array(SloGate),
  },
  { additionalProperties: false },
);
