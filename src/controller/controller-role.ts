/**
 * The controller role as `vigil controller` and `vigil all` run it: the chosen mode (Kubernetes or
 * directory), publishing to Redis for workers and the API, and (Kubernetes) budget figures in SLO status.
 * `close()` is memoised and runs every step.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import type { VigilConfig } from '../config/config.js';
import { builtinPaths } from '../resources/load-resources.js';
import type { SourcedResource } from '../model/resource.js';
import type { Logger } from '../observability/logger.js';
import { onPath, promtoolChecker } from '../sink/promtool-check.js';
import { createDirectoryController, createKubernetesController, type DirectoryController, type KubernetesController } from './assemble.js';
import { createCatalogPublisher } from './catalog-publisher.js';
import { defaultCompile } from '../resources/compile-contract.js';
import type { ControllerConfig } from './controller-config.js';
import { MeasurementsUpdater } from './measurements-updater.js';
import { patchSloMeasurements } from './slo-measurements.js';

export interface ControllerRole {
  readonly running: KubernetesController | DirectoryController;
  /** Directory mode's /status document. */
  statusJson(): unknown;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function createControllerRole(config: VigilConfig, own: ControllerConfig, logger: Logger, context: { cwd: string; env: NodeJS.ProcessEnv }): Promise<ControllerRole> {
  // The workers' catalog: without it the controller still writes rules, but nothing computes budgets.
  const redis = own.catalog === 'redis' ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2 }) : undefined;
  redis?.on('error', (error: Error) => logger.debug({ err: error.message }, 'redis connection error'));
  // Templates come from whichever source runs (set below); the publisher asks for them when it writes.
  let templates: () => readonly SourcedResource[] = () => [];
  // Only the leader writes (Kubernetes mode with leader election); set once the controller exists.
  let mayWrite: () => boolean = () => true;
  const publisher = redis ? createCatalogPublisher({ redis, logger, templates: () => templates(), mayWrite: () => mayWrite() }) : undefined;
  let measurements: MeasurementsUpdater | undefined;
  let running: KubernetesController | DirectoryController;
  let statusJson: () => unknown = () => ({});

  if (config.source === 'kubernetes') {
    const kubeConfig = new KubeConfig();
    if (own.kubeconfig) kubeConfig.loadFromFile(resolve(context.cwd, own.kubeconfig));
    else kubeConfig.loadFromDefault();
    const podNamespaceFile = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
    const leaseNamespace = own.leaseNamespace ?? (existsSync(podNamespaceFile) ? readFileSync(podNamespaceFile, 'utf8').trim() : 'vigil-system');
    const kube = await createKubernetesController({
      kubeConfig,
      compile: defaultCompile,
      logger,
      ruleLabels: own.ruleLabels,
      applyMode: own.applyMode,
      ...(own.leaderElect ? { leaderElection: { namespace: leaseNamespace, name: own.leaseName, identity: own.identity ?? `${hostname()}_${process.pid}` } } : {}),
      resyncMs: own.resyncMs,
      ...(publisher ? { publisher } : {}),
    });
    templates = () => kube.source.list('ServiceLevelIndicatorTemplate');
    mayWrite = () => kube.elector?.isLeader() ?? true;
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
    running = kube;
  } else {
    const root = resolve(context.cwd, config.source.slice('dir:'.length));
    const usePromtool = own.checkRules === 'promtool' || (own.checkRules === 'auto' && onPath('promtool', context.env));
    const dir = createDirectoryController({
      compile: defaultCompile,
      logger,
      source: { root, ...(own.builtins ? { builtinPaths } : {}) },
      sink: { dir: resolve(context.cwd, config.rulesDir!), prometheusUrl: config.prometheusUrl, ...(usePromtool ? { checkRules: promtoolChecker() } : {}) },
      resyncMs: own.resyncMs,
      ...(publisher ? { publisher } : {}),
    });
    templates = () => dir.source.list('ServiceLevelIndicatorTemplate');
    statusJson = () => ({ brokenFiles: dir.source.brokenFiles(), lastReload: dir.sink.lastReload ?? null, resources: Object.fromEntries(dir.status.all()) });
    running = dir;
  }

  let closing: Promise<void> | undefined;
  return {
    running,
    statusJson: () => statusJson(),
    async start() {
      await running.start();
      measurements?.start();
    },
    close() {
      return (closing ??= (async () => {
        measurements?.close();
        try {
          await running.close();
        } finally {
          redis?.disconnect();
        }
      })());
    },
  };
}
