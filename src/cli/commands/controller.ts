/**
 * `vigil controller`: watches the resources (Kubernetes API or a directory), writes rules (PrometheusRule
 * objects, or rule files plus a Prometheus reload) and keeps status. Serves /metrics, /healthz, /readyz
 * (and /status in directory mode) on --listen. SIGTERM/SIGINT: stop reconciling, release the leader Lease,
 * exit 0.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { builtinPaths } from '../load-resources.js';
import { resolveConfig, sharedOptions, sharedParseOptions, ConfigError, type OptionDoc, type VigilConfig } from '../../config/config.js';
import { controllerOptions, controllerParseOptions, resolveControllerConfig, type ControllerConfig } from '../../controller/controller-config.js';
import { createDirectoryController, createKubernetesController, type DirectoryController, type KubernetesController } from '../../controller/assemble.js';
import { defaultCompile } from '../../controller/compile-contract.js';
import { createCatalogPublisher } from '../../controller/catalog-publisher.js';
import type { SourcedResource } from '../../model/resource.js';
import { MeasurementsUpdater } from '../../controller/measurements-updater.js';
import { patchSloMeasurements } from '../../controller/slo-measurements.js';
import { createLogger, type Logger } from '../../observability/logger.js';
import { promtoolChecker } from '../../sink/promtool-check.js';
import type { CommandIo } from '../io.js';

function usage(): string {
  const line = (o: OptionDoc) => `  --${o.flag.padEnd(16)} ${o.description} (env ${o.env}${o.default ? `, default ${JSON.stringify(o.default)}` : ''})`;
  return [
    'usage: vigil controller [--source dir:PATH|kubernetes] [--rules-dir PATH] [--prometheus-url URL] [options]',
    '',
    'Kubernetes mode (--source kubernetes, no --rules-dir): one PrometheusRule per SLO, status on every',
    'resource, leader election on a Lease so several replicas can run.',
    'Directory mode (--source dir:PATH --rules-dir PATH --prometheus-url URL): resources from YAML files under',
    'PATH (watched), one rule file per SLO in --rules-dir, Prometheus reloaded and the reload confirmed.',
    'Both serve /metrics, /healthz, /readyz (and /status in directory mode) on --listen.',
    '',
    ...controllerOptions.map(line),
    ...sharedOptions.filter((o) => ['source', 'rules-dir', 'prometheus-url', 'redis-url', 'listen', 'log-level'].includes(o.flag)).map(line),
    '',
  ].join('\n');
}

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: { ...sharedParseOptions, ...controllerParseOptions, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (error) {
    io.stderr(`vigil controller: ${(error as Error).message}\n\n${usage()}`);
    return 2;
  }
  if (values.help) {
    io.stdout(usage());
    return 0;
  }
  let config: VigilConfig;
  let own: ControllerConfig;
  try {
    config = resolveConfig(values, io.env, { servesApi: false });
    own = resolveControllerConfig(values, io.env);
    if (config.source === 'kubernetes' && config.rulesDir) throw new ConfigError('--rules-dir goes with --source dir:PATH; in Kubernetes mode rules are PrometheusRule objects');
    if (config.source !== 'kubernetes' && !config.rulesDir) throw new ConfigError('--source dir:PATH needs --rules-dir PATH (where rule files go)');
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`vigil controller: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, name: 'vigil-controller' });
  const resyncMs = own.resyncMs;
  // The workers' catalog: without it the controller still writes rules, but nothing computes budgets.
  const redis = own.catalog === 'redis' ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: false }) : undefined;
  redis?.on('error', (error: Error) => logger.debug({ err: error.message }, 'redis connection error'));
  // Templates come from whichever source runs (set below); the publisher asks for them when it writes.
  let templates: () => readonly SourcedResource[] = () => [];
  const publisher = redis ? createCatalogPublisher({ redis, logger, templates: () => templates() }) : undefined;
  let measurements: MeasurementsUpdater | undefined;

  let running: KubernetesController | DirectoryController;
  let statusJson: () => unknown = () => ({});
  if (config.source === 'kubernetes') {
    const kubeConfig = new KubeConfig();
    if (own.kubeconfig) kubeConfig.loadFromFile(resolve(io.cwd, own.kubeconfig));
    else kubeConfig.loadFromDefault();
    const podNamespaceFile = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
    const leaseNamespace = own.leaseNamespace ?? (existsSync(podNamespaceFile) ? readFileSync(podNamespaceFile, 'utf8').trim() : 'vigil-system');
    running = await createKubernetesController({
      kubeConfig,
      compile: defaultCompile,
      logger,
      ruleLabels: own.ruleLabels,
      applyMode: own.applyMode,
      ...(own.leaderElect ? { leaderElection: { namespace: leaseNamespace, name: own.leaseName, identity: own.identity ?? `${hostname()}_${process.pid}` } } : {}),
      resyncMs,
      ...(publisher ? { publisher } : {}),
    });
    const kube = running;
    templates = () => kube.source.list('ServiceLevelIndicatorTemplate');
    if (redis) {
      measurements = new MeasurementsUpdater({
        redis,
        logger,
        cycleMs: own.budgetCycleMs,
        patch: (slo, figures) => patchSloMeasurements(kube.clients, slo, figures),
        isLeader: () => kube.elector?.isLeader() ?? true,
        exists: (slo) => kube.source.get({ kind: 'ServiceLevelObjective', ...slo }) !== undefined,
      });
    }
  } else {
    const root = resolve(io.cwd, config.source.slice('dir:'.length));
    const usePromtool = own.checkRules === 'promtool' || (own.checkRules === 'auto' && onPath('promtool', io.env));
    const dir = createDirectoryController({
      compile: defaultCompile,
      logger,
      source: { root, ...(own.builtins ? { builtinPaths } : {}) },
      sink: { dir: resolve(io.cwd, config.rulesDir!), prometheusUrl: config.prometheusUrl, ...(usePromtool ? { checkRules: promtoolChecker() } : {}) },
      resyncMs,
      ...(publisher ? { publisher } : {}),
    });
    templates = () => dir.source.list('ServiceLevelIndicatorTemplate');
    statusJson = () => ({
      brokenFiles: dir.source.brokenFiles(),
      lastReload: dir.sink.lastReload ?? null,
      resources: Object.fromEntries(dir.status.all()),
    });
    running = dir;
  }

  const server = await serve(config, running, statusJson, logger);
  const stopped = new Promise<void>((resolveStop) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      resolveStop();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  try {
    await running.start();
  } catch (error) {
    logger.error({ err: (error as Error).message }, 'controller failed to start');
    await running.close();
    redis?.disconnect();
    server.close();
    return 1;
  }
  measurements?.start();
  logger.info({ source: config.source, rulesDir: config.rulesDir, listen: `${config.listen.host}:${config.listen.port}` }, 'controller running');
  await stopped;
  measurements?.close();
  await running.close();
  redis?.disconnect();
  await new Promise<void>((r) => server.close(() => r()));
  server.closeAllConnections();
  return 0;
}

function onPath(binary: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(':').some((dir) => dir && existsSync(`${dir}/${binary}`));
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
