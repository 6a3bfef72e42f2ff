/** Response schemas of the SLO routes. */
import { Type } from '@sinclair/typebox';
import { SloSpec } from '../../model/schema.js';
import { Name, Namespace, Nullable, Timestamp } from './common.js';

export const SloState = Type.Unsafe<'ok' | 'burning' | 'exhausted' | 'unknown'>({
  type: 'string',
  enum: ['ok', 'burning', 'exhausted', 'unknown'],
  description: 'exhausted: no budget left; burning: a policy alert is pending or firing (or, without policies, the 1h burn rate is above 1); unknown: no fresh result',
});

export const AlertState = Type.Unsafe<'inactive' | 'pending' | 'firing'>({ type: 'string', enum: ['inactive', 'pending', 'firing'] });

/** Rolling: `length` is a duration (30d). Calendar: day|week|month in `timeZone`. One object, no anyOf (serialisation speed). */
export const Period = Type.Object(
  {
    type: Type.String({ enum: ['rolling', 'calendar'] }),
    length: Type.String({ description: 'rolling: a duration such as 30d; calendar: day, week or month' }),
    timeZone: Type.Optional(Type.String({ description: 'calendar periods only (IANA zone)' })),
  },
  { additionalProperties: false },
);

const Coverage = Type.Number({
  minimum: 0,
  maximum: 1,
  description: 'share (0..1) of the period, or of its elapsed part, that the budget figures cover; null when not measured',
});
const Partial = Type.Boolean({ description: 'true when coverage is below 0.99: the budget figures describe part of the period only' });

export const Figures = Type.Object(
  {
    fresh: Type.Boolean({ description: 'false when the worker has not refreshed the result for several cycles: do not treat as current' }),
    computedAt: Timestamp,
    evaluatedAt: Timestamp,
    compliance: Nullable(Type.Number()),
    budgetConsumed: Nullable(Type.Number({ description: 'share of the period budget consumed (1 = all)' })),
    budgetRemaining: Nullable(Type.Number()),
    burnRates: Type.Record(Type.String(), Type.Number()),
    timeToExhaustionSeconds: Nullable(Type.Number({ description: 'null when unknown or never (not burning)' })),
    periodStart: Timestamp,
    periodEnd: Timestamp,
    coverage: Nullable(Coverage),
    recordedCoverage: Nullable(
      Type.Number({ minimum: 0, maximum: 1, description: 'share of the period covered by Vigil’s own recordings alone (the rest, if any, was filled from the raw series)' }),
    ),
    partial: Partial,
  },
  { additionalProperties: false },
);

export const SloSummary = Type.Object(
  {
    namespace: Namespace,
    name: Name,
    service: Type.String(),
    goal: Type.String(),
    objective: Type.Number(),
    period: Period,
    state: SloState,
    burnRate1h: Nullable(Type.Number()),
    budgetRemaining: Nullable(Type.Number()),
    compliance: Nullable(Type.Number()),
    coverage: Nullable(Coverage),
    partial: Partial,
    fresh: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const SloList = Type.Object(
  {
    items: Type.Array(SloSummary),
    total: Type.Integer({ description: 'SLOs matching the filters (readable ones only)' }),
    nextCursor: Nullable(Type.String({ description: 'pass as cursor for the next page; null on the last page' })),
  },
  { additionalProperties: false },
);

export const ListQuery = Type.Object(
  {
    namespace: Type.Optional(Namespace),
    service: Type.Optional(Type.String({ maxLength: 253 })),
    state: Type.Optional(SloState),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 1024, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const Condition = Type.Object(
  {
    type: Type.String(),
    status: Type.String({ enum: ['True', 'False', 'Unknown'] }),
    reason: Type.String(),
    message: Type.String(),
    lastTransitionTime: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const Policy = Type.Object(
  {
    name: Type.String(),
    namespace: Type.Optional(Type.String()),
    threshold: Type.Number(),
    lookBackWindow: Type.String(),
    secondaryWindow: Type.String(),
    for: Type.Optional(Type.String()),
    severity: Type.String({ enum: ['page', 'ticket'] }),
  },
  { additionalProperties: false },
);

export const SloDetail = Type.Object(
  {
    namespace: Namespace,
    name: Name,
    service: Type.String(),
    description: Type.String(),
    goal: Type.String(),
    objective: Type.Number(),
    period: Period,
    state: SloState,
    spec: Nullable(SloSpec),
    status: Type.Object({ conditions: Type.Array(Condition) }, { additionalProperties: false }),
    sli: Nullable(
      Type.Object(
        {
          template: Type.Object({ namespace: Type.String(), name: Type.String(), kind: Type.String(), description: Type.String() }, { additionalProperties: false }),
          parameters: Type.Record(Type.String(), Type.String()),
          window: Type.String(),
          goodQuery: Type.String(),
          totalQuery: Type.String(),
        },
        { additionalProperties: false },
      ),
    ),
    policies: Type.Array(Policy),
    current: Nullable(Figures),
    alerts: Type.Record(Type.String(), AlertState),
  },
  { additionalProperties: false },
);

export const BurnRatesQuery = Type.Object(
  { window: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 16, description: 'e.g. window=1h&window=6h (default: every window the worker reports)' })) },
  { additionalProperties: false },
);

export const BurnRates = Type.Object(
  {
    namespace: Namespace,
    name: Name,
    objective: Type.Number(),
    windows: Type.Array(
      Type.Object(
        {
          window: Type.String(),
          burnRate: Nullable(Type.Number()),
          errorRatio: Nullable(Type.Number()),
          source: Type.String({ enum: ['results', 'prometheus'], description: 'results: the worker’s fresh result; prometheus: an instant query of vigil:slo_error_ratio:rate<W>' }),
        },
        { additionalProperties: false },
      ),
    ),
    computedAt: Nullable(Timestamp),
  },
  { additionalProperties: false },
);

export const BudgetSeries = Type.Object(
  {
    namespace: Namespace,
    name: Name,
    objective: Type.Number(),
    start: Type.Number(),
    end: Type.Number(),
    step: Type.Number({ description: 'seconds' }),
    note: Type.String(),
    points: Type.Array(
      Type.Object({ t: Type.Number(), consumed: Type.Number(), remaining: Type.Number(), compliance: Type.Number() }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

export const AlertStates = Type.Object(
  {
    namespace: Namespace,
    name: Name,
    fresh: Type.Boolean(),
    computedAt: Nullable(Timestamp),
    policies: Type.Array(Type.Object({ policy: Policy, state: Nullable(AlertState) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

const DetectionPoint = Type.Object(
  {
    errorRate: Type.Number(),
    detectionSeconds: Nullable(Type.Number()),
    conditionSeconds: Nullable(Type.Number()),
    budgetConsumed: Nullable(Type.Number()),
  },
  { additionalProperties: false },
);

export const StrategyQuery = Type.Object(
  { errorRate: Type.Optional(Type.Array(Type.Number({ exclusiveMinimum: 0, maximum: 1 }), { maxItems: 50, description: 'outage error ratios for the curve (0..1]' })) },
  { additionalProperties: false },
);

export const AlertingStrategy = Type.Object(
  {
    namespace: Namespace,
    name: Name,
    objective: Type.Number(),
    periodSeconds: Type.Number(),
    model: Type.String(),
    policies: Type.Array(
      Type.Object(
        {
          policy: Policy,
          minErrorRate: Type.Number(),
          budgetConsumedOverLongWindow: Type.Number(),
          totalOutage: DetectionPoint,
          curve: Type.Array(DetectionPoint),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const Detection = Nullable(Type.Object({ policy: Type.String(), delaySeconds: Type.Number() }, { additionalProperties: false }));
const BacktestIncident = Type.Object(
  {
    start: Timestamp,
    end: Timestamp,
    budgetConsumed: Type.Number({ description: 'share of the period budget its bad events consumed' }),
    peakBurnRate: Type.Number({ description: 'highest 5m burn rate during it' }),
    pagedBy: Detection,
    ticketedBy: Detection,
  },
  { additionalProperties: false },
);

export const BacktestQuery = Type.Object(
  {
    range: Type.Optional(Type.String({ maxLength: 16, description: 'how far back to replay, 1h..90d (default 30d)' })),
    step: Type.Optional(Type.String({ maxLength: 16, description: 'evaluation step; must divide 5m (default 30s)' })),
  },
  { additionalProperties: false },
);

export const BacktestBody = Type.Object(
  {
    range: Type.Optional(Type.String({ maxLength: 16, description: 'how far back to replay, 1h..90d (default 30d)' })),
    step: Type.Optional(Type.String({ maxLength: 16, description: 'evaluation step; must divide 5m (default 30s)' })),
    goal: Type.Optional(Type.String({ maxLength: 16, pattern: '^[0-9]+(\\.[0-9]+)?$', description: 'candidate goal in percent (default: the SLO’s)' })),
    includeCurrent: Type.Optional(Type.Boolean({ description: 'also replay the SLO’s own policies, as set "current" (default true)' })),
    policySets: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 63 }),
          policies: Type.Array(
            Type.Object(
              {
                name: Type.String({ minLength: 1, maxLength: 253 }),
                threshold: Type.Number({ exclusiveMinimum: 0, maximum: 100_000 }),
                lookBackWindow: Type.String({ maxLength: 16 }),
                secondaryWindow: Type.String({ maxLength: 16 }),
                for: Type.Optional(Type.String({ maxLength: 16 })),
                severity: Type.String({ enum: ['page', 'ticket'] }),
              },
              { additionalProperties: false },
            ),
            { minItems: 1, maxItems: 20 },
          ),
        },
        { additionalProperties: false },
      ),
      { maxItems: 5, description: 'candidate policy sets, replayed side by side' },
    ),
  },
  { additionalProperties: false },
);

export const Backtest = Type.Object(
  {
    namespace: Namespace,
    name: Name,
    objective: Type.Number(),
    periodSeconds: Type.Number(),
    source: Type.String({ enum: ['recorded', 'raw'], description: 'recorded: Vigil’s 5m tile recordings; raw: the SLI’s raw series where those are missing' }),
    from: Timestamp,
    to: Timestamp,
    stepSeconds: Type.Number(),
    coverage: Type.Number({ description: 'share of the replayed range with data' }),
    sets: Type.Array(
      Type.Object(
        {
          name: Type.String(),
          policies: Type.Array(
            Type.Object(
              {
                policy: Type.Object(
                  { name: Type.String(), severity: Type.String(), threshold: Type.Number(), longWindowSeconds: Type.Number(), shortWindowSeconds: Type.Number(), forSeconds: Type.Number() },
                  { additionalProperties: false },
                ),
                alerts: Type.Array(
                  Type.Object(
                    { start: Timestamp, end: Timestamp, durationSeconds: Type.Number(), open: Type.Boolean({ description: 'still firing at the end of the range' }), budgetConsumed: Type.Number() },
                    { additionalProperties: false },
                  ),
                ),
                perWeek: Type.Number(),
                firingSeconds: Type.Number(),
              },
              { additionalProperties: false },
            ),
          ),
          incidents: Type.Array(BacktestIncident, { description: 'runs of 5m tiles burning faster than the budget (burn rate > 1)' }),
          missed: Type.Array(BacktestIncident, { description: 'incidents of at least significantBudget that no page caught' }),
          detectionDelaysSeconds: Type.Array(Type.Number(), { description: 'per significant incident that paged: seconds from its start to the first page' }),
          significantBudget: Type.Number(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
