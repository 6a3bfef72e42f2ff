/**
 * Keeps exactly one BullMQ job scheduler per catalog SLO. Idempotent, so every worker replica runs it
 * at start and periodically: Redis can lose schedulers (restart without persistence, eviction), and
 * SLOs come and go. A full pass lists all schedulers; it runs when the catalog version or the scheduler
 * count says something changed, and every `fullEvery` ticks regardless.
 *
 * Schedulers start on a cycle boundary (`startDate` = next multiple of the cycle), so every SLO's job
 * fires at the same instants, k × cycle: the jobs of one cycle then share one evaluation time and one
 * set of Prometheus queries (see cycle-cache.ts). A new scheduler also gets one immediate job, so a new
 * SLO (or one whose scheduler Redis lost) has results without waiting for the boundary.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import { readSloCatalog } from '../catalog/slo-catalog.js';
import { budgetSchedulerId, redisKeys, sloKeyOfScheduler } from '../redis/redis-keys.js';

export interface BudgetJobData {
  /** `namespace/name` of the SLO. */
  readonly slo: string;
}

export interface ReconcileOptions {
  readonly cycleMs: number;
  /** Attempts per budget job (first try included) and the first retry delay. */
  readonly attempts: number;
  readonly backoffMs: number;
}

export interface ReconcileReport {
  readonly full: boolean;
  readonly added: number;
  readonly removed: number;
  readonly schedulers: number;
}

export class SchedulerReconciler {
  #lastVersion: string | null | undefined;
  #ticks = 0;

  constructor(
    private readonly redis: Redis,
    private readonly queue: Queue<BudgetJobData>,
    private readonly options: ReconcileOptions,
    private readonly logger: Logger,
    private readonly fullEvery = 10,
  ) {}

  async tick(): Promise<ReconcileReport> {
    const [version, catalogSize, schedulerCount] = await Promise.all([
      this.redis.get(redisKeys.sloCatalogVersion),
      this.redis.hlen(redisKeys.sloCatalog),
      this.queue.getJobSchedulersCount(),
    ]);
    const due = this.#ticks++ % this.fullEvery === 0;
    if (!due && version === this.#lastVersion && catalogSize === schedulerCount) {
      return { full: false, added: 0, removed: 0, schedulers: schedulerCount };
    }
    const report = await this.full();
    this.#lastVersion = version;
    return report;
  }

  async full(): Promise<ReconcileReport> {
    const { entries, invalid } = await readSloCatalog(this.redis);
    if (invalid.length > 0) this.logger.warn({ invalid: invalid.slice(0, 20), count: invalid.length }, 'invalid SLO catalog entries skipped');
    const existing = new Map<string, number | undefined>();
    for (let start = 0; ; start += 1000) {
      const page = await this.queue.getJobSchedulers(start, start + 999, true);
      for (const s of page) existing.set(s.key, s.every === undefined ? undefined : Number(s.every));
      if (page.length < 1000) break;
    }
    let added = 0;
    let removed = 0;
    const upserts: Promise<unknown>[] = [];
    const cycle = this.options.cycleMs;
    const jobOpts = {
      attempts: this.options.attempts,
      backoff: { type: 'exponential' as const, delay: this.options.backoffMs },
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
    };
    const immediate: Array<{ name: string; data: BudgetJobData; opts: typeof jobOpts }> = [];
    for (const key of entries.keys()) {
      const id = budgetSchedulerId(key);
      if (existing.get(id) === cycle) continue;
      added++;
      const startDate = new Date(Math.ceil((Date.now() + 1) / cycle) * cycle);
      upserts.push(this.queue.upsertJobScheduler(id, { every: cycle, startDate }, { name: 'budget', data: { slo: key }, opts: jobOpts }));
      immediate.push({ name: 'budget', data: { slo: key }, opts: jobOpts });
      if (upserts.length >= 200) await Promise.all(upserts.splice(0));
    }
    for (let i = 0; i < immediate.length; i += 1000) upserts.push(this.queue.addBulk(immediate.slice(i, i + 1000)));
    for (const id of existing.keys()) {
      const key = sloKeyOfScheduler(id);
      if (key !== undefined && entries.has(key)) continue;
      removed++;
      upserts.push(this.queue.removeJobScheduler(id));
      if (upserts.length >= 200) await Promise.all(upserts.splice(0));
    }
    await Promise.all(upserts);
    // Results of SLOs no longer in the catalog go too.
    const resultKeys = await this.redis.hkeys(redisKeys.budgetResults);
    const orphans = resultKeys.filter((k) => !entries.has(k));
    if (orphans.length > 0) await this.redis.hdel(redisKeys.budgetResults, ...orphans);
    if (added || removed || orphans.length) this.logger.info({ added, removed, orphanResults: orphans.length, slos: entries.size }, 'budget schedulers reconciled');
    return { full: true, added, removed, schedulers: entries.size };
  }
}
