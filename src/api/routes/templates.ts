/** GET /templates: the SLI templates the controller published (visible to every authenticated caller). */
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { readTemplates } from '../../catalog/catalog-store.js';
import type { ApiContext } from '../context.js';
import { errorResponses } from '../schemas/common.js';
import { TemplateList, TemplateQuery } from '../schemas/other.js';

export const templateRoutes: FastifyPluginAsync<ApiContext> = async (app, ctx) => {
  app.get<{ Querystring: Static<typeof TemplateQuery> }>(
    '/templates',
    { schema: { tags: ['templates'], summary: 'SLI templates', querystring: TemplateQuery, response: { 200: TemplateList, ...errorResponses } } },
    async (request) => {
      const all = await readTemplates(ctx.redis);
      const ns = request.query.namespace;
      return { items: ns ? all.filter((t) => t.namespace === ns) : all };
    },
  );
};
