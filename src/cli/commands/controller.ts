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
import { builtinPaths } from '../load-resources.js';
import { resolveConfig, sharedParseOptions, ConfigError, type VigilConfig } from '../../config/config.js';
import { createDirectoryController, createKubernetesController, type DirectoryController, type KubernetesController } from '../../controller/assemble.js';
import { defaultCompile } from '../../controller/compile-contract.js';
import { createLogger, type Logger } from '../../observability/logger.js';
import { promtoolChecker } from '../../sink/promtool-check.js';
import type { CommandIo } from '../io.js';

const usage = `usage: vigil controller [--source dir:PATH|kubernetes] [--rules-dir PATH] [--prometheus-url URL] [options]

Kubernetes mode (--source kubernetes, no --rules-dir): one PrometheusRule per SLO, status on every resource,
leader election on a Lease so several replicas can run.
  --kubeconfig PATH         kubeconfig (default: in-cluster service account, then ~/.kube/config)
  --rule-label KEY=VALUE    label every PrometheusRule (repeatable), for the Prometheus ruleSelector
  --apply-mode apply|merge  server-side apply (default) or merge patch
  --no-leader-elect         run without a Lease (a single replica only)
  --lease-namespace NS      Lease namespace (default: the pod's namespace, else vigil-system)
  --lease-name NAME         Lease name (default vigil-controller)
  --identity ID             this replica's identity (default: hostname_pid)

Directory mode (--source dir:PATH --rules-dir PATH --prometheus-url URL): resources from YAML files under
PATH (watched), one rule file per SLO in --rules-dir, Prometheus reloaded and the reload confirmed.
  --no-builtins             do not add the built-in templates and policy sets
  --check-rules auto|promtool|none  vet each rule file with promtool before it replaces the last good one
                            (auto: when promtool is on PATH)

Both:
  --resync SECONDS          re-reconcile everything this often (default 600)
  --listen HOST:PORT        /metrics, /healthz, /readyz (and /status in directory mode)
`;

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        ...sharedParseOptions,
        kubeconfig: { type: 'string' },
        'rule-label': { type: 'string', multiple: true },
        'apply-mode': { type: 'string' },
        'no-leader-elect': { type: 'boolean', default: false },
        'lease-namespace': { type: 'string' },
        'lease-name': { type: 'string' },
        identity: { type: 'string' },
        'no-builtins': { type: 'boolean', default: false },
        'check-rules': { type: 'string' },
        resync: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    io.stderr(`vigil controller: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  let config: VigilConfig;
  let labels: Record<string, string>;
  try {
    config = resolveConfig(values, io.env);
    labels = Object.fromEntries(
      (values['rule-label'] ?? []).map((l) => {
        const i = l.indexOf('=');
        if (i <= 0) throw new ConfigError(`--rule-label must be KEY=VALUE, got ${JSON.stringify(l)}`);
        return [l.slice(0, i), l.slice(i + 1)];
      }),
    );
    if (values['apply-mode'] && !['apply', 'merge'].includes(values['apply-mode'])) throw new ConfigError('--apply-mode must be apply or merge');
    if (values['check-rules'] && !['auto', 'promtool', 'none'].includes(values['check-rules'])) throw new ConfigError('--check-rules must be auto, promtool or none');
    if (values.resync && !(Number(values.resync) >= 0)) throw new ConfigError('--resync must be a number of seconds');
    if (config.source === 'kubernetes' && config.rulesDir) throw new ConfigError('--rules-dir goes with --source dir:PATH; in Kubernetes mode rules are PrometheusRule objects');
    if (config.source !== 'kubernetes' && !config.rulesDir) throw new ConfigError('--source dir:PATH needs --rules-dir PATH (where rule files go)');
  } catch (error) {
    io.stderr(`vigil controller: ${(error as Error).message}\n`);
    return 2;
  }
  const logger = createLogger({ level: config.logLevel, name: 'vigil-controller' });
  const resyncMs = values.resync ? Number(values.resync) * 1000 : 600_000;

  let running: KubernetesController | DirectoryController;
  let statusJson: () => unknown = () => ({});
  if (config.source === 'kubernetes') {
    const kubeConfig = new KubeConfig();
    if (values.kubeconfig) kubeConfig.loadFromFile(resolve(io.cwd, values.kubeconfig));
    else kubeConfig.loadFromDefault();
    const podNamespaceFile = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
    const leaseNamespace = values['lease-namespace'] ?? (existsSync(podNamespaceFile) ? readFileSync(podNamespaceFile, 'utf8').trim() : 'vigil-system');
    running = await createKubernetesController({
      kubeConfig,
      compile: defaultCompile,
      logger,
      ruleLabels: labels,
      ...(values['apply-mode'] ? { applyMode: values['apply-mode'] as 'apply' | 'merge' } : {}),
      ...(values['no-leader-elect']
        ? {}
        : { leaderElection: { namespace: leaseNamespace, name: values['lease-name'] ?? 'vigil-controller', identity: values.identity ?? `${hostname()}_${process.pid}` } }),
      resyncMs,
    });
  } else {
    const root = resolve(io.cwd, config.source.slice('dir:'.length));
    const check = values['check-rules'] ?? 'auto';
    const usePromtool = check === 'promtool' || (check === 'auto' && onPath('promtool', io.env));
    const dir = createDirectoryController({
      compile: defaultCompile,
      logger,
      source: { root, ...(values['no-builtins'] ? {} : { builtinPaths }) },
      sink: { dir: resolve(io.cwd, config.rulesDir!), prometheusUrl: config.prometheusUrl, ...(usePromtool ? { checkRules: promtoolChecker() } : {}) },
      resyncMs,
    });
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
    server.close();
    return 1;
  }
  logger.info({ source: config.source, rulesDir: config.rulesDir, listen: `${config.listen.host}:${config.listen.port}` }, 'controller running');
  await stopped;
  await running.close();
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
