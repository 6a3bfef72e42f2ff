/** Exponential backoff with jitter, as client-go's wait.Backoff: base·2^attempt, capped, ±jitter. */
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
