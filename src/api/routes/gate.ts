/**
 * Release gates: "is there budget left to ship?" for one SLO, for every SLO of a service (or a list), and as
 * a Flagger webhook. A passing gate answers 200; a failing one 412 (or the `failStatus` asked for), with the
 * same body, so webhooks and CI jobs can act on the status alone and people can read the reasons.
 */
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { parseObjectRef } from '../../model/resource.js';
import { combineVerdicts, defaultGateCriteria, evaluateGate, type GateCriteria } from '../../budget/gate.js';
import { requireNamespace, type Access } from '../auth/access.js';
import type { ApiContext } from '../context.js';
import { canonicalWindows, lookUpBurnRates } from '../data/burn-rate-lookup.js';
import type { SloView } from '../data/slo-index.js';
import { apiError } from '../errors.js';
import { errorResponses, SloParams } from '../schemas/common.js';
import { FlaggerWebhookBody, GateAnswer, GateQuery, GateSelectorQuery, GateSetAnswer } from '../schemas/gate.js';
import { findSlo } from './slos.js';

/** The most SLOs one set-gate request evaluates (each may cost one Prometheus query). */
const MAX_GATE_SLOS = 200;

type CriteriaQuery = Static<typeof GateQuery>;

function criteriaFrom(q: CriteriaQuery): GateCriteria {
  return {
    minBudgetRemaining: q.minBudgetRemaining ?? defaultGateCriteria.minBudgetRemaining,
    maxBurnRate: q.maxBurnRate,
    windows: canonicalWindows(q.window ?? defaultGateCriteria.windows),
    allowUnknown: q.allowUnknown ?? defaultGateCriteria.allowUnknown,
  };
}

const echo = (c: GateCriteria) => ({ minBudgetRemaining: c.minBudgetRemaining, maxBurnRate: c.maxBurnRate ?? null, windows: [...c.windows], allowUnknown: c.allowUnknown });

async function gateOne(ctx: ApiContext, view: SloView, criteria: GateCriteria) {
  const stored = await ctx.results.one(view.key);
  // The worker marks a figure partial when the period's tiles cover less of it than partialCoverageBelow.
  const partial = stored?.result.state.partial ?? false;
  const rates = criteria.maxBurnRate === undefined ? [] : await lookUpBurnRates(ctx, view, stored, criteria.windows);
  const burnRates = Object.fromEntries(rates.map((r) => [r.window, r.burnRate]));
  const remaining = stored?.result.state.remaining;
  const verdict = evaluateGate({ hasResult: stored !== undefined, fresh: stored?.fresh ?? false, partial, budgetRemaining: remaining, burnRates }, criteria);
  return {
    namespace: view.namespace,
    name: view.name,
    pass: verdict.pass,
    reasons: verdict.reasons.map((r) => ({ ...r })),
    budgetRemaining: remaining !== undefined && Number.isFinite(remaining) ? remaining : null,
    burnRates: Object.fromEntries(rates.map((r) => [r.window, r.burnRate !== undefined && Number.isFinite(r.burnRate) ? r.burnRate : null])),
    fresh: stored?.fresh ?? false,
    partial,
    unknown: verdict.unknown,
    computedAt: stored ? new Date(stored.result.computedAtMs).toISOString() : null,
  };
}

async function gateSet(ctx: ApiContext, access: Access, namespace: string, filter: { service?: string; slos?: readonly string[] }, criteria: GateCriteria) {
  await requireNamespace(access, namespace);
  const snapshot = await ctx.index.current();
  const named =
    filter.slos && filter.slos.length > 0
      ? filter.slos.map((name) => {
          const view = snapshot.byKey.get(`${namespace}/${name}`);
          if (!view) throw apiError('SLO_NOT_FOUND', `SLO ${namespace}/${name} not found`);
          return view;
        })
      : snapshot.sorted.filter((v) => v.namespace === namespace);
  const views: readonly SloView[] = filter.service === undefined ? named : named.filter((v) => v.service === filter.service);
  if (views.length === 0) throw apiError('SLO_NOT_FOUND', `no SLO in namespace ${namespace}${filter.service ? ` for service ${filter.service}` : ''}${filter.slos?.length ? ` named ${filter.slos.join(', ')}` : ''}`);
  if (views.length > MAX_GATE_SLOS) throw apiError('INVALID_REQUEST', `the gate matches ${views.length} SLOs; narrow it to at most ${MAX_GATE_SLOS} (service= or slo=)`);
  const slos = await Promise.all(views.map((v) => gateOne(ctx, v, criteria)));
  const pass = combineVerdicts(slos);
  const reasons = slos.filter((s) => !s.pass).map((s) => `${s.namespace}/${s.name}: ${s.reasons.filter((r) => r.blocking).map((r) => r.message).join('; ')}`);
  return { pass, reasons, criteria: echo(criteria), slos };
}

function send(reply: FastifyReply, pass: boolean, failStatus: number | undefined, body: unknown) {
  return reply.code(pass ? 200 : (failStatus ?? 412)).send(body);
}

/** Webhook metadata values are strings: "0.25", "1h,6h", "true". */
function criteriaFromMetadata(metadata: Readonly<Record<string, string>>): CriteriaQuery {
  const number = (key: string, accept: (x: number) => boolean, what: string): number | undefined => {
    const text = metadata[key];
    if (text === undefined || text.trim() === '') return undefined;
    const value = Number(text);
    if (!Number.isFinite(value) || !accept(value)) throw apiError('INVALID_REQUEST', `metadata.${key} must be ${what}, got "${text}"`, [{ path: `/metadata/${key}`, message: `must be ${what}` }]);
    return value;
  };
  const allow = metadata.allowUnknown;
  if (allow !== undefined && allow !== 'true' && allow !== 'false') throw apiError('INVALID_REQUEST', `metadata.allowUnknown must be "true" or "false", got "${allow}"`);
  const maxBurnRate = number('maxBurnRate', (x) => x > 0 && x <= 1e6, 'a burn rate above 0 (e.g. 2)');
  const minBudgetRemaining = number('minBudgetRemaining', (x) => x >= 0 && x <= 1, 'a share between 0 and 1 (e.g. 0.25)');
  return {
    ...(minBudgetRemaining !== undefined ? { minBudgetRemaining } : {}),
    ...(maxBurnRate !== undefined ? { maxBurnRate } : {}),
    ...(metadata.window ? { window: metadata.window.split(',').map((w) => w.trim()).filter(Boolean) } : {}),
    ...(allow !== undefined ? { allowUnknown: allow === 'true' } : {}),
  };
}

export const gateRoutes: FastifyPluginAsync<ApiContext> = async (app, ctx) => {
  app.get<{ Params: Static<typeof SloParams>; Querystring: Static<typeof GateQuery> }>(
    '/slos/:namespace/:name/gate',
    {
      schema: {
        tags: ['gates'],
        summary: 'Release gate for one SLO: is there budget left to ship?',
        description:
          '200 with pass=true when the SLO has at least minBudgetRemaining of its budget and no checked window burns faster than maxBurnRate; otherwise 412 (or failStatus) with pass=false and the reasons. Stale, partial or missing figures fail unless allowUnknown=true.',
        params: SloParams,
        querystring: GateQuery,
        response: { 200: GateAnswer, 409: GateAnswer, 412: GateAnswer, ...errorResponses },
      },
    },
    async (request, reply) => {
      const criteria = criteriaFrom(request.query);
      const view = await findSlo(ctx, request.access, request.params);
      const answer = { ...(await gateOne(ctx, view, criteria)), criteria: echo(criteria) };
      return send(reply, answer.pass, request.query.failStatus, answer);
    },
  );

  app.get<{ Querystring: Static<typeof GateSelectorQuery> }>(
    '/gate',
    {
      schema: {
        tags: ['gates'],
        summary: 'Release gate for several SLOs: every SLO of a service, or a list of SLO names, in one namespace',
        description: 'Passes (200) only when every matched SLO passes; otherwise 412 (or failStatus). 404 when nothing matches.',
        querystring: GateSelectorQuery,
        response: { 200: GateSetAnswer, 409: GateSetAnswer, 412: GateSetAnswer, ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const criteria = criteriaFrom(q);
      const answer = await gateSet(ctx, request.access, q.namespace, { ...(q.service !== undefined ? { service: q.service } : {}), ...(q.slo ? { slos: q.slo } : {}) }, criteria);
      return send(reply, answer.pass, q.failStatus, answer);
    },
  );

  app.post<{ Body: Static<typeof FlaggerWebhookBody> }>(
    '/gate',
    {
      config: { tokenInBody: true },
      schema: {
        tags: ['gates'],
        summary: 'Release gate as a Flagger webhook (pre-rollout, rollout or confirm-promotion)',
        description:
          'Takes Flagger’s webhook payload; the gate is described by the Canary webhook’s metadata: slo (NAMESPACE/NAME[,NAMESPACE/NAME…]) or namespace + service, and the criteria as strings. Without an Authorization header, metadata.token is used as the bearer token. 200 passes; 412 halts the canary.',
        body: FlaggerWebhookBody,
        response: { 200: GateSetAnswer, 412: GateSetAnswer, ...errorResponses },
      },
    },
    async (request, reply) => {
      const metadata = request.body.metadata;
      const criteria = criteriaFrom(criteriaFromMetadata(metadata));
      let namespace: string;
      let filter: { service?: string; slos?: string[] };
      if (metadata.slo) {
        const refs = metadata.slo.split(',').map((s) => s.trim()).filter(Boolean);
        const parsed = refs.map((ref) => {
          const parsedRef = parseObjectRef(ref);
          if (!parsedRef) throw apiError('INVALID_REQUEST', `metadata.slo must be NAMESPACE/NAME (comma-separated for several), got "${ref}"`);
          return parsedRef;
        });
        const namespaces = new Set(parsed.map((p) => p.namespace));
        if (namespaces.size !== 1) throw apiError('INVALID_REQUEST', 'metadata.slo: every SLO of one gate must be in the same namespace');
        namespace = parsed[0]!.namespace;
        filter = { slos: parsed.map((p) => p.name) };
      } else if (metadata.namespace ?? request.body.namespace) {
        namespace = (metadata.namespace ?? request.body.namespace)!;
        if (!metadata.service) throw apiError('INVALID_REQUEST', 'metadata must name the SLOs: slo: NAMESPACE/NAME, or service: NAME (with namespace, default the Canary’s)');
        filter = { service: metadata.service };
      } else {
        throw apiError('INVALID_REQUEST', 'metadata must name the SLOs: slo: NAMESPACE/NAME, or namespace and service');
      }
      const answer = await gateSet(ctx, request.access, namespace, filter, criteria);
      return send(reply, answer.pass, undefined, answer);
    },
  );
};

