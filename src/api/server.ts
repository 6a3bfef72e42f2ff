/**
 * `vigil api` as a running server: Redis connection, authenticator, the app, a socket. `close()` is
 * memoised and shuts down in reverse order (socket and in-flight requests, authenticator, Redis), running
 * every step even if one fails.
 */
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { loadResources } from '../resources/load-resources.js';
import type { Logger } from '../observability/logger.js';
import { buildApp, type ApiOptions } from './app.js';
import { anonymousAuthenticator, type Authenticator } from './auth/access.js';
import { kubernetesAuthenticator } from './auth/kubernetes.js';
import { tokenFileAuthenticator } from './auth/token-file.js';

export interface ApiServerOptions extends Omit<ApiOptions, 'redis' | 'authenticator' | 'logger' | 'builtins'> {
  readonly redisUrl: string;
  readonly listen: { readonly host: string; readonly port: number };
  /** `none`, `tokens:FILE` or `kubernetes` (config.ts has already refused `none` off loopback). */
  readonly auth: string;
  readonly logger: Logger;
  readonly authenticator?: Authenticator;
}

export interface ApiServer {
  readonly app: FastifyInstance;
  readonly address: { readonly host: string; readonly port: number };
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export function authenticatorFor(auth: string, logger: Logger): Authenticator {
  if (auth === 'none') return anonymousAuthenticator();
  if (auth === 'kubernetes') return kubernetesAuthenticator();
  if (auth.startsWith('tokens:')) {
    const file = auth.slice('tokens:'.length);
    return tokenFileAuthenticator(file, {
      onReload: (o) => (o.ok ? logger.info({ file, tokens: o.tokens }, 'token file reloaded') : logger.error({ file, error: o.message }, 'token file not reloaded; keeping the previous tokens')),
    });
  }
  throw new Error(`unknown auth mode ${auth}`);
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const logger = options.logger;
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis error'));
  const steps: Array<[string, () => Promise<unknown>]> = [['redis', () => redis.quit().catch(() => redis.disconnect())]];
  const closeSteps = async () => {
    for (const [name, step] of steps.reverse()) {
      try {
        await step();
      } catch (error) {
        logger.warn({ err: error, step: name }, 'shutdown step failed');
      }
    }
  };
  try {
    const authenticator = options.authenticator ?? authenticatorFor(options.auth, logger);
    steps.push(['authenticator', () => authenticator.close()]);
    const builtins = loadResources([], process.cwd()).resources;
    const app = await buildApp({ ...options, redis, authenticator, logger, builtins });
    steps.push(['http', () => app.close()]);
    await app.listen({ host: options.listen.host, port: options.listen.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : options.listen.port;
    let closing: Promise<void> | undefined;
    const close = () => (closing ??= closeSteps());
    return { app, address: { host: options.listen.host, port }, close, [Symbol.asyncDispose]: close };
  } catch (error) {
    await closeSteps();
    throw error;
  }
}
