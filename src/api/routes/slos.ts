/** GET /slos (filtered, paginated, stable order) and GET /slos/:namespace/:name. */
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { readableNamespaces, requireNamespace, type Access } from '../auth/access.js';
import type { ApiContext } from '../context.js';
import type { SloView } from '../data/slo-index.js';
import { apiError } from '../errors.js';
import { errorResponses, SloParams } from '../schemas/common.js';
import { ListQuery, SloDetail, SloList } from '../schemas/slo.js';
import { figures, sloState, summary } from '../slo-view.js';

const encodeCursor = (key: string) => Buffer.from(key, 'utf8').toString('base64url');
function decodeCursor(cursor: string): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z0-9-]+\/[a-z0-9.-]+$/.test(key)) throw apiError('INVALID_CURSOR', 'cursor is not one this API returned; start again without it');
  return key;
}

/** Index of the first view whose key sorts after `key` (views sorted by key). */
function firstAfter(views: readonly SloView[], key: string): number {
  let lo = 0;
  let hi = views.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (views[mid]!.key <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The SLO if the caller may read its namespace (403 first, so existence does not leak) and it exists. */
export async function findSlo(ctx: ApiContext, access: Access, params: { namespace: string; name: string }): Promise<SloView> {
  await requireNamespace(access, params.namespace);
  const view = (await ctx.index.current()).byKey.get(`${params.namespace}/${params.name}`);
  if (!view) throw apiError('SLO_NOT_FOUND', `SLO ${params.namespace}/${params.name} not found`);
  return view;
}

export const sloRoutes: FastifyPluginAsync<ApiContext> = async (app, ctx) => {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/slos',
    { schema: { tags: ['slos'], summary: 'List SLOs', description: 'Ordered by namespace/name; only namespaces the caller may read.', querystring: ListQuery, response: { 200: SloList, ...errorResponses } } },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 100;
      const { access } = request;
      let views: readonly SloView[] = (await ctx.index.current()).sorted;
      if (q.namespace) {
        await requireNamespace(access, q.namespace);
        views = views.filter((v) => v.namespace === q.namespace);
      } else if (!access.everyNamespace) {
        const readable = await readableNamespaces(access, views.map((v) => v.namespace));
        views = views.filter((v) => readable.has(v.namespace));
      }
      if (q.service) views = views.filter((v) => v.service === q.service);
      let all: Awaited<ReturnType<typeof ctx.results.everything>> | undefined;
      if (q.state) {
        all = await ctx.results.everything();
        views = views.filter((v) => sloState(v, all!.get(v.key)) === q.state);
      }
      const from = q.cursor ? firstAfter(views, decodeCursor(q.cursor)) : 0;
      const page = views.slice(from, from + limit);
      const results = all ?? (await ctx.results.many(page.map((v) => v.key)));
      return {
        items: page.map((v) => summary(v, results.get(v.key))),
        total: views.length,
        nextCursor: from + limit < views.length && page.length > 0 ? encodeCursor(page.at(-1)!.key) : null,
      };
    },
  );

  app.get<{ Params: Static<typeof SloParams> }>(
    '/slos/:namespace/:name',
    { schema: { tags: ['slos'], summary: 'One SLO: spec, status, SLI, policies and current figures', params: SloParams, response: { 200: SloDetail, ...errorResponses } } },
    async (request) => {
      const view = await findSlo(ctx, request.access, request.params);
      const stored = await ctx.results.one(view.key);
      const doc = view.document;
      return {
        namespace: view.namespace,
        name: view.name,
        service: view.service,
        description: doc?.description ?? '',
        goal: view.goal,
        objective: view.objective,
        period: view.period,
        state: sloState(view, stored),
        spec: (doc?.spec as object | undefined) ?? null,
        status: { conditions: doc?.conditions ? [...doc.conditions] : [] },
        sli: doc?.sli ?? null,
        policies: view.policies,
        current: stored ? figures(stored) : null,
        alerts: stored ? { ...stored.result.alerts } : {},
      };
    },
  );
};
