/**
 * Where status goes: the Kubernetes status subresource (merge patch guarded by resourceVersion, 409
 * retried against a fresh read), or memory plus logs in directory mode (files have no status).
 * Both skip writes when nothing changed. Fields other writers own (the worker's burn rate, budget and
 * compliance under status) are never touched: the merge patch only names observedGeneration and conditions.
 */
import type { Logger } from '../observability/logger.js';
import { gvr, apiStatus, type KubeClients } from '../kube/kube-client.js';
import { refKey, type ResourceRef } from '../resources/source.js';
import { buildStatus, sameStatus, type ConditionInput, type ResourceStatus } from './status.js';

export interface StatusTarget {
  readonly ref: ResourceRef;
  readonly generation: number | undefined;
}

export interface StatusWriter {
  /** Writes the conditions if they differ from what the resource shows; returns whether it wrote. */
  write(target: StatusTarget, conditions: readonly ConditionInput[]): Promise<boolean>;
  forget(ref: ResourceRef): void;
}

export class ConflictError extends Error {
  readonly code = 'VIGIL_CONFLICT';
}

interface CachedObject {
  metadata?: { resourceVersion?: string; generation?: number };
  status?: Partial<ResourceStatus>;
}

export interface KubeStatusWriterOptions {
  readonly clients: KubeClients;
  /** The informer's cached object (with status), to diff against. */
  readonly cached: (ref: ResourceRef) => CachedObject | undefined;
  readonly now?: () => Date;
  readonly maxConflictRetries?: number;
  /** Called before every write; throws when this replica may not write (not the leader). */
  readonly guard?: () => void;
}

export class KubeStatusWriter implements StatusWriter {
  /** What we wrote last, and on top of which resourceVersion: the cache may not have caught up yet. */
  private readonly written = new Map<string, { fingerprint: string; baseRv: string | undefined; rv: string | undefined }>();
  readonly stats = { writes: 0, conflicts: 0, skipped: 0 };

  constructor(private readonly options: KubeStatusWriterOptions) {}

  async write(target: StatusTarget, conditions: readonly ConditionInput[]): Promise<boolean> {
    const { clients } = this.options;
    const key = refKey(target.ref);
    const cached = this.options.cached(target.ref);
    const now = this.options.now?.() ?? new Date();
    let desired = buildStatus(target.generation, conditions, cached?.status as ResourceStatus | undefined, now);
    const fingerprint = JSON.stringify([desired.observedGeneration, conditions]);
    const last = this.written.get(key);
    const cachedRv = cached?.metadata?.resourceVersion;
    if (sameStatus(cached?.status, desired) || (last && last.fingerprint === fingerprint && (last.baseRv === cachedRv || last.rv === cachedRv))) {
      this.stats.skipped++;
      return false;
    }
    const r = gvr[target.ref.kind];
    let rv = cachedRv;
    for (let attempt = 0; ; attempt++) {
      this.options.guard?.();
      try {
        const result = (await clients.custom.patchNamespacedCustomObjectStatus(
          {
            group: r.group,
            version: r.version,
            plural: r.plural,
            namespace: target.ref.namespace,
            name: target.ref.name,
            body: { metadata: rv ? { resourceVersion: rv } : {}, status: { observedGeneration: desired.observedGeneration, conditions: desired.conditions } },
            fieldManager: 'vigil-controller',
          },
          clients.mergePatch,
        )) as CachedObject;
        this.stats.writes++;
        this.written.set(key, { fingerprint, baseRv: cachedRv, rv: result.metadata?.resourceVersion });
        return true;
      } catch (error) {
        if (apiStatus(error) !== 409) throw error;
        this.stats.conflicts++;
        if (attempt >= (this.options.maxConflictRetries ?? 5)) throw new ConflictError(`status of ${key}: still conflicting after ${attempt + 1} attempts`);
        // Someone else wrote: read the latest and retry if it is still the generation we looked at.
        const fresh = (await clients.custom.getNamespacedCustomObject(
          { group: r.group, version: r.version, plural: r.plural, namespace: target.ref.namespace, name: target.ref.name },
          clients.options,
        )) as CachedObject;
        if (fresh.metadata?.generation !== target.generation) throw new ConflictError(`${key} changed (generation ${fresh.metadata?.generation}) while its status was being written`);
        rv = fresh.metadata?.resourceVersion;
        desired = buildStatus(target.generation, conditions, fresh.status as ResourceStatus | undefined, now);
        if (sameStatus(fresh.status, desired)) return false;
      }
    }
  }

  forget(ref: ResourceRef): void {
    this.written.delete(refKey(ref));
  }
}

/** Directory mode: status lives in memory (served by /status and logged when it changes). */
export class MemoryStatusWriter implements StatusWriter {
  private readonly statuses = new Map<string, ResourceStatus>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async write(target: StatusTarget, conditions: readonly ConditionInput[]): Promise<boolean> {
    const key = refKey(target.ref);
    const previous = this.statuses.get(key);
    const next = buildStatus(target.generation, conditions, previous, this.now());
    if (sameStatus(previous, next)) return false;
    this.statuses.set(key, next);
    const notTrue = next.conditions.filter((c) => c.status !== 'True');
    if (notTrue.length) this.logger.warn({ resource: key, conditions: notTrue.map(({ type, reason, message }) => ({ type, reason, message })) }, 'resource not ready');
    else this.logger.info({ resource: key }, 'resource ready');
    return true;
  }

  get(ref: ResourceRef): ResourceStatus | undefined {
    return this.statuses.get(refKey(ref));
  }

  all(): ReadonlyMap<string, ResourceStatus> {
    return this.statuses;
  }

  forget(ref: ResourceRef): void {
    this.statuses.delete(refKey(ref));
  }
}
