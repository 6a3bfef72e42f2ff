/**
 * `vigil controller`: watches the resources (Kubernetes API or a directory), writes rules (PrometheusRule
 * objects, or rule files plus a Prometheus reload) and keeps status. Serves /metrics, /healthz, /readyz
 * (and /status in directory mode) on --listen. SIGTERM/SIGINT: stop reconciling, release the leader Lease,
 * exit 0.
 */
import { createServer, type Server } from 'node:http';
import { checkRulesTarget, resolveConfig, sharedOptions, sharedParseOptions, type VigilConfig } from '../../config/config.js';
import { controllerOptions, controllerParseOptions, resolveControllerConfig } from '../../controller/controller-config.js';
import { createLogger, type Logger } from '../../observability/logger.js';
import { createControllerRole } from '../../controller/controller-role.js';
import type { DirectoryController, KubernetesController } from '../../controller/assemble.js';
import { optionLine, parseCommandArgs, resolveCommandConfig } from '../command-args.js';
import type { CommandIo } from '../io.js';
import { shutdownSignal } from '../shutdown-signal.js';

function usage(): string {
  return [
    'usage: vigil controller [--source dir:PATH|kubernetes] [--rules-dir PATH] [--prometheus-url URL] [options]',
    '',
    'Kubernetes mode (--source kubernetes, no --rules-dir): one PrometheusRule per SLO, status on every',
    'resource, leader election on a Lease so several replicas can run.',
    'Directory mode (--source dir:PATH --rules-dir PATH --prometheus-url URL): resources from YAML files under',
    'PATH (watched), one rule file per SLO in --rules-dir, Prometheus reloaded and the reload confirmed.',
    'Both serve /metrics, /healthz, /readyz (and /status in directory mode) on --listen.',
    '',
    ...controllerOptions.map(optionLine),
    ...sharedOptions.filter((o) => ['source', 'rules-dir', 'prometheus-url', 'redis-url', 'listen', 'log-level'].includes(o.flag)).map(optionLine),
    '',
  ].join('\n');
}

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs('controller', argv, { ...sharedParseOptions, ...controllerParseOptions }, usage(), io);
  if (!args.ok) return args.exitCode;
  const resolved = resolveCommandConfig('controller', io, () => {
    const config = resolveConfig(args.values, io.env, { servesApi: false });
    const own = resolveControllerConfig(args.values, io.env);
    checkRulesTarget(config);
    return { config, own };
  });
  if (!resolved.ok) return resolved.exitCode;
  const { config, own } = resolved.config;
  const logger = createLogger({ level: config.logLevel, name: 'vigil-controller' });
  const role = await createControllerRole(config, own, logger, { cwd: io.cwd, env: io.env });
  const running = role.running;
  const statusJson = () => role.statusJson();

  const server = await serve(config, running, statusJson, logger);
  const stopped = shutdownSignal(logger);
  try {
    await role.start();
  } catch (error) {
    logger.error({ err: (error as Error).message }, 'controller failed to start');
    await role.close();
    server.close();
    return 1;
  }
  logger.info({ source: config.source, rulesDir: config.rulesDir, listen: `${config.listen.host}:${config.listen.port}` }, 'controller running');
  await stopped;
  await role.close();
  await new Promise<void>((r) => server.close(() => r()));
  server.closeAllConnections();
  return 0;
}


async function serve(config: VigilConfig, running: KubernetesController | DirectoryController, statusJson: () => unknown, logger: Logger): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (code: number, type: string, body: string) => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    if (path === '/metrics') {
      running.metrics.registry.metrics().then(
        (text) => send(200, running.metrics.registry.contentType, text),
        (error: unknown) => send(500, 'text/plain', String(error)),
      );
    } else if (path === '/healthz') send(200, 'text/plain', 'ok\n');
    else if (path === '/readyz') send(running.controller.isSynced ? 200 : 503, 'text/plain', running.controller.isSynced ? 'ok\n' : 'caches not synced\n');
    else if (path === '/status') send(200, 'application/json', JSON.stringify(statusJson(), null, 2));
    else send(404, 'text/plain', 'not found\n');
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => resolveListen());
  });
  logger.debug({ listen: config.listen }, 'metrics endpoint up');
  return server;
}
