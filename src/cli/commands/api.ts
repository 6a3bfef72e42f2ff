/**
 * `vigil api`: the REST API, OpenAPI docs and `/metrics`, until SIGTERM or SIGINT, then one graceful
 * shutdown (in-flight requests finish).
 */
import { startApiServer } from '../../api/server.js';
import { apiOptions, apiParseOptions, resolveRateLimit } from '../../api/api-config.js';
import { resolveConfig, sharedOptions, sharedParseOptions } from '../../config/config.js';
import { createLogger } from '../../observability/logger.js';
import { resolveWorkerConfig, workerParseOptions } from '../../worker/worker-config.js';
import { optionLine, parseCommandArgs, resolveCommandConfig } from '../command-args.js';
import type { CommandIo } from '../io.js';
import { shutdownSignal } from '../shutdown-signal.js';


function usage(): string {
  return [
    'usage: vigil api [options]',
    '',
    'REST API (/api/v1), OpenAPI (/openapi.json, /docs), /healthz, /readyz and /metrics.',
    '',
    ...apiOptions.map(optionLine),
    '  --cycle              the workers’ budget cycle, for result freshness (env VIGIL_WORKER_CYCLE, default "1m")',
    ...sharedOptions.filter((o) => ['listen', 'auth', 'prometheus-url', 'redis-url', 'log-level'].includes(o.flag)).map(optionLine),
    '',
  ].join('\n');
}

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs('api', argv, { ...sharedParseOptions, cycle: workerParseOptions.cycle!, ...apiParseOptions }, usage(), io);
  if (!args.ok) return args.exitCode;
  const resolved = resolveCommandConfig('api', io, () => ({
    shared: resolveConfig(args.values, io.env),
    cycleMs: resolveWorkerConfig({ cycle: args.values.cycle }, io.env).cycleMs,
    rateLimit: resolveRateLimit(args.values, io.env),
  }));
  if (!resolved.ok) return resolved.exitCode;
  const { shared, cycleMs, rateLimit } = resolved.config;
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
