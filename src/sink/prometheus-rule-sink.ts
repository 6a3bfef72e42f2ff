/**
 * One PrometheusRule (monitoring.coreos.com/v1) per SLO, in the SLO's namespace, owned by the SLO
 * (ownerReferences, so Kubernetes garbage-collects it with the SLO) and labelled so a Prometheus (or
 * ThanosRuler) ruleSelector picks it up. Written by server-side apply (`application/apply-patch+yaml`,
 * field manager `vigil-controller`) or merge patch (`application/merge-patch+json`, create on 404), and only
 * when the content hash annotation differs. An informer on the PrometheusRules Vigil manages reports
 * drift (edited or deleted behind our back) and orphans (rules whose SLO is gone, when no GC runs).
 */
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.js';
import type { RuleGroup } from '../resources/compile-contract.js';
import type { BackoffOptions } from '../runtime/backoff.js';
import { apiStatus, gvr, type KubeClients } from '../kube/kube-client.js';
import { defaultWatchTimeouts, type WatchTimeouts } from '../kube/kube-watch.js';
import { defaultInformerBackoff } from '../resources/kubernetes-source.js';
import { SupervisedInformer } from '../kube/supervised-informer.js';
import { contentHash } from '../resources/compile-contract.js';
import { groupsHash, type ApplyOutcome, type RuleSink, type SloTarget } from './rule-sink.js';

export const managedByLabel = 'app.kubernetes.io/managed-by';
export const managedByValue = 'vigil';
export const annotations = {
  hash: 'sre.vigil.dev/content-hash',
  slo: 'sre.vigil.dev/slo',
  generation: 'sre.vigil.dev/slo-generation',
} as const;

export interface PrometheusRuleSinkOptions {
  readonly clients: KubeClients;
  readonly logger: Logger;
  /** Extra labels on every PrometheusRule, e.g. { prometheus: 'k8s', role: 'alert-rules' }. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly mode?: 'apply' | 'merge';
  readonly fieldManager?: string;
  readonly backoff?: BackoffOptions;
  readonly watchTimeouts?: WatchTimeouts;
  /** Throws when this replica may not write (not the leader). */
  readonly guard?: () => void;
}

type PrometheusRule = KubernetesObject & { spec?: { groups?: unknown[] } };

export function prometheusRuleName(sloName: string): string {
  const name = `vigil-slo-${sloName}`;
  if (name.length <= 253) return name;
  return `${name.slice(0, 253 - 11)}-${contentHash(sloName).slice(0, 10)}`;
}

export class PrometheusRuleSink implements RuleSink {
  private informer: SupervisedInformer<PrometheusRule> | undefined;
  /** Hash we last wrote per SLO: trusted until the informer shows something else. */
  private readonly lastApplied = new Map<string, { hash: string; generation: number | undefined }>();
  readonly stats = { applies: 0, deletes: 0, creates: 0 };

  constructor(private readonly options: PrometheusRuleSinkOptions) {}

  async start(onDrift: (slo: { namespace: string; name: string }) => void): Promise<void> {
    const { clients } = this.options;
    const r = gvr.PrometheusRule;
    const selector = `${managedByLabel}=${managedByValue}`;
    const drift = (pr: PrometheusRule, deleted: boolean) => {
      const slo = pr.metadata?.annotations?.[annotations.slo];
      const namespace = pr.metadata?.namespace;
      if (!slo || !namespace) return;
      const key = `${namespace}/${slo}`;
      const hash = pr.metadata?.annotations?.[annotations.hash];
      const mine = this.lastApplied.get(key);
      if (!deleted && mine && mine.hash === hash) return; // our own write coming back
      if (deleted || (mine && mine.hash !== hash)) this.lastApplied.delete(key);
      onDrift({ namespace, name: slo });
    };
    this.informer = new SupervisedInformer<PrometheusRule>({
      kubeConfig: clients.kubeConfig,
      path: `/apis/${r.group}/${r.version}/${r.plural}`,
      labelSelector: selector,
      list: async () =>
        (await clients.custom.listClusterCustomObject({ group: r.group, version: r.version, plural: r.plural, labelSelector: selector }, clients.options)) as KubernetesListObject<PrometheusRule>,
      backoff: this.options.backoff ?? defaultInformerBackoff,
      watchTimeouts: this.options.watchTimeouts ?? defaultWatchTimeouts,
      logger: this.options.logger,
      name: r.plural,
      onAdd: (o) => drift(o, false),
      onUpdate: (o) => drift(o, false),
      onDelete: (o) => drift(o, true),
    });
    await this.informer.start();
    await this.informer.synced;
  }

  private cached(slo: { namespace: string; name: string }): PrometheusRule | undefined {
    return this.informer?.get(prometheusRuleName(slo.name), slo.namespace);
  }

  private identity(slo: SloTarget) {
    const labels: Record<string, string> = { ...(this.options.labels ?? {}), [managedByLabel]: managedByValue };
    if (slo.name.length <= 63) labels[annotations.slo] = slo.name;
    const ownerReferences = slo.uid
      ? [{ apiVersion: `${gvr.ServiceLevelObjective.group}/${gvr.ServiceLevelObjective.version}`, kind: 'ServiceLevelObjective', name: slo.name, uid: slo.uid, controller: true, blockOwnerDeletion: true }]
      : undefined;
    return { labels, ownerReferences };
  }

  /** The content hash annotation: labels, owner and the groups' hash. */
  private hashOf(slo: SloTarget, groupsDigest: string): string {
    const { labels, ownerReferences } = this.identity(slo);
    return contentHash({ labels, ownerReferences, groups: groupsDigest });
  }

  desired(slo: SloTarget, groups: readonly RuleGroup[]): { body: PrometheusRule; hash: string } {
    const { labels, ownerReferences } = this.identity(slo);
    const spec = { groups: groups.map((g) => ({ name: g.name, interval: g.interval, rules: g.rules })) };
    const hash = this.hashOf(slo, groupsHash(groups));
    const body: PrometheusRule = {
      apiVersion: `${gvr.PrometheusRule.group}/${gvr.PrometheusRule.version}`,
      kind: 'PrometheusRule',
      metadata: {
        name: prometheusRuleName(slo.name),
        namespace: slo.namespace,
        labels,
        annotations: {
          [annotations.hash]: hash,
          [annotations.slo]: slo.name,
          ...(slo.generation !== undefined ? { [annotations.generation]: String(slo.generation) } : {}),
        },
        ...(ownerReferences ? { ownerReferences } : {}),
      },
      spec: spec as PrometheusRule['spec'],
    };
    return { body, hash };
  }

  async isCurrent(slo: SloTarget, groupsDigest: string): Promise<boolean> {
    const hash = this.hashOf(slo, groupsDigest);
    return this.cached(slo)?.metadata?.annotations?.[annotations.hash] === hash || this.lastApplied.get(`${slo.namespace}/${slo.name}`)?.hash === hash;
  }

  async apply(slo: SloTarget, groups: readonly RuleGroup[]): Promise<ApplyOutcome> {
    const { body, hash } = this.desired(slo, groups);
    const key = `${slo.namespace}/${slo.name}`;
    const cachedHash = this.cached(slo)?.metadata?.annotations?.[annotations.hash];
    if (cachedHash === hash || this.lastApplied.get(key)?.hash === hash) {
      if (!this.lastApplied.has(key)) this.lastApplied.set(key, { hash, generation: slo.generation });
      return 'unchanged';
    }
    this.options.guard?.();
    const { clients } = this.options;
    const r = gvr.PrometheusRule;
    const where = { group: r.group, version: r.version, plural: r.plural, namespace: slo.namespace, name: body.metadata!.name! };
    const fieldManager = this.options.fieldManager ?? 'vigil-controller';
    // Recorded before the request: the watch event of this very write may arrive before its response.
    const previous = this.lastApplied.get(key);
    this.lastApplied.set(key, { hash, generation: slo.generation });
    try {
      await this.write(slo, body, where, fieldManager);
    } catch (error) {
      if (previous) this.lastApplied.set(key, previous);
      else this.lastApplied.delete(key);
      throw error;
    }
    this.stats.applies++;
    return 'written';
  }

  private async write(
    slo: SloTarget,
    body: PrometheusRule,
    where: { group: string; version: string; plural: string; namespace: string; name: string },
    fieldManager: string,
  ): Promise<void> {
    const { clients } = this.options;
    const r = gvr.PrometheusRule;
    if ((this.options.mode ?? 'apply') === 'apply') {
      await clients.custom.patchNamespacedCustomObject({ ...where, body, fieldManager, force: true }, clients.apply);
    } else {
      try {
        await clients.custom.patchNamespacedCustomObject({ ...where, body, fieldManager }, clients.mergePatch);
      } catch (error) {
        if (apiStatus(error) !== 404) throw error;
        await clients.custom.createNamespacedCustomObject({ group: r.group, version: r.version, plural: r.plural, namespace: slo.namespace, body, fieldManager }, clients.options);
        this.stats.creates++;
      }
    }
  }

  async remove(slo: { namespace: string; name: string }): Promise<boolean> {
    const key = `${slo.namespace}/${slo.name}`;
    const existed = this.cached(slo) !== undefined || this.lastApplied.has(key);
    this.lastApplied.delete(key);
    if (!existed) return false;
    this.options.guard?.();
    const { clients } = this.options;
    const r = gvr.PrometheusRule;
    try {
      await clients.custom.deleteNamespacedCustomObject(
        { group: r.group, version: r.version, plural: r.plural, namespace: slo.namespace, name: prometheusRuleName(slo.name) },
        clients.options,
      );
      this.stats.deletes++;
      return true;
    } catch (error) {
      if (apiStatus(error) === 404) return false; // garbage collection got there first
      throw error;
    }
  }

  has(slo: { namespace: string; name: string }): boolean {
    return this.cached(slo) !== undefined || this.lastApplied.has(`${slo.namespace}/${slo.name}`);
  }

  list(): ReadonlyArray<{ namespace: string; name: string }> {
    return (this.informer?.list() ?? []).flatMap((pr) => {
      const name = pr.metadata?.annotations?.[annotations.slo];
      return name && pr.metadata?.namespace ? [{ namespace: pr.metadata.namespace, name }] : [];
    });
  }

  describe(slo: { namespace: string; name: string }): string {
    return `PrometheusRule ${slo.namespace}/${prometheusRuleName(slo.name)}`;
  }

  appliedGeneration(slo: { namespace: string; name: string }): number | undefined {
    const mine = this.lastApplied.get(`${slo.namespace}/${slo.name}`)?.generation;
    if (mine !== undefined) return mine;
    const g = this.cached(slo)?.metadata?.annotations?.[annotations.generation];
    return g ? Number(g) : undefined;
  }

  async close(): Promise<void> {
    await this.informer?.close();
  }
}
