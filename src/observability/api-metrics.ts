/**
 * Vigil's own API metrics (requests, latency, Prometheus queries, catalog refreshes, process) in the same
 * registry as the exported results, so `/metrics` is one scrape.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ApiMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route'>;
  readonly prometheusQueries: Counter<'kind' | 'outcome'>;
  readonly catalogRefresh: Histogram<string>;
  readonly catalogSlos: Gauge<string>;
}

export function createApiMetrics(registry = new Registry()): ApiMetrics {
  collectDefaultMetrics({ register: registry, prefix: 'vigil_api_' });
  return {
    registry,
    requests: new Counter({ name: 'vigil_api_requests_total', help: 'API requests by route and status.', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    duration: new Histogram({
      name: 'vigil_api_request_duration_seconds',
      help: 'API request latency by route.',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    prometheusQueries: new Counter({ name: 'vigil_api_prometheus_queries_total', help: 'Queries the API sent to Prometheus.', labelNames: ['kind', 'outcome'], registers: [registry] }),
    catalogRefresh: new Histogram({ name: 'vigil_api_catalog_refresh_seconds', help: 'Time to reload the SLO index after a catalog change.', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] }),
    catalogSlos: new Gauge({ name: 'vigil_api_catalog_slos', help: 'SLOs in the API index.', registers: [registry] }),
  };
}
