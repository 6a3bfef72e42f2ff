/**
 * Vigil's one door to Prometheus: instant and range queries through `prometheus-query`, with a timeout and,
 * as an option, retries with backoff (src/runtime/backoff.ts); and the rule reload. Used by the workers
 * (retries on), the API (one attempt: a person is waiting) and the rule-file sink (reload). Speaks the
 * plain HTTP API, so Thanos Query or Mimir can stand in. A failed query is an error, never an empty result
 * or a zero.
 */
import { PrometheusDriver } from 'prometheus-query';
import { retry, type BackoffOptions } from '../runtime/backoff.js';

export interface VectorSample {
  /** The metric name (empty after an aggregation or arithmetic). */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** May be NaN (e.g. 0/0 with no traffic); callers decide what that means. */
  readonly value: number;
}

export interface RangeSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** [epoch ms, value] pairs, in time order. */
  readonly points: readonly (readonly [number, number])[];
}

export type QueryKind = 'instant' | 'range';

/** Narrow interface the workers and the API depend on. All times are epoch milliseconds. */
export interface MetricsReader {
  instantQuery(expr: string, evalTimeMs: number): Promise<VectorSample[]>;
  /** `expr` from `startMs` to `endMs` every `stepMs`. */
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
  /** Per-attempt timeout (HTTP and the server-side query timeout). Default 20 s. */
  readonly timeoutMs?: number;
  /** Attempts including the first; 1 = no retries. Default 3. */
  readonly attempts?: number;
  /** First backoff delay; doubles each retry, with up to +20 % jitter. Default 250 ms. */
  readonly backoffMs?: number;
  /** Told about every attempt, for Vigil's own metrics. */
  readonly onAttempt?: (outcome: { kind: QueryKind; ok: boolean; seconds: number; errorType?: string }) => void;
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

function driverFor(url: string, timeoutMs: number): PrometheusDriver {
  return new PrometheusDriver({ endpoint: url.replace(/\/+$/, ''), baseURL: '/api/v1', timeout: timeoutMs, preferPost: true });
}

export function createPrometheusReader(options: PrometheusReaderOptions): MetricsReader {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const backoff: BackoffOptions = { baseMs: options.backoffMs ?? 250, maxMs: 30_000, jitter: 0.2 };
  const driver = driverFor(options.url, timeoutMs);
  const serverTimeout = `${Math.max(1, Math.floor(timeoutMs / 1000))}s`;

  /** Runs one query with timeout and (optional) retries; `call` performs a single attempt. */
  async function query<T>(kind: QueryKind, expr: string, call: () => Promise<T>): Promise<T> {
    let last: ReturnType<typeof describe> | undefined;
    try {
      return await retry(
        async () => {
          const started = performance.now();
          try {
            const value = await call();
            options.onAttempt?.({ kind, ok: true, seconds: (performance.now() - started) / 1000 });
            return value;
          } catch (error) {
            last = describe(error);
            options.onAttempt?.({ kind, ok: false, seconds: (performance.now() - started) / 1000, errorType: last.errorType });
            throw error;
          }
        },
        { attempts: options.attempts ?? 3, backoff, retryable: () => last?.retryable ?? true },
      );
    } catch {
      throw new PrometheusQueryError(`Prometheus query failed: ${last?.message}`, expr, last?.retryable ?? true);
    }
  }

  type Metric = { name?: string; labels: Record<string, string> };
  let queries = 0;
  return {
    get queries() {
      return queries;
    },
    instantQuery(expr, evalTimeMs) {
      queries++;
      return query('instant', expr, async () => {
        const result = await driver.instantQuery(expr, evalTimeMs, serverTimeout);
        if (result.resultType !== 'vector') throw { errorType: 'unexpected_result', error: `expected a vector, got ${result.resultType}`, httpStatus: 422 };
        return (result.result as Array<{ metric: Metric; value: { value: number } }>).map((s) => ({
          name: s.metric.name ?? '',
          labels: s.metric.labels,
          value: Number(s.value.value),
        }));
      });
    },
    rangeQuery(expr, startMs, endMs, stepMs) {
      queries++;
      return query('range', expr, async () => {
        const result = await driver.rangeQuery(expr, startMs, endMs, stepMs / 1000, serverTimeout);
        return (result.result as Array<{ metric: Metric; values: Array<{ time: Date; value: number }> }>).map((series) => ({
          labels: series.metric.labels,
          points: series.values.map((v) => [v.time.getTime(), Number(v.value)] as const),
        }));
      });
    },
  };
}

/**
 * Tells Prometheus to reload its configuration and rule files (POST /-/reload, which needs
 * --web.enable-lifecycle) and confirms the reload: runtimeinfo's reloadConfigSuccess, or else the
 * prometheus_config_last_reload_successful metric; a 200 from /-/reload alone counts when neither is
 * available (the reload handler itself answers 500 when loading fails). Returns why it failed, or undefined.
 */
export async function reloadPrometheus(url: string, timeoutMs = 10_000): Promise<string | undefined> {
  const base = url.replace(/\/+$/, '');
  try {
    const response = await fetch(`${base}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return `POST /-/reload: HTTP ${response.status}: ${(await response.text()).trim().slice(0, 500)}`;
  } catch (error) {
    return `Prometheus at ${base} unreachable: ${error instanceof Error ? error.message : String(error)}`;
  }
  const driver = driverFor(base, timeoutMs);
  try {
    const info = (await driver.statusRuntimeInfo()) as { reloadConfigSuccess?: boolean } | undefined;
    if (info?.reloadConfigSuccess === false) return 'reload not confirmed: runtimeinfo says reloadConfigSuccess=false';
    if (info?.reloadConfigSuccess === true) return undefined;
  } catch {
    // an API without runtimeinfo: fall through to the metric
  }
  try {
    const [sample] = await createPrometheusReader({ url: base, timeoutMs, attempts: 1 }).instantQuery('prometheus_config_last_reload_successful', Date.now());
    return sample?.value === 0 ? 'reload not confirmed: prometheus_config_last_reload_successful is 0' : undefined;
  } catch (error) {
    return `reload not confirmed: ${error instanceof Error ? error.message : String(error)}`;
  }
}
