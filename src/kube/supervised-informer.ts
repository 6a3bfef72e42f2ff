/**
 * Keeps a client-node 1.4 informer (ListWatch) alive. The stock informer stops for good on any error but
 * 410 and never retries; this restarts it with exponential backoff, never restarts one that was closed,
 * never runs two restarts at once, and reports when the first list has landed (cache synced).
 */
import { ListWatch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.js';
import { backoffDelay, type BackoffOptions } from '../runtime/backoff.js';
import { RobustWatch, type WatchTimeouts } from './kube-watch.js';
import { apiErrorMessage, apiStatus } from './kube-client.js';

export interface SupervisedInformerOptions<T extends KubernetesObject> {
  readonly kubeConfig: KubeConfig;
  /** Watch path, e.g. /apis/sre.vigil.dev/v1alpha1/servicelevelobjectives */
  readonly path: string;
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly labelSelector?: string;
  readonly backoff: BackoffOptions;
  readonly watchTimeouts: WatchTimeouts;
  readonly logger: Logger;
  readonly name: string;
  readonly onAdd: (obj: T) => void;
  readonly onUpdate: (obj: T) => void;
  readonly onDelete: (obj: T) => void;
  readonly onRestart?: (error: unknown) => void;
}

export class SupervisedInformer<T extends KubernetesObject> {
  private readonly watch: RobustWatch;
  private readonly informer: ListWatch<T>;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private resolveSynced!: () => void;
  readonly synced: Promise<void>;
  restarts = 0;
  lists = 0;

  constructor(private readonly options: SupervisedInformerOptions<T>) {
    this.synced = new Promise((resolve) => (this.resolveSynced = resolve));
    this.watch = new RobustWatch(options.kubeConfig, options.watchTimeouts);
    const list = async () => {
      const result = await options.list();
      this.lists++;
      this.failures = 0;
      // The informer diffs this list against its cache and fires the events before watching.
      setImmediate(() => this.resolveSynced());
      return result;
    };
    this.informer = new ListWatch<T>(options.path, this.watch, list, false, options.labelSelector);
    const live = (fn: (o: T) => void) => (o: T) => {
      if (this.closed) return;
      this.failures = 0;
      fn(o);
    };
    this.informer.on('add', live(options.onAdd));
    this.informer.on('update', live(options.onUpdate));
    this.informer.on('delete', live(options.onDelete));
    this.informer.on('error', (error) => this.failed(error));
  }

  async start(): Promise<void> {
    if (this.closed) return;
    await this.informer.start();
  }

  get(name: string, namespace: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  get watchStats(): RobustWatch['stats'] {
    return this.watch.stats;
  }

  list(): readonly T[] {
    return this.informer.list();
  }

  private failed(error: unknown): void {
    if (this.closed || this.restartTimer) return;
    const delay = backoffDelay(this.failures++, this.options.backoff);
    const hint = apiStatus(error) === 404 ? ' (is the CustomResourceDefinition installed?)' : apiStatus(error) === 403 ? ' (check the RBAC in deploy/rbac)' : '';
    this.options.logger.warn({ informer: this.options.name, err: errorText(error) + hint, retryInMs: delay, synced: this.lists > 0 }, 'informer stopped; restarting');
    this.options.onRestart?.(error);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.closed) return;
      this.restarts++;
      this.informer.start().catch((e: unknown) => this.failed(e));
    }, delay);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await this.informer.stop();
    this.watch.close();
  }
}

function errorText(error: unknown): string {
  return apiErrorMessage(error);
}
