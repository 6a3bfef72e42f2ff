/**
 * The API's door to Prometheus (HTTP API only, so Thanos Query or Mimir can stand in): one instant query
 * or one range query per request, with a timeout and no retries (a person is waiting). Failures become
 * PROMETHEUS_UNAVAILABLE; a query Prometheus rejects is a bug and surfaces as such.
 */
import { PrometheusDriver } from 'prometheus-query';
import { apiError } from '../errors.js';

export interface Sample {
  /** The metric name (empty after an aggregation). */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface RangeSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly points: ReadonlyArray<{ readonly t: number; readonly v: number }>;
}

/** What the routes need from Prometheus (tests may use a real Prometheus; nothing mocks it). */
export interface SeriesReader {
  instant(expr: string, atMs?: number): Promise<Sample[]>;
  range(expr: string, startS: number, endS: number, stepS: number): Promise<RangeSeries[]>;
}

export function createSeriesReader(options: { url: string; timeoutMs?: number; onQuery?: (kind: 'instant' | 'range', ok: boolean, seconds: number) => void }): SeriesReader {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const driver = new PrometheusDriver({ endpoint: options.url.replace(/\/+$/, ''), baseURL: '/api/v1', timeout: timeoutMs, preferPost: true });
  const serverTimeout = `${Math.max(1, Math.floor(timeoutMs / 1000))}s`;
  const run = async <T>(kind: 'instant' | 'range', query: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      const out = await query();
      options.onQuery?.(kind, true, (performance.now() - started) / 1000);
      return out;
    } catch (error) {
      options.onQuery?.(kind, false, (performance.now() - started) / 1000);
      const e = error as { error?: string; message?: string };
      throw apiError('PROMETHEUS_UNAVAILABLE', `Prometheus query failed: ${e.error ?? e.message ?? String(error)}`);
    }
  };
  type Metric = { name?: string; labels: Record<string, string> };
  return {
    instant: (expr, atMs) =>
      run('instant', async () => {
        const r = await driver.instantQuery(expr, atMs ?? Date.now(), serverTimeout);
        return (r.result as Array<{ metric: Metric; value: { value: number } }>).map((s) => ({ name: s.metric.name ?? '', labels: s.metric.labels, value: Number(s.value.value) }));
      }),
    range: (expr, startS, endS, stepS) =>
      run('range', async () => {
        const r = await driver.rangeQuery(expr, startS * 1000, endS * 1000, stepS, serverTimeout);
        return (r.result as Array<{ metric: Metric; values: Array<{ time: Date; value: number }> }>).map((s) => ({
          labels: s.metric.labels,
          points: s.values.map((p) => ({ t: p.time.getTime() / 1000, v: Number(p.value) })),
        }));
      }),
  };
}
