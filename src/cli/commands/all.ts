/**
 * `vigil all`: every role in one process, for small installs and the demo — the controller (directory or
 * Kubernetes mode), the budget and health workers, and the API, which also serves everyone's /metrics.
 * SIGTERM/SIGINT: stop writing rules, drain the workers, then close the API.
 */
import type { Metric, Registry } from 'prom-client';
import { startApiServer, type ApiServer } from '../../api/server.js';
import { apiOptions, apiParseOptions, resolveRateLimit } from '../../api/api-config.js';
import { checkRulesTarget, resolveConfig, sharedOptions, sharedParseOptions } from '../../config/config.js';
import { controllerOptions, controllerParseOptions, resolveControllerConfig } from '../../controller/controller-config.js';
import { createControllerRole, type ControllerRole } from '../../controller/controller-role.js';
import { createLogger } from '../../observability/logger.js';
import { registerHealthMetrics } from '../../export/health-export.js';
import { resolveWorkerConfig, workerOptions, workerParseOptions } from '../../worker/worker-config.js';
import { startWorkerRoles, type WorkerRoles } from '../../worker/worker-roles.js';
import { optionLine, parseCommandArgs, resolveCommandConfig } from '../command-args.js';
import type { CommandIo } from '../io.js';
import { shutdownSignal } from '../shutdown-signal.js';


function usage(): string {
  const skip = new Set(['budget-cycle', 'metrics-listen']); // one process: the worker's cycle, the API's /metrics
  return [
    'usage: vigil all --source dir:PATH --rules-dir PATH [options]   (or --source kubernetes)',
    '',
    'Runs the controller, the budget and health workers and the API in one process.',
    '',
    ...sharedOptions.map(optionLine),
    ...controllerOptions.filter((o) => !skip.has(o.flag)).map(optionLine),
    ...workerOptions.filter((o) => !skip.has(o.flag)).map(optionLine),
    ...apiOptions.map(optionLine),
    '',
  ].join('\n');
}

/** Adds another role's metrics to the API's registry (names already there — e.g. process metrics — are kept once). */
function adopt(target: Registry, source: Registry): void {
  // getMetricsAsArray is typed as plain objects but returns the metric instances themselves.
  for (const metric of source.getMetricsAsArray() as unknown as Metric[]) {
    const name = (metric as unknown as { name: string }).name;
    if (!target.getSingleMetric(name)) target.registerMetric(metric);
  }
}

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs('all', argv, { ...sharedParseOptions, ...controllerParseOptions, ...workerParseOptions, ...apiParseOptions }, usage(), io);
  if (!args.ok) return args.exitCode;
  const resolved = resolveCommandConfig('all', io, () => {
    const shared = resolveConfig(args.values, io.env);
    const worker = resolveWorkerConfig(args.values, io.env);
    const controller = resolveControllerConfig({ ...args.values, 'budget-cycle': `${worker.cycleMs}ms` }, io.env);
    checkRulesTarget(shared);
    return { shared, worker, controller, rateLimit: resolveRateLimit(args.values, io.env) };
  });
  if (!resolved.ok) return resolved.exitCode;
  const { shared, worker, controller, rateLimit } = resolved.config;
  const logger = createLogger({ level: shared.logLevel, name: 'vigil' });

  let role: ControllerRole | undefined;
  let workers: WorkerRoles | undefined;
  let api: ApiServer | undefined;
  const close = async () => {
    // Reverse order of start; every step runs.
    for (const step of [() => role?.close(), () => workers?.close(), () => api?.close()]) {
      try {
        await step();
      } catch (error) {
        logger.warn({ err: (error as Error).message }, 'error during shutdown');
      }
    }
  };
  try {
    role = await createControllerRole(shared, controller, logger, { cwd: io.cwd, env: io.env });
    workers = await startWorkerRoles(shared, worker, logger, { metricsListen: undefined });
    const controllerMetrics = role.running.metrics.registry;
    const workerMetrics = workers.budget.metrics.registry;
    api = await startApiServer({
      redisUrl: shared.redisUrl,
      prometheusUrl: shared.prometheusUrl,
      listen: shared.listen,
      auth: shared.auth,
      cycleMs: worker.cycleMs,
      logger,
      rateLimitPerMinute: rateLimit,
      // Directory mode's /status (what `vigil controller` serves on its --listen) is served by the API here.
      ...(shared.source.startsWith('dir:') ? { statusJson: () => role!.statusJson() } : {}),
      // The worker roles' health (a stalled budget or health queue) in the API's /healthz, as `vigil worker` serves it.
      healthProblem: () => workers!.budget.healthProblem(),
      registerMetrics: (registry, redis) => {
        registerHealthMetrics(registry, redis);
        adopt(registry, controllerMetrics);
        adopt(registry, workerMetrics);
      },
    });
    await role.start();
  } catch (error) {
    io.stderr(`vigil all: cannot start: ${(error as Error).message}\n`);
    await close();
    return 1;
  }
  io.stdout(`vigil all: API and /metrics on http://${api.address.host}:${api.address.port} (source ${shared.source}${shared.rulesDir ? `, rules in ${shared.rulesDir}` : ''})\n`);
  await shutdownSignal(logger);
  await close();
  return 0;
}
