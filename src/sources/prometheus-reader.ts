/**
 * `MetricsReader`: the narrow interface the worker reads Prometheus through (instant queries only, so
 * Thanos Query or Mimir can stand in), and its implementation on `prometheus-query`.
 */
import { PrometheusDriver } from 'prometheus-query';

export interface VectorSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricsReader {
  /** Evaluates `expr` at `at`; returns the instant vector. */
  instant(expr: string, at: Date): Promise<VectorSample[]>;
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
}
