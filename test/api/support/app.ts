/** A real Redis, seeded like controller and worker would, and the API app on top (inject, no socket). */
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { buildApp, type ApiOptions } from '../../../src/api/app.js';
import { anonymousAuthenticator } from '../../../src/api/auth/access.js';
import { loadResources } from '../../../src/resources/load-resources.js';
import { startRedis, type RunningRedis } from '../../support/redis.js';

export interface AppFixture {
  readonly redis: Redis;
  readonly server: RunningRedis;
  app(options?: Partial<ApiOptions>): Promise<FastifyInstance>;
  stop(): Promise<void>;
}

export async function startAppFixture(): Promise<AppFixture> {
  const server = await startRedis();
  const redis = new Redis(server.url);
  const apps: FastifyInstance[] = [];
  const builtins = loadResources([], process.cwd()).resources;
  return {
    redis,
    server,
    async app(options = {}) {
      const app = await buildApp({
        redis,
        prometheusUrl: 'http://127.0.0.1:9',
        authenticator: anonymousAuthenticator(),
        cycleMs: 60_000,
        builtins,
        indexCheckEveryMs: 0,
        // The shared test machine can stall the event loop for over a second; load shedding would then answer
        // 503 to requests that test something else. server.test.ts tests load shedding on its own.
        underPressure: { maxEventLoopDelay: 0 },
        ...options,
      });
      apps.push(app);
      return app;
    },
    async stop() {
      for (const app of apps) await app.close();
      redis.disconnect();
      await server.stop();
    },
  };
}
