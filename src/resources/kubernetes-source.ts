/**
 * `--source kubernetes`: one supervised informer per Vigil kind, cluster-wide. Change notifications skip
 * status-only updates (our own status writes come back as MODIFIED events) so a status write does not
 * trigger another reconcile; the periodic resync covers anything skipped.
 */
import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.js';
import { resourceKinds, type CompileIssue, type ResourceKind, type SourcedResource } from './compile-contract.js';
import type { BackoffOptions } from '../runtime/backoff.js';
import { gvr, type KubeClients } from '../kube/kube-client.js';
import { defaultWatchTimeouts, type WatchTimeouts } from '../kube/kube-watch.js';
import type { ChangeListener, ResourceRef, Source } from './source.js';
import { SupervisedInformer } from '../kube/supervised-informer.js';

export interface KubernetesSourceOptions {
  readonly clients: KubeClients;
  readonly logger: Logger;
  readonly backoff?: BackoffOptions;
  readonly watchTimeouts?: WatchTimeouts;
  readonly onInformerRestart?: (kind: ResourceKind) => void;
}

export type KubeResource = KubernetesObject & { spec?: unknown; status?: Record<string, unknown> };

export const defaultInformerBackoff: BackoffOptions = { baseMs: 500, maxMs: 30_000, jitter: 0.2 };

export class KubernetesSource implements Source {
  private readonly informers = new Map<ResourceKind, SupervisedInformer<KubeResource>>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: KubernetesSourceOptions) {}

  async start(onChange: ChangeListener): Promise<void> {
    const { clients, logger } = this.options;
    for (const kind of resourceKinds) {
      const r = gvr[kind];
      const notify = (o: KubeResource) => onChange({ kind, namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' });
      const seen = new Map<string, string>();
      const fingerprint = (o: KubeResource) =>
        JSON.stringify([o.metadata?.generation, o.metadata?.labels, o.metadata?.annotations, o.metadata?.deletionTimestamp, o.spec]);
      const informer = new SupervisedInformer<KubeResource>({
        kubeConfig: clients.kubeConfig,
        path: `/apis/${r.group}/${r.version}/${r.plural}`,
        list: async () =>
          (await clients.custom.listClusterCustomObject({ group: r.group, version: r.version, plural: r.plural }, clients.options)) as KubernetesListObject<KubeResource>,
        backoff: this.options.backoff ?? defaultInformerBackoff,
        watchTimeouts: this.options.watchTimeouts ?? defaultWatchTimeouts,
        logger,
        name: r.plural,
        onAdd: (o) => {
          seen.set(keyOf(o), fingerprint(o));
          notify(o);
        },
        onUpdate: (o) => {
          const fp = fingerprint(o);
          if (seen.get(keyOf(o)) === fp) return; // status-only change
          seen.set(keyOf(o), fp);
          notify(o);
        },
        onDelete: (o) => {
          seen.delete(keyOf(o));
          notify(o);
        },
        onRestart: () => this.options.onInformerRestart?.(kind),
      });
      this.informers.set(kind, informer);
    }
    await Promise.all([...this.informers.values()].map((i) => i.start()));
    await Promise.all([...this.informers.values()].map((i) => i.synced));
  }

  /** The raw cached object (with status), for status diffing. */
  raw(ref: ResourceRef): KubeResource | undefined {
    return this.informers.get(ref.kind)?.get(ref.name, ref.namespace);
  }

  get(ref: ResourceRef): SourcedResource | undefined {
    const o = this.raw(ref);
    return o ? toSourced(ref.kind, o) : undefined;
  }

  list(kind?: ResourceKind): readonly SourcedResource[] {
    const kinds = kind ? [kind] : resourceKinds;
    return kinds.flatMap((k) => (this.informers.get(k)?.list() ?? []).map((o) => toSourced(k, o)));
  }

  problems(): readonly CompileIssue[] {
    return [];
  }

  informerStats(): Record<string, { restarts: number; lists: number; watchTimeouts: number }> {
    return Object.fromEntries([...this.informers].map(([k, i]) => [k, { restarts: i.restarts, lists: i.lists, watchTimeouts: i.watchStats.timedOut }]));
  }

  close(): Promise<void> {
    return (this.closing ??= Promise.allSettled([...this.informers.values()].map((i) => i.close())).then(() => undefined));
  }
}

function keyOf(o: KubernetesObject): string {
  return `${o.metadata?.namespace}/${o.metadata?.name}`;
}

function toSourced(kind: ResourceKind, o: KubeResource): SourcedResource {
  const m = o.metadata ?? {};
  return {
    apiVersion: o.apiVersion ?? `${gvr[kind].group}/${gvr[kind].version}`,
    kind,
    metadata: {
      name: m.name ?? '',
      namespace: m.namespace ?? '',
      ...(m.generation !== undefined ? { generation: m.generation } : {}),
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
      ...(m.labels ? { labels: m.labels } : {}),
      ...(m.annotations ? { annotations: m.annotations } : {}),
    },
    spec: o.spec,
  };
}
