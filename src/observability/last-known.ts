/**
 * Reads for prom-client collect callbacks that must not hold up a scrape: a `/metrics` answer has to come
 * back while Redis is down (that is when operators need the process's own metrics most). Each read waits at
 * most `timeoutMs`; on a timeout or an error it answers with the last value read successfully (or nothing),
 * and callers re-check the freshness of what it holds against the clock, so old results go stale and drop
 * out as they would during a Prometheus outage. At most one read is in flight: scrapes during an outage
 * share it instead of piling commands up in the client's offline queue. Reads within `shareMs` of each
 * other share one result (the collect callbacks of one scrape).
 */
import { Counter, type Registry } from 'prom-client';

export const READ_FAILURES_METRIC = 'vigil_results_read_failures_total';

/** The counter of reads that fell back to last-known data, one per registry (budget and health share it). */
export function readFailuresCounter(registry: Registry): Counter<'source'> {
  const existing = registry.getSingleMetric(READ_FAILURES_METRIC);
  if (existing) return existing as Counter<'source'>;
  return new Counter({
    name: READ_FAILURES_METRIC,
    help: 'Scrapes that could not read results from Redis in time (failed or timed out) and exported the last ones read instead, by source (budget, health).',
    labelNames: ['source'],
    registers: [registry],
  });
}

export interface LastKnownRead<T> {
  readonly value: T | undefined;
  /** false when `value` is the last good one (or undefined) because this read failed or timed out. */
  readonly current: boolean;
}

export interface LastKnownOptions {
  /** Longest a scrape waits for the read. Default 2 s. */
  readonly timeoutMs?: number;
  /** Reads started within this long of the previous one share its result. Default 1 s. */
  readonly shareMs?: number;
  /** Called once per failed or timed-out read. */
  readonly onFailure?: (reason: 'error' | 'timeout', error?: unknown) => void;
}

export function lastKnown<T>(load: () => Promise<T>, options: LastKnownOptions = {}): () => Promise<LastKnownRead<T>> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const shareMs = options.shareMs ?? 1000;
  let last: T | undefined;
  let inFlight: Promise<T> | undefined;
  let shared: { at: number; promise: Promise<LastKnownRead<T>> } | undefined;

  const start = (): Promise<T> => {
    if (inFlight) return inFlight;
    const promise = load().then(
      (value) => {
        last = value;
        return value;
      },
      (error: unknown) => {
        options.onFailure?.('error', error);
        throw error;
      },
    );
    inFlight = promise;
    void promise.then(
      () => (inFlight = undefined),
      () => (inFlight = undefined),
    );
    return promise;
  };

  const read = async (): Promise<LastKnownRead<T>> => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref?.();
    });
    try {
      const outcome = await Promise.race([start(), timedOut]);
      if (outcome === 'timeout') {
        options.onFailure?.('timeout');
        return { value: last, current: false };
      }
      return { value: outcome, current: true };
    } catch {
      return { value: last, current: false };
    } finally {
      clearTimeout(timer);
    }
  };

  return () => {
    const now = Date.now();
    if (!shared || now - shared.at > shareMs) shared = { at: now, promise: read() };
    return shared.promise;
  };
}
