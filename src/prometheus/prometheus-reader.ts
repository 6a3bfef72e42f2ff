/**
 * The workers' only door to Prometheus: instant and range queries through `prometheus-query`, with a
 * timeout and retries with exponential backoff. Speaks the plain HTTP API, so Thanos Query or Mimir can
 * stand in. A failed query is an error, never an empty result or a zero.
 */
import { PrometheusDriver } from 'prometheus-query';

export interface VectorSample {
  readonly labels: Readonly<Record<string, string>>;
  /** May be NaN (e.g. 0/0 with no traffic); callers decide what that means. */
  readonly value: number;
}

export interface RangeSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** [epoch ms, value] pairs, in time order. */
  readonly points: readonly (readonly [number, number])[];
}

/** Narrow interface the workers depend on. */
export interface MetricsReader {
  instantQuery(expr: string, evalTimeMs: number): Promise<VectorSample[]>;
  /** `expr` from `startMs` to `endMs` every `stepMs` (baseline backfills). */
  rangeQuery(expr: string, startMs: number, endMs: number, stepMs: number): Promise<RangeSeries[]>;
  /** Queries sent so far, retries not counted (for cycle metrics and benchmarks). */
  readonly queries: number;
}

export class PrometheusQueryError extends Error {
  readonly code = 'VIGIL_PROMETHEUS_QUERY';
  constructor(
    message: string,
    readonly expr: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'PrometheusQueryError';
  }
}

export interface PrometheusReaderOptions {
  readonly url: string;
  /** Per-attempt timeout (HTTP and the server-side query timeout). */
  readonly timeoutMs?: number;
  /** Attempts including the first. */
  readonly attempts?: number;
  /** First backoff delay; doubles each retry, with ±20 % jitter. */
  readonly backoffMs?: number;
  /** Told about every attempt, for Vigil's own metrics. */
  readonly onAttempt?: (outcome: { ok: boolean; seconds: number; errorType?: string }) => void;
}

interface DriverError {
  status?: string;
  errorType?: string;
  error?: string;
  httpStatus?: number;
}

function describe(error: unknown): { message: string; errorType: string; retryable: boolean } {
  const e = (error ?? {}) as DriverError;
  const errorType = e.errorType ?? (error instanceof Error ? error.name : 'unknown');
  // Bad PromQL (400) or an execution limit (422) will fail the same way again.
  const retryable = !(e.httpStatus === 400 || e.httpStatus === 422);
  const message = e.error ?? (error instanceof Error ? error.message : String(error));
  return { message: `${errorType}${e.httpStatus ? ` (HTTP ${e.httpStatus})` : ''}: ${message}`, errorType, retryable };
}

export function createPrometheusReader(options: PrometheusReaderOptions): MetricsReader {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const attempts = Math.max(1, options.attempts ?? 3);
  const backoffMs = options.backoffMs ?? 250;
  const driver = new PrometheusDriver({ endpoint: options.url.replace(/\/+$/, ''), baseURL: '/api/v1', timeout: timeoutMs, preferPost: true });
  const serverTimeout = `${Math.max(1, Math.floor(timeoutMs / 1000))}s`;

  /** Runs one query with timeout and retries; `call` performs a single attempt. */
  async function withRetries<T>(expr: string, call: () => Promise<T>): Promise<T> {
    let last: ReturnType<typeof describe> | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const started = performance.now();
      try {
        const value = await call();
        options.onAttempt?.({ ok: true, seconds: (performance.now() - started) / 1000 });
        return value;
      } catch (error) {
        last = describe(error);
        options.onAttempt?.({ ok: false, seconds: (performance.now() - started) / 1000, errorType: last.errorType });
        if (!last.retryable || attempt === attempts) break;
        const delay = backoffMs * 2 ** (attempt - 1) * (0.8 + Math.random() * 0.4);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    throw new PrometheusQueryError(`Prometheus query failed: ${last?.message}`, expr, last?.retryable ?? true);
  }

  let queries = 0;
  return {
    get queries() {
      return queries;
    },
    instantQuery(expr, evalTimeMs) {
      queries++;
      return withRetries(expr, async () => {
        const result = await driver.instantQuery(expr, evalTimeMs, serverTimeout);
        if (result.resultType !== 'vector') throw { errorType: 'unexpected_result', error: `expected a vector, got ${result.resultType}`, httpStatus: 422 };
        return result.result.map((s: { metric: { labels: Record<string, string> }; value: { value: number } }) => ({
          labels: s.metric.labels,
          value: Number(s.value.value),
        }));
      });
    },
    rangeQuery(expr, startMs, endMs, stepMs) {
      queries++;
      return withRetries(expr, async () => {
        const result = await driver.rangeQuery(expr, startMs, endMs, stepMs / 1000, serverTimeout);
        return (result.result as Array<{ metric: { labels: Record<string, string> }; values: Array<{ time: Date; value: number }> }>).map((series) => ({
          labels: series.metric.labels,
          points: series.values.map((v) => [v.time.getTime(), Number(v.value)] as const),
        }));
      });
    },
  };
}
