/** Health of services and workloads (from the health worker's results) and one entity's timeline. */
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { selector } from '../../promql/builder.js';
import { readableNamespaces, requireNamespace } from '../auth/access.js';
import type { ApiContext } from '../context.js';
import type { HealthEntry } from '../data/health-reader.js';
import { apiError } from '../errors.js';
import { errorResponses, RangeQuery } from '../schemas/common.js';
import { EntityParams, HealthEntity, HealthList, HealthQuery, Timeline } from '../schemas/other.js';
import { parseRange, rangePoints } from '../time-range.js';

/** The health worker's exported score (DESIGN.md "Public names"). */
export const healthScoreMetric = 'vigil_health_score';

const out = (e: HealthEntry) => ({ ...e, at: new Date(e.at).toISOString(), reasons: [...e.reasons], signals: { ...e.signals } });

export const healthRoutes: FastifyPluginAsync<ApiContext> = async (app, ctx) => {
  app.get<{ Querystring: Static<typeof HealthQuery> }>(
    '/health',
    { schema: { tags: ['health'], summary: 'Health of services and workloads, with reasons', querystring: HealthQuery, response: { 200: HealthList, ...errorResponses } } },
    async (request) => {
      const q = request.query;
      if (q.namespace) await requireNamespace(request.access, q.namespace);
      let items = await ctx.health.list();
      if (q.namespace) items = items.filter((e) => e.namespace === q.namespace);
      else if (!request.access.everyNamespace) {
        const readable = await readableNamespaces(request.access, items.map((e) => e.namespace));
        items = items.filter((e) => readable.has(e.namespace));
      }
      if (q.kind) items = items.filter((e) => e.kind === q.kind);
      if (q.status) items = items.filter((e) => e.status === q.status);
      return { items: items.map(out), total: items.length };
    },
  );

  app.get<{ Params: Static<typeof EntityParams> }>(
    '/health/:kind/:namespace/:name',
    { schema: { tags: ['health'], summary: 'Health of one service or workload', params: EntityParams, response: { 200: HealthEntity, ...errorResponses } } },
    async (request) => {
      const { kind, namespace, name } = request.params;
      await requireNamespace(request.access, namespace);
      const entry = await ctx.health.one(kind, namespace, name);
      if (!entry) throw apiError('ENTITY_NOT_FOUND', `no health result for ${kind} ${namespace}/${name}`);
      return out(entry);
    },
  );

  app.get<{ Params: Static<typeof EntityParams>; Querystring: Static<typeof RangeQuery> }>(
    '/health/:kind/:namespace/:name/timeline',
    {
      schema: {
        tags: ['health'],
        summary: 'Health score of one entity over time',
        description: `A Prometheus range query of ${healthScoreMetric}. Range ≤ 90 d, step ≥ 15 s and ≥ range/11000.`,
        params: EntityParams,
        querystring: RangeQuery,
        response: { 200: Timeline, ...errorResponses },
      },
    },
    async (request) => {
      const { kind, namespace, name } = request.params;
      await requireNamespace(request.access, namespace);
      const range = parseRange(request.query, ctx.now(), ctx.limits);
      const expr = selector(healthScoreMetric, { kind, namespace, name }).print();
      const byTime = new Map<number, number>();
      for (const [t, v] of await rangePoints(ctx.prometheus, expr, range)) byTime.set(t, v);
      return { kind, namespace, name, ...range, points: [...byTime].sort(([a], [b]) => a - b).map(([t, score]) => ({ t, score })) };
    },
  );
};
