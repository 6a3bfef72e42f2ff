/**
 * The batched PromQL behind the health signals. Each query returns one series per entity (`by (...)` the
 * entity's labels), so the number of queries per cycle is fixed: 4 Istio signals for services and
 * workloads, 3 container signals for workloads only — 11 queries whatever the mesh size.
 *
 * The expressions are constants (fixed label names and windows, nothing user-supplied is interpolated).
 * Container signals map a pod to its workload by stripping the ReplicaSet/pod hash suffixes from the pod
 * name (Deployments) or the ordinal (StatefulSets), which avoids a kube-state-metrics owner join.
 */
import type { SignalName } from '../health/signals.js';
import { MINUTE, formatDuration } from '../model/duration.js';

export type { EntityKind } from '../health/health-result.js';
import type { EntityKind } from '../health/health-result.js';

export interface HealthQuery {
  readonly signal: SignalName;
  readonly kind: EntityKind;
  readonly expr: string;
}

/**
 * Rate window of the Istio and cAdvisor counters (a few scrapes; cycles run every minute). The scorer is
 * told it too: it tells how many requests a ratio stands for, and how much consecutive cycles' windows
 * overlap (see count-evidence.ts).
 */
export const RATE_WINDOW_MS = 2 * MINUTE;
/** The same, as the queries spell it (`2m`). */
export const RATE_WINDOW = formatDuration(RATE_WINDOW_MS);

/** Entity label names per kind, as Istio's standard metrics spell them. */
export const entityLabels: Readonly<Record<EntityKind, { readonly namespace: string; readonly name: string }>> = {
  service: { namespace: 'destination_service_namespace', name: 'destination_service_name' },
  workload: { namespace: 'destination_workload_namespace', name: 'destination_workload' },
};

function by(kind: EntityKind, extra: readonly string[] = []): string {
  const l = entityLabels[kind];
  return [l.namespace, l.name, ...extra].join(', ');
}

function istio(kind: EntityKind): Record<'request_rate' | 'error_ratio' | 'latency_p95' | 'latency_p99', string> {
  const requests = `rate(istio_requests_total{reporter="destination"}[${RATE_WINDOW}])`;
  const errors = `rate(istio_requests_total{reporter="destination", response_code=~"5.."}[${RATE_WINDOW}])`;
  const buckets = `rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[${RATE_WINDOW}])`;
  return {
    request_rate: `sum by (${by(kind)}) (${requests})`,
    // Entities with traffic but no 5xx get 0 (the `or` keeps them), not a missing value.
    error_ratio: `(sum by (${by(kind)}) (${errors}) or 0 * sum by (${by(kind)}) (${requests})) / sum by (${by(kind)}) (${requests})`,
    latency_p95: `histogram_quantile(0.95, sum by (${by(kind, ['le'])}) (${buckets}))`,
    latency_p99: `histogram_quantile(0.99, sum by (${by(kind, ['le'])}) (${buckets}))`,
  };
}

/** Adds the workload labels to per-pod container series (see the module comment). */
function toWorkload(expr: string): string {
  const deployment = `label_replace(${expr}, "destination_workload", "$1", "pod", "(.+)-[a-z0-9]{5,10}-[a-z0-9]{5}")`;
  const statefulOrBare = `label_replace(${deployment}, "destination_workload", "$1", "pod", "(.+)-[0-9]+")`;
  return `label_replace(${statefulOrBare}, "destination_workload_namespace", "$1", "namespace", "(.+)")`;
}

function perWorkload(podExpr: string): string {
  return `sum by (${by('workload')}) (${toWorkload(podExpr)})`;
}

const CONTAINERS = 'container!="", container!="POD"';
const cpuUsage = `sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{${CONTAINERS}}[${RATE_WINDOW}]))`;
const cpuCapacity =
  'sum by (namespace, pod) (kube_pod_container_resource_limits{resource="cpu"}) or sum by (namespace, pod) (kube_pod_container_resource_requests{resource="cpu"})';
const throttled = `sum by (namespace, pod) (rate(container_cpu_cfs_throttled_periods_total{${CONTAINERS}}[${RATE_WINDOW}]))`;
const periods = `sum by (namespace, pod) (rate(container_cpu_cfs_periods_total{${CONTAINERS}}[${RATE_WINDOW}]))`;
const memoryUsage = `sum by (namespace, pod) (container_memory_working_set_bytes{${CONTAINERS}})`;
const memoryCapacity =
  'sum by (namespace, pod) (kube_pod_container_resource_limits{resource="memory"}) or sum by (namespace, pod) (kube_pod_container_resource_requests{resource="memory"})';

/** Every query of one health cycle. */
export function healthQueries(): HealthQuery[] {
  const out: HealthQuery[] = [];
  for (const kind of ['service', 'workload'] as const) {
    for (const [signal, expr] of Object.entries(istio(kind))) out.push({ signal: signal as SignalName, kind, expr });
  }
  out.push(
    { signal: 'cpu_saturation', kind: 'workload', expr: `${perWorkload(cpuUsage)} / ${perWorkload(`(${cpuCapacity})`)}` },
    { signal: 'cpu_throttling', kind: 'workload', expr: `${perWorkload(throttled)} / ${perWorkload(periods)}` },
    { signal: 'memory_saturation', kind: 'workload', expr: `${perWorkload(memoryUsage)} / ${perWorkload(`(${memoryCapacity})`)}` },
  );
  return out;
}
