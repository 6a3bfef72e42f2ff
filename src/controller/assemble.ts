/**
 * Wiring for the two controller modes, shared by `vigil controller` and the tests:
 * - Kubernetes: informers → reconciler → PrometheusRule sink + status subresource, behind a Lease;
 * - directory: files → reconciler → rule files + Prometheus reload, status in memory and logs.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.js';
import type { BackoffOptions } from '../runtime/backoff.js';
import type { CompileFn } from '../resources/compile-contract.js';
import type { SloPublisher } from './catalog-publisher.js';
import { Controller, type ControllerOptions } from './controller.js';
import { createKubeClients, type KubeClients } from '../kube/kube-client.js';
import { LeaderElector, type LeaderElectionOptions } from './leader-election.js';
import { ControllerMetrics } from '../observability/controller-metrics.js';
import { KubeStatusWriter, MemoryStatusWriter } from './status-writer.js';
import type { WorkQueueOptions } from './work-queue.js';
import { KubernetesSource } from '../resources/kubernetes-source.js';
import { DirectorySource, type DirectorySourceOptions } from '../resources/directory-source.js';
import type { WatchTimeouts } from '../kube/kube-watch.js';
import { PrometheusRuleSink } from '../sink/prometheus-rule-sink.js';
import { RuleFileSink, type RuleFileSinkOptions } from '../sink/rule-file-sink.js';

export interface KubernetesControllerOptions {
  readonly kubeConfig: KubeConfig;
  readonly compile: CompileFn;
  readonly logger: Logger;
  readonly metrics?: ControllerMetrics;
  readonly ruleLabels?: Readonly<Record<string, string>>;
  readonly applyMode?: 'apply' | 'merge';
  /** Omit to run without leader election (a single replica). */
  readonly leaderElection?: Omit<LeaderElectionOptions, 'clients' | 'logger'>;
  readonly queue?: Partial<WorkQueueOptions>;
  readonly informerBackoff?: BackoffOptions;
  readonly watchTimeouts?: WatchTimeouts;
  readonly resyncMs?: number;
  readonly requestTimeoutMs?: number;
  readonly dependentStatusDelayMs?: number;
  readonly publisher?: SloPublisher;
}

export interface KubernetesController {
  readonly controller: Controller;
  readonly source: KubernetesSource;
  readonly sink: PrometheusRuleSink;
  readonly status: KubeStatusWriter;
  readonly elector: LeaderElector | undefined;
  readonly clients: KubeClients;
  readonly metrics: ControllerMetrics;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function createKubernetesController(options: KubernetesControllerOptions): Promise<KubernetesController> {
  const metrics = options.metrics ?? new ControllerMetrics();
  const clients = await createKubeClients(options.kubeConfig, { requestTimeoutMs: options.requestTimeoutMs ?? 30_000 });
  const le = options.leaderElection;
  const elector = le ? new LeaderElector({ clients, logger: options.logger, ...le }) : undefined;
  const guard = elector?.guard;
  const source = new KubernetesSource({
    clients,
    logger: options.logger,
    ...(options.informerBackoff ? { backoff: options.informerBackoff } : {}),
    ...(options.watchTimeouts ? { watchTimeouts: options.watchTimeouts } : {}),
    onInformerRestart: (kind) => metrics.informerRestarts.inc({ resource: kind }),
  });
  const sink = new PrometheusRuleSink({
    clients,
    logger: options.logger,
    ...(options.ruleLabels ? { labels: options.ruleLabels } : {}),
    ...(options.applyMode ? { mode: options.applyMode } : {}),
    ...(options.informerBackoff ? { backoff: options.informerBackoff } : {}),
    ...(options.watchTimeouts ? { watchTimeouts: options.watchTimeouts } : {}),
    ...(guard ? { guard } : {}),
  });
  const status = new KubeStatusWriter({ clients, cached: (ref) => source.raw(ref), ...(guard ? { guard } : {}) });
  const controller = assembleController({ source, sink, status, metrics, ...(elector ? { elector } : {}) }, options);
  let closing: Promise<void> | undefined;
  return {
    controller,
    source,
    sink,
    status,
    elector,
    clients,
    metrics,
    async start() {
      await controller.start();
      elector?.start();
    },
    close() {
      return (closing ??= controller.close().finally(() => clients.close()));
    },
  };
}

export interface DirectoryControllerOptions {
  readonly compile: CompileFn;
  readonly logger: Logger;
  readonly metrics?: ControllerMetrics;
  readonly source: Omit<DirectorySourceOptions, 'logger' | 'metrics'>;
  readonly sink: Omit<RuleFileSinkOptions, 'logger' | 'metrics'>;
  readonly queue?: Partial<WorkQueueOptions>;
  readonly resyncMs?: number;
  readonly dependentStatusDelayMs?: number;
  readonly publisher?: SloPublisher;
}

export interface DirectoryController {
  readonly controller: Controller;
  readonly source: DirectorySource;
  readonly sink: RuleFileSink;
  readonly status: MemoryStatusWriter;
  readonly metrics: ControllerMetrics;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createDirectoryController(options: DirectoryControllerOptions): DirectoryController {
  const metrics = options.metrics ?? new ControllerMetrics();
  const source = new DirectorySource({ ...options.source, logger: options.logger, metrics });
  const sink = new RuleFileSink({ ...options.sink, logger: options.logger, metrics });
  const status = new MemoryStatusWriter(options.logger);
  const controller = assembleController({ source, sink, status, metrics }, options);
  return { controller, source, sink, status, metrics, start: () => controller.start(), close: () => controller.close() };
}

/** The options both modes pass through to the Controller unchanged. */
type PassedThrough = Pick<ControllerOptions, 'compile' | 'logger' | 'queue' | 'resyncMs' | 'dependentStatusDelayMs' | 'publisher'>;

/** The Controller of either mode: its mode's parts, and the options both modes share (unset ones left out). */
function assembleController(parts: Pick<ControllerOptions, 'source' | 'sink' | 'status' | 'metrics' | 'elector'>, options: PassedThrough): Controller {
  return new Controller({
    ...parts,
    compile: options.compile,
    logger: options.logger,
    ...(options.queue ? { queue: options.queue } : {}),
    ...(options.resyncMs !== undefined ? { resyncMs: options.resyncMs } : {}),
    ...(options.dependentStatusDelayMs !== undefined ? { dependentStatusDelayMs: options.dependentStatusDelayMs } : {}),
    ...(options.publisher ? { publisher: options.publisher } : {}),
  });
}
