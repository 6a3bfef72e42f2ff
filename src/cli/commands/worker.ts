/**
 * `vigil worker`: runs the budget worker until SIGTERM or SIGINT, then shuts down once, gracefully.
 */
import { parseArgs } from 'node:util';
import { ConfigError, resolveConfig, sharedOptions, sharedParseOptions } from '../../config/config.js';
import { createLogger } from '../../observability/logger.js';
import { resolveWorkerConfig, workerOptions, workerParseOptions } from '../../worker/worker-config.js';
import { startWorkerRoles } from '../../worker/worker-roles.js';
import type { CommandIo } from '../io.js';
import { shutdownSignal } from '../shutdown-signal.js';

function usage(): string {
  const line = (o: { flag: string; env: string; default: string; description: string }) =>
    `  --${o.flag.padEnd(18)} ${o.description} (env ${o.env}, default ${JSON.stringify(o.default)})`;
  return ['usage: vigil worker [options]', '', 'Computes error budgets for every SLO in the catalog and health scores for every service and workload (BullMQ on Redis).', '', ...workerOptions.map(line), ...sharedOptions.filter((o) => ['prometheus-url', 'redis-url', 'log-level'].includes(o.flag)).map(line), ''].join('\n');
}

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: { ...sharedParseOptions, ...workerParseOptions, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (error) {
    io.stderr(`vigil worker: ${(error as Error).message}\n\n${usage()}`);
    return 2;
  }
  if (values.help) {
    io.stdout(usage());
    return 0;
  }
  let shared, own;
  try {
    shared = resolveConfig(values, io.env, { servesApi: false });
    own = resolveWorkerConfig(values, io.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`vigil worker: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const logger = createLogger({ level: shared.logLevel, name: 'vigil-worker' });
  const roles = await startWorkerRoles(shared, own, logger);
  const worker = roles.budget;
  if (worker.metricsAddress) io.stdout(`vigil worker: metrics on http://${worker.metricsAddress.host}:${worker.metricsAddress.port}/metrics\n`);
  await shutdownSignal(logger);
  await roles.close();
  return 0;
}
