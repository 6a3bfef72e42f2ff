/**
 * GET /slos/{namespace}/{name}/backtest: the SLO's policies replayed over its recorded history; POST the
 * same path with candidate policy sets (and optionally a candidate goal) to compare them side by side
 * with the current ones before applying them. One Prometheus range query per call (split into requests
 * of ≤ 10,000 steps), whatever the number of policies.
 */
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { BacktestReport } from '../../budget/backtest.js';
import { objectiveFromGoal } from '../../budget/budget.js';
import { durationSeconds } from '../../history/duration-seconds.js';
import type { SloPolicy } from '../../budget/slo.js';
import { BacktestError, runBacktest, type BacktestOutcome, type PolicySet } from '../../history/backtest-run.js';
import { storeBacktestSummary, summarizeBacktest } from '../../export/backtest-export.js';
import type { ApiContext } from '../context.js';
import type { SloView } from '../data/slo-index.js';
import { apiError } from '../errors.js';
import { errorResponses, SloParams } from '../schemas/common.js';
import { Backtest, BacktestBody, BacktestQuery } from '../schemas/slo.js';
import { findSlo } from './slos.js';

const MAX_RANGE_SECONDS = 90 * 86_400;
const iso = (ms: number) => new Date(ms).toISOString();

function rangeAndStep(range: string | undefined, step: string | undefined): { rangeSeconds: number; stepSeconds: number } {
  const rangeSeconds = durationSeconds(range ?? '30d');
  if (rangeSeconds === undefined || rangeSeconds < 3600 || rangeSeconds > MAX_RANGE_SECONDS) throw apiError('INVALID_RANGE', `range "${range}" must be a duration from 1h to 90d, e.g. 30d`);
  const stepSeconds = durationSeconds(step ?? '30s');
  if (stepSeconds === undefined || stepSeconds <= 0 || 300 % stepSeconds !== 0) throw apiError('INVALID_RANGE', `step "${step}" must divide 5m, e.g. 15s, 30s or 1m`);
  return { rangeSeconds, stepSeconds };
}

function checkWindows(set: PolicySet): void {
  for (const p of set.policies) {
    for (const w of [p.lookBackWindow, p.secondaryWindow, ...(p.for ? [p.for] : [])]) {
      if (durationSeconds(w) === undefined) throw apiError('INVALID_REQUEST', `policy set ${set.name}, policy ${p.name}: "${w}" is not a duration`);
    }
  }
}

const incidentOut = (x: BacktestReport['incidents'][number]) => ({
  start: iso(x.startMs),
  end: iso(x.endMs),
  budgetConsumed: x.budgetConsumed,
  peakBurnRate: x.peakBurnRate,
  pagedBy: x.pagedBy,
  ticketedBy: x.ticketedBy,
});

async function replay(ctx: ApiContext, view: SloView, sets: readonly PolicySet[], objective: number, rangeSeconds: number, stepSeconds: number, onReplayed?: (outcome: BacktestOutcome) => Promise<void>) {
  const entry = { namespace: view.namespace, name: view.name, service: view.service, goal: view.goal, period: { rollingSeconds: view.periodSeconds }, policies: [] };
  try {
    const outcome = await runBacktest(
      (expr, startMs, endMs, stepMs) => ctx.prometheus.rangeQuery(expr, startMs, endMs, stepMs),
      { entry, objective, periodSeconds: view.periodSeconds, sets, rangeSeconds, endMs: ctx.now(), stepMs: stepSeconds * 1000, source: 'recorded' },
    );
    await onReplayed?.(outcome);
    return {
      namespace: view.namespace,
      name: view.name,
      objective,
      periodSeconds: view.periodSeconds,
      source: outcome.source,
      from: iso(outcome.fromMs),
      to: iso(outcome.toMs),
      stepSeconds,
      coverage: outcome.sets[0]?.report.coverage ?? 0,
      sets: outcome.sets.map(({ name, report }) => ({
        name,
        policies: report.policies.map((p) => ({
          policy: { ...p.policy },
          alerts: p.intervals.map((x) => ({ start: iso(x.startMs), end: iso(x.endMs), durationSeconds: x.durationSeconds, open: x.open, budgetConsumed: x.budgetConsumed })),
          perWeek: p.perWeek,
          firingSeconds: p.firingSeconds,
        })),
        incidents: report.incidents.map(incidentOut),
        missed: report.missed.map(incidentOut),
        detectionDelaysSeconds: [...report.detectionDelaysSeconds],
        significantBudget: report.significantBudget,
      })),
    };
  } catch (error) {
    if (error instanceof BacktestError) throw apiError(error.code === 'NO_DATA' ? 'NO_HISTORY' : 'INVALID_RANGE', `${error.message}; run vigil backfill to record the history`);
    throw error;
  }
}

const currentSet = (view: SloView): PolicySet => ({ name: 'current', policies: view.policies.map((p) => ({ ...p }) as SloPolicy) });

export const backtestRoutes: FastifyPluginAsync<ApiContext> = async (app, ctx) => {
  app.get<{ Params: Static<typeof SloParams>; Querystring: Static<typeof BacktestQuery> }>(
    '/slos/:namespace/:name/backtest',
    {
      schema: {
        tags: ['slos'],
        summary: 'Replay the SLO’s alerting policies over its history',
        description:
          'Pages and tickets each policy would have raised (start, end, duration, budget consumed), how many per week, the detection delay of each incident that consumed ≥ 2 % of the budget, and the incidents that never paged. One range query of the recorded 5m tiles.',
        params: SloParams,
        querystring: BacktestQuery,
        response: { 200: Backtest, ...errorResponses },
      },
    },
    async (request) => {
      const view = await findSlo(ctx, request.access, request.params);
      const { rangeSeconds, stepSeconds } = rangeAndStep(request.query.range, request.query.step);
      if (view.policies.length === 0) throw apiError('INVALID_REQUEST', `SLO ${view.key} has no alerting policies; POST candidate policy sets to this path instead`);
      // The current policies' figures stay on the API's /metrics for the SLO detail dashboard (candidates do not).
      return replay(ctx, view, [currentSet(view)], view.objective, rangeSeconds, stepSeconds, (outcome) =>
        storeBacktestSummary(ctx.redis, view.key, summarizeBacktest(outcome.sets[0]!.report, ctx.now())),
      );
    },
  );

  app.post<{ Params: Static<typeof SloParams>; Body: Static<typeof BacktestBody> }>(
    '/slos/:namespace/:name/backtest',
    {
      schema: {
        tags: ['slos'],
        summary: 'Replay candidate policy sets (and a candidate goal) over the SLO’s history, side by side with its current policies',
        body: BacktestBody,
        params: SloParams,
        response: { 200: Backtest, ...errorResponses },
      },
    },
    async (request) => {
      const view = await findSlo(ctx, request.access, request.params);
      const body = request.body;
      const { rangeSeconds, stepSeconds } = rangeAndStep(body.range, body.step);
      let objective = view.objective;
      if (body.goal !== undefined) {
        try {
          objective = objectiveFromGoal(body.goal);
        } catch (error) {
          throw apiError('INVALID_REQUEST', (error as Error).message);
        }
      }
      const candidates: PolicySet[] = body.policySets.map((s) => ({ name: s.name, policies: s.policies.map((p) => ({ ...p, severity: p.severity as 'page' | 'ticket' })) }));
      candidates.forEach(checkWindows);
      const sets = [...(body.includeCurrent === false || view.policies.length === 0 ? [] : [currentSet(view)]), ...candidates];
      if (sets.length === 0) throw apiError('INVALID_REQUEST', 'nothing to replay: post at least one policy set');
      return replay(ctx, view, sets, objective, rangeSeconds, stepSeconds);
    },
  );
};
