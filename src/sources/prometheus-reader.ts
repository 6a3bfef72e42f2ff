/**
 * `MetricsReader`: the narrow interface the worker reads Prometheus through (instant queries only, so
 * Thanos Query or Mimir can stand in), and its implementation on `prometheus-query`.
 */
import { PrometheusDriver } from 'prometheus-query';

export interface VectorSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface RangeSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** [epoch ms, value] pairs, in time order. */
  readonly points: readonly (readonly [number, number])[];
}

export interface MetricsReader {
  /** Evaluates `expr` at `at`; returns the instant vector. */
  instant(expr: string, at: Date): Promise<VectorSample[]>;
  /** Evaluates `expr` from `start` to `end` every `stepMs` (for backfilling baselines). */
  range(expr: string, start: Date, end: Date, stepMs: number): Promise<RangeSeries[]>;
}

export interface PrometheusReaderOptions {
  readonly url: string;
  /** Per-query timeout passed to Prometheus (e.g. "30s"). */
  readonly timeout?: string;
}

export class PrometheusReader implements MetricsReader {
  readonly #driver: PrometheusDriver;
  readonly #timeout: string;
  /** Queries sent so far (for the cycle's metrics and the benchmark). */
  queries = 0;

  constructor(options: PrometheusReaderOptions) {
    this.#driver = new PrometheusDriver({ endpoint: options.url, baseURL: '/api/v1' });
    this.#timeout = options.timeout ?? '30s';
  }

  async instant(expr: string, at: Date): Promise<VectorSample[]> {
    this.queries++;
    const result = await this.#driver.instantQuery(expr, at, this.#timeout);
    const out: VectorSample[] = [];
    for (const sample of result.result as { metric: { labels: Record<string, string> }; value: { value: number } }[]) {
      out.push({ labels: sample.metric.labels, value: Number(sample.value.value) });
    }
    return out;
  }

  async range(expr: string, start: Date, end: Date, stepMs: number): Promise<RangeSeries[]> {
    this.queries++;
    const result = await this.#driver.rangeQuery(expr, start, end, stepMs / 1000, this.#timeout);
    return (result.result as { metric: { labels: Record<string, string> }; values: { time: Date; value: number }[] }[]).map((series) => ({
      labels: series.metric.labels,
      points: series.values.map((v) => [v.time.getTime(), Number(v.value)] as const),
    }));
  }
}
