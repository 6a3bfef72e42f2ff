/**
 * Publishes what the controller compiled to Redis for the workers (the SLO catalog they compute budgets
 * for). Reconciles call `published()` per SLO; writes are batched (one round trip per flush, however many
 * SLOs changed), and `resync()` rewrites the whole catalog so one lost by Redis comes back. Redis being
 * down never fails a reconcile: the change stays pending and the next flush retries it.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import { compile, type CompiledSlo } from '../rules/compile.js';
import type { SourcedResource } from '../model/resource.js';
import { syncCatalogDocuments } from '../catalog/catalog-store.js';
import { sloDocumentFromCompiled, templateDocument } from '../catalog/documents.js';
import type { ConditionInput } from './status.js';
import type { SloCatalogEntry } from '../budget/slo.js';
import { catalogEntryFromCompiled } from '../catalog/catalog-entry.js';
import { removeFromCatalog, syncSloCatalog, upsertSloCatalog } from '../catalog/slo-catalog.js';
import { redisKeys } from '../redis/redis-keys.js';
import { catalogKeys } from '../redis/redis-keys.js';

export interface SloPublisher {
  /** The SLO compiled to this; undefined when it was deleted (an invalid SLO keeps its last entry, as it keeps its rules). */
  published(slo: { readonly namespace: string; readonly name: string }, compiled: CompiledSlo | undefined): void;
  /** The SLO's current conditions (shown by the API next to its spec). */
  conditions(slo: { readonly namespace: string; readonly name: string }, conditions: readonly ConditionInput[]): void;
  /** Rewrites everything published so far (after leadership changes, periodically). */
  resync(): void;
  close(): Promise<void>;
}

export interface CatalogPublisherOptions {
  readonly redis: Redis;
  readonly logger: Logger;
  /** Gather changes this long before writing them. Default 250 ms. */
  readonly flushDelayMs?: number;
  /** Extra writers of the same compiled SLOs and their conditions (e.g. the API's documents). */
  readonly alsoPublish?: (slos: ReadonlyMap<string, CompiledSlo>, conditions: ReadonlyMap<string, readonly ConditionInput[]>) => Promise<void>;
  readonly onError?: (error: unknown) => void;
  /**
   * Whether this process may write now (Kubernetes mode: only the leader). Republishing after a Redis
   * reconnect or data loss asks it first, so a former leader never overwrites the catalog. Default: always.
   */
  readonly mayWrite?: () => boolean;
  /** How often to check that Redis still holds the catalog (its version key); 0 = never. Default 10 s. */
  readonly lossCheckMs?: number;
  /** Longest wait for the last write when closing. Default 2 s. */
  readonly closeFlushTimeoutMs?: number;
}

export class CatalogPublisher implements SloPublisher {
  private readonly entries = new Map<string, SloCatalogEntry>();
  private readonly compiled = new Map<string, CompiledSlo>();
  private readonly sloConditions = new Map<string, readonly ConditionInput[]>();
  private documentsDirty = false;
  private readonly pendingUpserts = new Set<string>();
  private readonly pendingRemovals = new Map<string, { namespace: string; name: string }>();
  private fullSync = false;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Something was written to Redis: from then on a catalog missing from Redis means Redis lost it. */
  private wrote = false;
  private connects = 0;
  private readonly lossTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: CatalogPublisherOptions) {
    const { redis } = options;
    // ioredis emits `ready` on every (re)connect; after a reconnect Redis may be a new, empty instance
    // (restart without persistence), so rewrite the whole catalog at once instead of at the next resync.
    this.connects = redis.status === 'ready' ? 1 : 0;
    redis.on('ready', this.onReady);
    const lossCheckMs = options.lossCheckMs ?? 10_000;
    if (lossCheckMs > 0) {
      // Data can also vanish without a reconnect (FLUSHALL, eviction, a failover to an empty replica).
      this.lossTimer = setInterval(() => void this.checkForLoss(), lossCheckMs);
      this.lossTimer.unref?.();
    }
  }

  private readonly onReady = (): void => {
    if (this.connects++ > 0) this.republish('redis reconnected');
  };

  private republish(why: string): void {
    if (this.closed || !this.wrote || !(this.options.mayWrite?.() ?? true)) return;
    this.options.logger.info({ why, slos: this.entries.size }, 'republishing the SLO catalog');
    this.resync();
  }

  private async checkForLoss(): Promise<void> {
    if (!this.wrote || this.entries.size === 0 || this.options.redis.status !== 'ready') return;
    try {
      // Both version keys exist once something was written (the documents' only with a documents writer).
      const markers = this.options.alsoPublish ? [redisKeys.sloCatalogVersion, catalogKeys.documentsVersion] : [redisKeys.sloCatalogVersion];
      if ((await this.options.redis.exists(...markers)) < markers.length) this.republish('the catalog is missing from Redis');
    } catch {
      // Redis unreachable: the reconnect will republish.
    }
  }

  published(slo: { readonly namespace: string; readonly name: string }, compiled: CompiledSlo | undefined): void {
    const key = `${slo.namespace}/${slo.name}`;
    if (compiled) {
      this.entries.set(key, catalogEntryFromCompiled(compiled));
      this.compiled.set(key, compiled);
      this.pendingUpserts.add(key);
      this.pendingRemovals.delete(key);
    } else {
      // Also when never published here: a previous process may have left it in Redis.
      this.entries.delete(key);
      this.compiled.delete(key);
      this.sloConditions.delete(key);
      this.pendingUpserts.delete(key);
      this.pendingRemovals.set(key, { namespace: slo.namespace, name: slo.name });
    }
    this.documentsDirty = true;
    this.schedule();
  }

  conditions(slo: { readonly namespace: string; readonly name: string }, conditions: readonly ConditionInput[]): void {
    const key = `${slo.namespace}/${slo.name}`;
    if (JSON.stringify(this.sloConditions.get(key)) === JSON.stringify(conditions)) return;
    this.sloConditions.set(key, conditions);
    this.documentsDirty = true;
    this.schedule();
  }

  resync(): void {
    this.fullSync = true;
    this.schedule();
  }

  /** Writes whatever is pending now; resolves when written (or failed and left pending). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => void this.flush(), this.options.flushDelayMs ?? 250);
    this.timer.unref?.();
  }

  private async write(): Promise<void> {
    const full = this.fullSync;
    const upserts = [...this.pendingUpserts];
    const removals = [...this.pendingRemovals.values()];
    const documents = this.documentsDirty || full;
    if (!full && !documents && upserts.length === 0 && removals.length === 0) return;
    this.fullSync = false;
    this.documentsDirty = false;
    this.pendingUpserts.clear();
    this.pendingRemovals.clear();
    try {
      const { redis } = this.options;
      if (full) await syncSloCatalog(redis, [...this.entries.values()]);
      else {
        if (upserts.length) await upsertSloCatalog(redis, upserts.flatMap((k) => this.entries.get(k) ?? []));
        if (removals.length) await removeFromCatalog(redis, removals);
      }
      if (documents) await this.options.alsoPublish?.(this.compiled, this.sloConditions);
      this.wrote = true;
    } catch (error) {
      // Keep the work: a full sync covers everything that was pending.
      this.fullSync = true;
      this.options.onError?.(error);
      this.options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'publishing the SLO catalog to Redis failed; will retry');
      if (!this.closed) {
        this.timer = setTimeout(() => void this.flush(), 5_000);
        this.timer.unref?.();
      }
    }
  }

  /**
   * Writes what is pending if Redis answers, without waiting on one that does not: shutting down while Redis
   * is unreachable used to retry for half a minute (each command waits out the client's reconnects). Nothing
   * is lost by giving up: the next controller rewrites the whole catalog when it starts.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.lossTimer) clearInterval(this.lossTimer);
    this.options.redis.off('ready', this.onReady);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.options.redis.status !== 'ready') {
      this.options.logger.warn({ redis: this.options.redis.status }, 'Redis is unreachable: SLO catalog changes not yet written, if any, are left to the next controller');
      return;
    }
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      deadline = setTimeout(() => resolve(true), this.options.closeFlushTimeoutMs ?? 2_000);
    });
    try {
      if (await Promise.race([this.flush().then(() => false), timedOut])) {
        this.options.logger.warn('Redis did not take the last SLO catalog write in time: it is left to the next controller');
      }
    } finally {
      clearTimeout(deadline);
    }
  }
}

/**
 * The publisher the roles use: the workers' catalog plus the API's documents (SLOs with their conditions,
 * and every valid template the source holds).
 */
export function createCatalogPublisher(options: { redis: Redis; logger: Logger; templates: () => readonly SourcedResource[]; mayWrite?: () => boolean }): CatalogPublisher {
  return new CatalogPublisher({
    redis: options.redis,
    logger: options.logger,
    ...(options.mayWrite ? { mayWrite: options.mayWrite } : {}),
    alsoPublish: async (slos, conditions) => {
      await syncCatalogDocuments(options.redis, {
        slos: [...slos].map(([key, slo]) => sloDocumentFromCompiled(slo, conditions.get(key))),
        templates: compile(options.templates()).templates.map(templateDocument),
      });
    },
  });
}
