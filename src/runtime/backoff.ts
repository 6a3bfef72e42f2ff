/**
 * Backoff and the one retry loop. Exponential backoff with jitter, as client-go's wait.Backoff:
 * base·2^attempt, capped, plus up to `jitter` of random spread on top. Everything that waits after a failure
 * (informer restarts, the work queue, rule reloads, Prometheus queries) takes its delay from here.
 */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
  /** Fraction of random spread added on top (0.2 = up to +20 %). */
  readonly jitter?: number;
}

export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const raw = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(raw * (1 + (options.jitter ?? 0) * random()));
}

export interface RetryOptions {
  /** Attempts including the first (1 = no retry). */
  readonly attempts: number;
  readonly backoff: BackoffOptions;
  /** Whether a failure may succeed on another attempt; default: every failure may. */
  readonly retryable?: (error: unknown) => boolean;
  /** Told about every failed attempt (1-based), before the wait. */
  readonly onFailure?: (error: unknown, attempt: number) => void;
  /** For tests: how to wait and where the jitter comes from. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `attempt` until it resolves, a failure is not retryable, or the attempts are used up; waits
 * backoffDelay between attempts. Rejects with the last failure.
 */
export async function retry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = Math.max(1, Math.floor(options.attempts));
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      options.onFailure?.(error, n);
      if (n >= attempts || !(options.retryable?.(error) ?? true)) throw error;
      await (options.sleep ?? sleepMs)(backoffDelay(n - 1, options.backoff, options.random));
    }
  }
}
