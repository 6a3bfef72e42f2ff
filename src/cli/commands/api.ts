/**
 * `vigil api`: the REST API, OpenAPI docs and `/metrics`, until SIGTERM or SIGINT, then one graceful
 * shutdown (in-flight requests finish).
 */
import { parseArgs } from 'node:util';
import { startApiServer } from '../../api/server.js';
import { apiOptions, apiParseOptions, resolveRateLimit } from '../../api/api-config.js';
import { ConfigError, resolveConfig, sharedOptions, sharedParseOptions } from '../../config/config.js';
import { createLogger } from '../../observability/logger.js';
import { resolveWorkerConfig, workerParseOptions } from '../../worker/worker-config.js';
import type { CommandIo } from '../io.js';
import { shutdownSignal } from '../shutdown-signal.js';


function usage(): string {
  const line = (o: { flag: string; env: string; default: string; description: string }) =>
    `  --${o.flag.padEnd(18)} ${o.description} (env ${o.env}, default ${JSON.stringify(o.default)})`;
  return [
    'usage: vigil api [options]',
    '',
    'REST API (/api/v1), OpenAPI (/openapi.json, /docs), /healthz, /readyz and /metrics.',
    '',
    ...apiOptions.map(line),
    '  --cycle              the workers’ budget cycle, for result freshness (env VIGIL_WORKER_CYCLE, default "1m")',
    ...sharedOptions.filter((o) => ['listen', 'auth', 'prometheus-url', 'redis-url', 'log-level'].includes(o.flag)).map(line),
    '',
  ].join('\n');
}

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { ...sharedParseOptions, cycle: workerParseOptions.cycle!, ...apiParseOptions, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    io.stderr(`vigil api: ${(error as Error).message}\n\n${usage()}`);
    return 2;
  }
  if (values.help) {
    io.stdout(usage());
    return 0;
  }
  let shared, cycleMs: number, rateLimit: number | false;
  try {
    shared = resolveConfig(values, io.env);
    cycleMs = resolveWorkerConfig({ cycle: values.cycle }, io.env).cycleMs;
    rateLimit = resolveRateLimit(values, io.env);
  } catch (error) {
    if (error instanceof ConfigError || (error as { code?: string }).code === 'VIGIL_CONFIG') {
      io.stderr(`vigil api: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
  const logger = createLogger({ level: shared.logLevel, name: 'vigil-api' });
  let server;
  try {
    server = await startApiServer({
      redisUrl: shared.redisUrl,
      prometheusUrl: shared.prometheusUrl,
      listen: shared.listen,
      auth: shared.auth,
      cycleMs,
      logger,
      rateLimitPerMinute: rateLimit,
    });
  } catch (error) {
    io.stderr(`vigil api: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  io.stdout(`vigil api: listening on http://${server.address.host}:${server.address.port} (auth ${shared.auth.split(':')[0]})\n`);
  await shutdownSignal(logger);
  await server.close();
  return 0;
}
