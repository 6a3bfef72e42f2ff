/**
 * What the history commands ask Prometheus before reading a range: how far back it keeps data, so a
 * range beyond retention is refused with a clear message instead of silently replaying half of it.
 */
import { durationSeconds } from './duration-seconds.js';

/** Prometheus's `--storage.tsdb.retention.time` in seconds; undefined when it does not say (size-only retention, or an API without /status/flags such as Thanos). */
export async function retentionSeconds(url: string, timeoutMs = 10_000): Promise<number | undefined> {
  const response = await fetch(`${url.replace(/\/+$/, '')}/api/v1/status/flags`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) return undefined;
  const body = (await response.json()) as { data?: Record<string, string> };
  const text = body.data?.['storage.tsdb.retention.time'];
  if (!text || text === '0s') return undefined;
  return durationSeconds(text);
}

/** A one-line error when `rangeSeconds` reaches further back than Prometheus keeps data, else undefined. */
export function beyondRetention(rangeSeconds: number, retention: number | undefined, what: string): string | undefined {
  if (retention === undefined || rangeSeconds <= retention) return undefined;
  const days = (s: number) => `${Number((s / 86_400).toFixed(1))}d`;
  return `${what} ${days(rangeSeconds)} is beyond Prometheus's retention (${days(retention)}): choose a range of at most ${days(retention)}`;
}
