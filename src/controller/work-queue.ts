/**
 * A deduplicating, rate-limited work queue in the manner of client-go's workqueue: a key waiting in the
 * queue is not added twice; a key being processed is re-queued once when it changes meanwhile (never
 * processed by two workers at once); failures come back after a per-key exponential backoff, and retries
 * as a whole are held to a token bucket so a broken API server is not hammered.
 */
import { backoffDelay, type BackoffOptions } from '../runtime/backoff.js';

export interface WorkQueueOptions {
  readonly concurrency: number;
  readonly retryBackoff: BackoffOptions;
  /** Retries admitted per second overall, and the burst (client-go: 10 qps, burst 100). */
  readonly retryQps: number;
  readonly retryBurst: number;
}

export const defaultWorkQueueOptions: WorkQueueOptions = {
  concurrency: 16,
  retryBackoff: { baseMs: 100, maxMs: 60_000, jitter: 0.1 },
  retryQps: 10,
  retryBurst: 100,
};

export type Handler = (key: string) => Promise<void>;

export class WorkQueue {
  private readonly queue: string[] = [];
  private head = 0;
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly waiting = new Map<string, NodeJS.Timeout>();
  private readonly idleWaiters: Array<() => void> = [];
  private handler: Handler | undefined;
  private running = 0;
  private paused = true;
  private pumpScheduled = false;
  private shuttingDown = false;
  private tokens: number;
  private lastRefill = Date.now();
  readonly stats = { adds: 0, processed: 0, retries: 0, failures: 0 };

  constructor(private readonly options: WorkQueueOptions = defaultWorkQueueOptions) {
    this.tokens = options.retryBurst;
  }

  get depth(): number {
    return this.queue.length - this.head;
  }

  get pendingRetries(): number {
    return this.waiting.size;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    this.stats.adds++;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    const timer = this.waiting.get(key);
    if (timer) {
      // A fresh change supersedes a pending retry.
      clearTimeout(timer);
      this.waiting.delete(key);
    }
    this.queued.add(key);
    this.queue.push(key);
    this.schedulePump();
  }

  /** Pumps on the next turn, so a synchronous burst of adds (one file, one list) is queued before work starts. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Adds the key after a delay, unless it is already queued or waiting (coalesces bursts of notifications). */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown || this.queued.has(key) || this.waiting.has(key) || this.dirty.has(key)) return;
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref?.();
    this.waiting.set(key, timer);
  }

  /** Re-adds the key after its backoff (and a retry token). */
  addRateLimited(key: string): void {
    if (this.shuttingDown || this.waiting.has(key)) return;
    const attempt = this.failures.get(key) ?? 0;
    this.failures.set(key, attempt + 1);
    const delay = Math.max(backoffDelay(attempt, this.options.retryBackoff), this.takeToken());
    this.stats.retries++;
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, delay);
    timer.unref?.();
    this.waiting.set(key, timer);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  retriesOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Starts (or resumes) processing with `handler`. */
  run(handler: Handler): void {
    this.handler = handler;
    this.paused = false;
    this.pump();
  }

  /** Stops taking new work (in-flight work finishes); queued keys stay queued. */
  pause(): void {
    this.paused = true;
  }

  /** Resolves when nothing is queued, processing or waiting for a retry. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves when nothing is queued or processing (retries may be pending). */
  isIdle(): boolean {
    return this.depth === 0 && this.running === 0 && this.waiting.size === 0;
  }

  async shutDown(): Promise<void> {
    this.shuttingDown = true;
    this.paused = true;
    for (const t of this.waiting.values()) clearTimeout(t);
    this.waiting.clear();
    this.queue.length = 0;
    this.head = 0;
    this.queued.clear();
    while (this.running > 0) await new Promise((r) => setTimeout(r, 10));
    this.notifyIdle();
  }

  private takeToken(): number {
    const now = Date.now();
    this.tokens = Math.min(this.options.retryBurst, this.tokens + ((now - this.lastRefill) / 1000) * this.options.retryQps);
    this.lastRefill = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.options.retryQps) * 1000);
  }

  private pump(): void {
    while (!this.paused && this.handler && this.running < this.options.concurrency && this.depth > 0) {
      const key = this.queue[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.queued.delete(key);
      this.processing.add(key);
      this.running++;
      void this.process(key, this.handler);
    }
    if (this.isIdle()) this.notifyIdle();
  }

  private async process(key: string, handler: Handler): Promise<void> {
    try {
      await handler(key);
      this.failures.delete(key);
    } catch {
      this.stats.failures++;
      this.addRateLimited(key);
    } finally {
      this.stats.processed++;
      this.processing.delete(key);
      this.running--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }

  private notifyIdle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
