/**
 * Vigil's own worker metrics (the process serves them on `--metrics-listen`): job duration and
 * failures, queue depth, Prometheus queries and their errors. Budget results themselves are exported by
 * the API process from Redis (src/export/), so every API replica serves the same complete set.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queue } from 'bullmq';
import { lastKnown } from './last-known.js';

export interface WorkerMetrics {
  readonly registry: Registry;
  readonly jobDuration: Histogram<'outcome'>;
  readonly jobFailures: Counter<'reason'>;
  readonly prometheusQueries: Counter<'outcome'>;
  readonly prometheusQueryErrors: Counter<'error_type'>;
  /** Range queries of raw series that filled period tiles missing from the recordings (once per SLO and gap). */
  readonly gapFillQueries: Counter;
  readonly prometheusQueryDuration: Histogram;
  readonly schedulers: Gauge;
  /** BullMQ Workers found no longer fetching jobs and replaced (src/worker/supervised-worker.ts). */
  readonly queueStalls: Counter<'queue'>;
}

export function createWorkerMetrics(options: { queue: () => Queue | undefined; defaultMetrics?: boolean }): WorkerMetrics {
  const registry = new Registry();
  const readCounts = lastKnown(async () => options.queue()?.getJobCounts('wait', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children'), { timeoutMs: 2000 });
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'vigil_worker_' });
  const queueDepth = new Gauge({
    name: 'vigil_queue_jobs',
    help: 'Jobs in the budget queue by state (BullMQ counts, read from Redis at scrape time).',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const queue = options.queue();
      this.reset();
      if (!queue) return;
      // Bounded: while Redis is down the counts are unknown and left out, and the rest of /metrics answers.
      const { value: counts, current } = await readCounts();
      if (!current || !counts) return;
      for (const [state, n] of Object.entries(counts)) this.set({ queue: queue.name, state }, n);
    },
  });
  void queueDepth;
  return {
    registry,
    jobDuration: new Histogram({
      name: 'vigil_budget_job_duration_seconds',
      help: 'Duration of budget jobs, by outcome (ok, failed).',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    jobFailures: new Counter({
      name: 'vigil_budget_job_failures_total',
      help: 'Budget job attempts that failed, by reason (prometheus, redis, other).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    prometheusQueries: new Counter({
      name: 'vigil_prometheus_queries_total',
      help: 'Prometheus query attempts by outcome (ok, error).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    gapFillQueries: new Counter({
      name: 'vigil_budget_gap_fill_queries_total',
      help: 'Range queries of raw series sent to fill period tiles missing from the recordings (one per SLO and gap, then cached in Redis).',
      registers: [registry],
    }),
    prometheusQueryErrors: new Counter({
      name: 'vigil_prometheus_query_errors_total',
      help: 'Failed Prometheus query attempts by error type (network_error, timeout_error, http_error, …).',
      labelNames: ['error_type'],
      registers: [registry],
    }),
    prometheusQueryDuration: new Histogram({
      name: 'vigil_prometheus_query_duration_seconds',
      help: 'Duration of Prometheus query attempts.',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    schedulers: new Gauge({
      name: 'vigil_budget_schedulers',
      help: 'Budget job schedulers after the last reconcile by this worker.',
      registers: [registry],
    }),
    queueStalls: new Counter({
      name: 'vigil_worker_queue_stalls_total',
      help: 'Times a queue worker in this process stopped fetching jobs while work was due (e.g. after a Redis failover) and was replaced.',
      labelNames: ['queue'],
      registers: [registry],
    }),
  };
}
