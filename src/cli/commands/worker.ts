/**
 * `vigil worker`: runs the budget worker until SIGTERM or SIGINT, then shuts down once, gracefully.
 */
import { resolveConfig, sharedOptions, sharedParseOptions } from '../../config/config.js';
import { createLogger } from '../../observability/logger.js';
import { resolveWorkerConfig, workerOptions, workerParseOptions } from '../../worker/worker-config.js';
import { startWorkerRoles } from '../../worker/worker-roles.js';
import { optionLine, parseCommandArgs, resolveCommandConfig } from '../command-args.js';
import type { CommandIo } from '../io.js';
import { shutdownSignal } from '../shutdown-signal.js';

function usage(): string {
  return ['usage: vigil worker [options]', '', 'Computes error budgets for every SLO in the catalog and health scores for every service and workload (BullMQ on Redis).', '', ...workerOptions.map(optionLine), ...sharedOptions.filter((o) => ['prometheus-url', 'redis-url', 'log-level'].includes(o.flag)).map(optionLine), ''].join('\n');
}

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs('worker', argv, { ...sharedParseOptions, ...workerParseOptions }, usage(), io);
  if (!args.ok) return args.exitCode;
  const resolved = resolveCommandConfig('worker', io, () => ({
    shared: resolveConfig(args.values, io.env, { servesApi: false }),
    own: resolveWorkerConfig(args.values, io.env),
  }));
  if (!resolved.ok) return resolved.exitCode;
  const { shared, own } = resolved.config;
  const logger = createLogger({ level: shared.logLevel, name: 'vigil-worker' });
  const roles = await startWorkerRoles(shared, own, logger);
  const worker = roles.budget;
  if (worker.metricsAddress) io.stdout(`vigil worker: metrics on http://${worker.metricsAddress.host}:${worker.metricsAddress.port}/metrics\n`);
  await shutdownSignal(logger);
  await roles.close();
  return 0;
}
