/** Per-SLO figures: burn rates, budget time series, alert states and the alerting strategy. */
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { alertingStrategy, defaultErrorRates, type StrategyPolicy } from '../../budget/alerting-strategy.js';
import { parseDuration } from '../../model/duration.js';
import { canonicalWindows, lookUpBurnRates } from '../data/burn-rate-lookup.js';
import { series } from '../../budget/series-names.js';
import { selector } from '../../promql/builder.js';
import type { ApiContext } from '../context.js';
import { apiError } from '../errors.js';
import { errorResponses, RangeQuery, SloParams } from '../schemas/common.js';
import { AlertingStrategy, AlertStates, BudgetSeries, BurnRates, BurnRatesQuery, StrategyQuery } from '../schemas/slo.js';
import { parseRange } from '../time-range.js';
import { findSlo } from './slos.js';

export const sloFigureRoutes: FastifyPluginAsync<ApiContext> = async (app, ctx) => {
  app.get<{ Params: Static<typeof SloParams>; Querystring: Static<typeof BurnRatesQuery> }>(
    '/slos/:namespace/:name/burn-rates',
    {
      schema: {
        tags: ['slos'],
        summary: 'Current burn rate per window',
        description: 'From the worker’s fresh result when it has the window, else one instant query of vigil:slo_error_ratio:rate<W>.',
        params: SloParams,
        querystring: BurnRatesQuery,
        response: { 200: BurnRates, ...errorResponses },
      },
    },
    async (request) => {
      const view = await findSlo(ctx, request.access, request.params);
      const windows = canonicalWindows(request.query.window ?? view.windows);
      const stored = await ctx.results.one(view.key);
      const rates = await lookUpBurnRates(ctx, view, stored, windows);
      return {
        namespace: view.namespace,
        name: view.name,
        objective: view.objective,
        windows: rates.map((r) => ({ window: r.window, burnRate: r.burnRate ?? null, errorRatio: r.errorRatio ?? null, source: r.source })),
        computedAt: stored ? new Date(stored.result.computedAtMs).toISOString() : null,
      };
    },
  );

  app.get<{ Params: Static<typeof SloParams>; Querystring: Static<typeof RangeQuery> }>(
    '/slos/:namespace/:name/budget',
    {
      schema: {
        tags: ['slos'],
        summary: 'Budget consumed, remaining and compliance over time',
        description: 'One Prometheus range query of vigil:slo_error_ratio:period. Range ≤ 90 d, step ≥ 15 s and ≥ range/11000.',
        params: SloParams,
        querystring: RangeQuery,
        response: { 200: BudgetSeries, ...errorResponses },
      },
    },
    async (request) => {
      const view = await findSlo(ctx, request.access, request.params);
      const range = parseRange(request.query, ctx.now(), ctx.limits);
      const expr = selector(series.errorRatioPeriod, { slo: view.name, namespace: view.namespace }).print();
      const budget = 1 - view.objective;
      const byTime = new Map<number, number>();
      for (const s of await ctx.prometheus.range(expr, range.start, range.end, range.step)) for (const p of s.points) if (Number.isFinite(p.v)) byTime.set(p.t, p.v);
      const points = [...byTime]
        .sort(([a], [b]) => a - b)
        .map(([t, ratio]) => {
          const consumed = ratio / budget;
          return { t, consumed, remaining: 1 - consumed, compliance: 1 - ratio };
        });
      return {
        namespace: view.namespace,
        name: view.name,
        objective: view.objective,
        ...range,
        note:
          view.period.type === 'rolling'
            ? `rolling ${view.period.length} figures from vigil:slo_error_ratio:period`
            : `rolling figures over the nominal ${view.period.length} from vigil:slo_error_ratio:period; the current calendar-aligned figures are in GET /slos/{namespace}/{name}`,
        points,
      };
    },
  );

  app.get<{ Params: Static<typeof SloParams> }>(
    '/slos/:namespace/:name/alerts',
    { schema: { tags: ['slos'], summary: 'Alert state per AlertingPolicy', params: SloParams, response: { 200: AlertStates, ...errorResponses } } },
    async (request) => {
      const view = await findSlo(ctx, request.access, request.params);
      const stored = await ctx.results.one(view.key);
      return {
        namespace: view.namespace,
        name: view.name,
        fresh: stored?.fresh ?? false,
        computedAt: stored ? new Date(stored.result.computedAtMs).toISOString() : null,
        policies: view.policies.map((policy) => ({ policy, state: stored?.result.alerts[policy.name] ?? null })),
      };
    },
  );

  app.get<{ Params: Static<typeof SloParams>; Querystring: Static<typeof StrategyQuery> }>(
    '/slos/:namespace/:name/alerting-strategy',
    {
      schema: {
        tags: ['slos'],
        summary: 'When each policy first fires for an outage of a given error rate, and the budget consumed by then',
        params: SloParams,
        querystring: StrategyQuery,
        response: { 200: AlertingStrategy, ...errorResponses },
      },
    },
    async (request) => {
      const view = await findSlo(ctx, request.access, request.params);
      const seconds = (w: string | undefined): number => {
        const parsed = w === undefined ? undefined : parseDuration(w);
        return parsed?.ok ? parsed.ms / 1000 : 0;
      };
      const policies: StrategyPolicy[] = view.policies.map((p) => ({
        name: p.name,
        threshold: p.threshold,
        longWindowSeconds: seconds(p.lookBackWindow),
        shortWindowSeconds: seconds(p.secondaryWindow),
        forSeconds: seconds(p.for),
      }));
      const strategies = alertingStrategy({ objective: view.objective, periodSeconds: view.periodSeconds, policies }, request.query.errorRate ?? defaultErrorRates);
      return {
        namespace: view.namespace,
        name: view.name,
        objective: view.objective,
        periodSeconds: view.periodSeconds,
        model: 'constant traffic; the error ratio steps from 0 to errorRate at t = 0; raw windows; fires when both windows exceed threshold × (1 − objective), plus for',
        policies: strategies.map((s, i) => ({ policy: view.policies[i]!, minErrorRate: s.minErrorRate, budgetConsumedOverLongWindow: s.budgetConsumedOverLongWindow, totalOutage: s.totalOutage, curve: s.curve })),
      };
    },
  );
};
