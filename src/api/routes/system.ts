/** Unauthenticated operational routes: /healthz, /readyz, /metrics, /openapi.json. */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { ApiContext } from '../context.js';
import { apiError } from '../errors.js';
import { errorResponses } from '../schemas/common.js';

const Status = Type.Object({ status: Type.String() }, { additionalProperties: false });

export interface SystemRouteOptions {
  readonly ctx: ApiContext;
  readonly registry: Registry;
  readonly readyTimeoutMs?: number;
  /** The directory-mode controller's /status document, when this process runs that controller (`vigil all`). */
  readonly statusJson?: () => unknown;
  /** Why other roles in this process are unhealthy (`vigil all`: a stalled worker queue), or undefined. */
  readonly healthProblem?: () => string | undefined;
}

const noLimit = { rateLimit: false } as const;

export const systemRoutes: FastifyPluginAsync<SystemRouteOptions> = async (app, { ctx, registry, readyTimeoutMs = 1000, statusJson, healthProblem }) => {
  app.get(
    '/healthz',
    {
      config: noLimit,
      schema: {
        tags: ['system'],
        security: [],
        summary: 'The process is up (under `vigil all`, 503 with the reason while a worker queue is stalled, as `vigil worker`\'s /healthz)',
        response: { 200: Status, 503: Status },
      },
    },
    async (_request, reply) => {
      const problem = healthProblem?.();
      if (problem === undefined) return { status: 'ok' };
      void reply.code(503);
      return { status: problem };
    },
  );

  app.get(
    '/readyz',
    { config: noLimit, schema: { tags: ['system'], security: [], summary: 'Ready when Redis answers PING', response: { 200: Status, ...errorResponses } } },
    async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${readyTimeoutMs} ms`)), readyTimeoutMs);
      });
      try {
        await Promise.race([ctx.redis.ping(), timeout]);
      } catch (error) {
        throw apiError('REDIS_UNAVAILABLE', `Redis does not answer PING: ${(error as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
      return { status: 'ready' };
    },
  );

  app.get(
    '/metrics',
    { config: noLimit, schema: { tags: ['system'], security: [], summary: 'Prometheus exposition: API metrics and the exported SLO results', produces: ['text/plain'], response: { 200: Type.String() } } },
    async (_request, reply) => {
      const text = await registry.metrics();
      void reply.type(registry.contentType);
      return text;
    },
  );

  // Like `vigil controller`'s /status on its --listen: not part of the versioned API, so not in the OpenAPI document.
  if (statusJson) app.get('/status', { config: noLimit, schema: { hide: true } }, async () => statusJson());

  app.get('/openapi.json', { config: noLimit, schema: { hide: true } }, async () => app.swagger());
};
