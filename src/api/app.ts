/**
 * The fastify application of `vigil api`, without a socket (tests use inject()). Plugins in order: error
 * handling, request metrics, load shedding, rate limiting, OpenAPI + docs, the system routes, and the
 * authenticated `/api/v1` routes in their own encapsulated plugin.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import underPressure, { TYPE_EVENT_LOOP_DELAY } from '@fastify/under-pressure';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Logger } from '../observability/logger.js';
import type { SourcedResource } from '../model/resource.js';
import { createResultsRegistry } from '../export/results-registry.js';
import { registerBacktestMetrics } from '../export/backtest-export.js';
import { registerHealthMetrics } from '../export/health-export.js';
import { addAuthentication } from './auth/auth-hook.js';
import type { Authenticator } from './auth/access.js';
import type { ApiContext } from './context.js';
import { BudgetResults } from './data/budget-results.js';
import { createRedisHealthReader, type HealthReader } from './data/health-reader.js';
import { createPrometheusReader, type MetricsReader } from '../prometheus/prometheus-reader.js';
import { SloIndex } from './data/slo-index.js';
import { registerErrorHandling } from './error-handler.js';
import { apiError } from './errors.js';
import { createApiMetrics } from '../observability/api-metrics.js';
import { gateRoutes } from './routes/gate.js';
import { healthRoutes } from './routes/health.js';
import { previewRoutes } from './routes/preview.js';
import { sloFigureRoutes } from './routes/slo-figures.js';
import { backtestRoutes } from './routes/backtest.js';
import { sloRoutes } from './routes/slos.js';
import { systemRoutes } from './routes/system.js';
import { templateRoutes } from './routes/templates.js';
import { defaultRangeLimits, type RangeLimits } from './time-range.js';

export interface ApiOptions {
  readonly redis: Redis;
  readonly prometheusUrl: string;
  readonly authenticator: Authenticator;
  /** The workers' budget cycle (freshness of results). */
  readonly cycleMs: number;
  readonly logger?: Logger;
  /** Requests per minute per client address; false turns limiting off. Default 600. */
  readonly rateLimitPerMinute?: number | false;
  /** Largest request body in bytes (default 256 KiB; larger → 413). */
  readonly bodyLimit?: number;
  /** Load shedding: above these the API answers 503 (default 1 s event-loop delay, 1 GiB heap). */
  readonly underPressure?: { readonly maxEventLoopDelay?: number; readonly maxHeapUsedBytes?: number };
  readonly builtins?: readonly SourcedResource[];
  readonly limits?: RangeLimits;
  readonly now?: () => number;
  /**
   * Exporters in the same `/metrics` besides the budget results. Default: the health worker's
   * `registerHealthMetrics` (vigil_health_score, vigil_health_signal_score).
   */
  readonly registerMetrics?: (registry: Registry, redis: Redis) => void;
  /** Directory mode under `vigil all`: the controller's /status document (broken files, last reload, per-SLO status). */
  readonly statusJson?: () => unknown;
  /** Under `vigil all`: why the worker roles in this process are unhealthy (a stalled queue), or undefined; /healthz answers 503 with it. */
  readonly healthProblem?: () => string | undefined;
  /** Test seams: a health reader or series reader other than the Redis/Prometheus ones. */
  readonly health?: HealthReader;
  readonly series?: MetricsReader;
  readonly indexCheckEveryMs?: number;
}

/** How often load shedding samples the event loop and heap (the plugin's default, stated for the start-up rule). */
const pressureSampleMs = 1000;

export async function buildApp(options: ApiOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    ...(options.logger ? { loggerInstance: options.logger as FastifyBaseLogger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false } },
    return503OnClosing: true,
  });
  registerErrorHandling(app);
  // Every body this API takes is JSON. Fastify parses text/plain by default, which would hand a string to the
  // JSON schema and answer 400; without the parser, another media type is a 415 UNSUPPORTED_MEDIA_TYPE.
  app.removeContentTypeParser('text/plain');

  const now = options.now ?? Date.now;
  const metrics = createApiMetrics();
  createResultsRegistry(options.redis, { cycleMs: options.cycleMs, registry: metrics.registry, now });
  registerBacktestMetrics(metrics.registry, options.redis, { now });
  (options.registerMetrics ?? ((registry, redis) => registerHealthMetrics(registry, redis, { now })))(metrics.registry, options.redis);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  const ctx: ApiContext = {
    redis: options.redis,
    index: new SloIndex(options.redis, {
      checkEveryMs: options.indexCheckEveryMs ?? 1000,
      onRefresh: (seconds, size) => {
        metrics.catalogRefresh.observe(seconds);
        metrics.catalogSlos.set(size);
      },
    }),
    results: new BudgetResults(options.redis, { cycleMs: options.cycleMs, now }),
    health: options.health ?? createRedisHealthReader(options.redis, { now }),
    prometheus:
      options.series ??
      // One attempt and a 10 s timeout: a person is waiting; a failure becomes PROMETHEUS_UNAVAILABLE (error-handler.ts).
      createPrometheusReader({ url: options.prometheusUrl, timeoutMs: 10_000, attempts: 1, onAttempt: ({ kind, ok }) => metrics.prometheusQueries.inc({ kind, outcome: ok ? 'ok' : 'error' }) }),
    builtins: options.builtins ?? [],
    limits: options.limits ?? defaultRangeLimits,
    now,
  };

  // Load shedding measures the event loop while the API serves. The plugin's delay histogram starts when it
  // is registered, so its first readings include building the rest of the app (ready() compiles every route
  // schema: hundreds of ms of blocked loop on a busy machine) and a restarted API answered 503 OVERLOADED for
  // about a second after it came up (the chaos soak, after SIGKILL). A reading is the mean over the sample
  // interval before it, so one in force less than two intervals after the app was built may cover the build:
  // those readings are ignored. Heap pressure always counts.
  let builtAt: number | undefined;
  const measuresServing = () => builtAt !== undefined && performance.now() - builtAt >= 2 * pressureSampleMs;
  const retryAfterSeconds = 5;
  await app.register(underPressure, {
    sampleInterval: pressureSampleMs,
    maxEventLoopDelay: options.underPressure?.maxEventLoopDelay ?? 1000,
    maxHeapUsedBytes: options.underPressure?.maxHeapUsedBytes ?? 1024 ** 3,
    pressureHandler: (_request, reply, type) => {
      if (type === TYPE_EVENT_LOOP_DELAY && !measuresServing()) return;
      void reply.header('Retry-After', retryAfterSeconds);
      return Promise.reject(apiError('OVERLOADED', 'the server is overloaded; retry shortly'));
    },
  });
  if (options.rateLimitPerMinute !== false) {
    await app.register(rateLimit, {
      max: options.rateLimitPerMinute ?? 600,
      timeWindow: 60_000,
      // Per client address, not per presented token: random bogus tokens must not each get a fresh budget
      // (in Kubernetes mode every unknown token costs a TokenReview).
      keyGenerator: (request) => request.ip,
      // context.after is the time until the window resets, not the window: name the window itself.
      errorResponseBuilder: (_request, context) => apiError('RATE_LIMITED', `rate limit of ${context.max} requests per minute exceeded; retry in ${Math.ceil(context.ttl / 1000)} s`),
    });
  }
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Vigil API', version: 'v1', description: 'SLOs, error budgets, burn rates, alerting strategy and service health.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(systemRoutes, { ctx, registry: metrics.registry, ...(options.statusJson ? { statusJson: options.statusJson } : {}), ...(options.healthProblem ? { healthProblem: options.healthProblem } : {}) });
  await app.register(
    async (v1) => {
      addAuthentication(v1, options.authenticator);
      await v1.register(sloRoutes, ctx);
      await v1.register(sloFigureRoutes, ctx);
      await v1.register(backtestRoutes, ctx);
      await v1.register(templateRoutes, ctx);
      await v1.register(healthRoutes, ctx);
      await v1.register(previewRoutes, ctx);
      await v1.register(gateRoutes, ctx);
    },
    { prefix: '/api/v1' },
  );
  await app.ready();
  builtAt = performance.now();
  return app;
}
