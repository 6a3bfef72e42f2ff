/**
 * The demo mesh: a small shop in namespace `shop` whose services call each other, with Istio sidecars and
 * cAdvisor-style container metrics. Plain data: the traffic model (traffic-model.ts) turns it into counter
 * values at any time, the server and the backfill writer only print them.
 */

/** One caller → callee edge. `rps` is the mean request rate at the daily average. */
export interface MeshEdge {
  readonly source: string;
  readonly sourceNamespace: string;
  readonly destination: string;
  readonly rps: number;
}

/** A service (and its Deployment, same name) with its normal behaviour. */
export interface MeshService {
  readonly name: string;
  readonly protocol: 'http' | 'grpc';
  /** Share of requests answered 5xx (gRPC: status UNAVAILABLE) on a normal day. */
  readonly errorRatio: number;
  /** Share answered 404 (HTTP only; client errors count as good). */
  readonly notFoundRatio: number;
  /** Median latency in ms and the log-normal spread. */
  readonly latencyMedianMs: number;
  readonly latencySigma: number;
  /** CPU cores used when idle and per request per second; the container's CPU request/limit in cores. */
  readonly cpuIdleCores: number;
  readonly cpuPerRps: number;
  readonly cpuRequestCores: number;
  readonly cpuLimitCores: number;
  /** Share of CFS periods throttled on a normal day. */
  readonly throttledRatio: number;
  readonly memoryBaseBytes: number;
  readonly memoryPerRpsBytes: number;
  readonly memoryLimitBytes: number;
  readonly replicas: number;
  /**
   * A canary Deployment beside the service's own (progressive delivery): Istio reports its requests with
   * `destination_workload` set to the canary's name. It takes `share` of the traffic and behaves like the
   * service (incidents included).
   */
  readonly canary?: { readonly workload: string; readonly share: number };
}

/** When an incident happens: once (`every` absent) or every `every` seconds from `start`, for `duration` seconds. */
export interface IncidentSchedule {
  /** Unix seconds of the first occurrence. */
  readonly start: number;
  readonly duration: number;
  readonly every?: number;
  /** No occurrence starts at or after this time (unix seconds). */
  readonly until?: number;
}

export type IncidentEffect =
  | { readonly kind: 'errors'; readonly errorRatio: number }
  | { readonly kind: 'latency'; readonly factor: number; readonly throttledRatio?: number };

export interface Incident {
  readonly name: string;
  readonly service: string;
  readonly effect: IncidentEffect;
  readonly schedule: IncidentSchedule;
}

export interface MeshConfig {
  readonly namespace: string;
  /** Seeds the noise phases and pod names: the same seed gives the same numbers. */
  readonly seed: number;
  /** Counters count from this time (unix seconds); it must not change between backfill and live serving. */
  readonly origin: number;
  /** Relative amplitude of the daily cycle (peak at `dailyPeakHourUtc`) and of the weekly one. */
  readonly dailyAmplitude: number;
  readonly dailyPeakHourUtc: number;
  readonly weeklyAmplitude: number;
  /** Relative amplitude of the noise (sum of a few seeded sinusoids of 3 minutes to 5 hours). */
  readonly noise: number;
  readonly services: readonly MeshService[];
  readonly edges: readonly MeshEdge[];
  readonly incidents: readonly Incident[];
}

/** Istio's default buckets of istio_request_duration_milliseconds. */
export const istioBucketsMs = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
] as const;

/** 2020-01-01T00:00:00Z: counters count from here unless a config says otherwise. */
export const defaultOrigin = Date.UTC(2020, 0, 1) / 1000;

function service(name: string, overrides: Partial<MeshService> = {}): MeshService {
  return {
    name,
    protocol: 'http',
    errorRatio: 0.0002,
    notFoundRatio: 0.01,
    latencyMedianMs: 20,
    latencySigma: 0.5,
    cpuIdleCores: 0.02,
    cpuPerRps: 0.004,
    cpuRequestCores: 0.25,
    cpuLimitCores: 1,
    throttledRatio: 0.01,
    memoryBaseBytes: 120 * 2 ** 20,
    memoryPerRpsBytes: 0.5 * 2 ** 20,
    memoryLimitBytes: 512 * 2 ** 20,
    replicas: 2,
    ...overrides,
  };
}

export interface DemoIncidentOptions {
  /** Unix seconds from which the recurring incidents run (the demo's start). */
  readonly from: number;
  /** Period and length of the checkout error incident, seconds (default every 10 min for 3 min). */
  readonly checkoutEvery?: number;
  readonly checkoutDuration?: number;
  /** Offset of the first checkout incident after `from`, seconds (default 0). */
  readonly checkoutOffset?: number;
  /** Share of checkout requests failing during its incident (default 0.2). */
  readonly checkoutErrorRatio?: number;
  /** Period, length and latency factor of the catalog incident (default every 15 min for 4 min, ×5). */
  readonly catalogEvery?: number;
  readonly catalogDuration?: number;
  readonly catalogFactor?: number;
  /** Offset of the catalog incident after `from`, seconds (default 5 min, so the two do not coincide). */
  readonly catalogOffset?: number;
}

/**
 * The scheduled incidents of the demo: checkout returns 20% 5xx for 3 minutes every 10 minutes, catalog
 * answers five times slower (and throttles) for 4 minutes every 15 minutes, both from `from` on. Plus two
 * incidents in the past so history has something to show: a 2-hour 2% checkout error episode ten days before
 * `from` and a 30-minute payments outage (50% UNAVAILABLE) three days before.
 */
export function demoIncidents(options: DemoIncidentOptions): Incident[] {
  const { from } = options;
  return [
    {
      name: 'checkout-errors',
      service: 'checkout',
      effect: { kind: 'errors', errorRatio: options.checkoutErrorRatio ?? 0.2 },
      schedule: { start: from + (options.checkoutOffset ?? 0), every: options.checkoutEvery ?? 600, duration: options.checkoutDuration ?? 180 },
    },
    {
      name: 'catalog-latency',
      service: 'catalog',
      effect: { kind: 'latency', factor: options.catalogFactor ?? 5, throttledRatio: 0.3 },
      schedule: { start: from + (options.catalogOffset ?? 300), every: options.catalogEvery ?? 900, duration: options.catalogDuration ?? 240 },
    },
    { name: 'checkout-history', service: 'checkout', effect: { kind: 'errors', errorRatio: 0.02 }, schedule: { start: from - 10 * 86400, duration: 7200 } },
    { name: 'payments-history', service: 'payments', effect: { kind: 'errors', errorRatio: 0.5 }, schedule: { start: from - 3 * 86400, duration: 1800 } },
  ];
}

/** The demo mesh: eight services in `shop` behind the ingress gateway. */
export function demoMesh(options: { seed?: number; origin?: number; incidents?: readonly Incident[]; canary?: boolean } = {}): MeshConfig {
  const ns = 'shop';
  const edge = (source: string, destination: string, rps: number, sourceNamespace = ns): MeshEdge => ({ source, sourceNamespace, destination, rps });
  return {
    namespace: ns,
    seed: options.seed ?? 42,
    origin: options.origin ?? defaultOrigin,
    dailyAmplitude: 0.5,
    dailyPeakHourUtc: 14,
    weeklyAmplitude: 0.1,
    noise: 0.08,
    services: [
      service('frontend', { latencyMedianMs: 45, latencySigma: 0.6, cpuPerRps: 0.006, replicas: 3 }),
      service('catalog', { latencyMedianMs: 25, latencySigma: 0.5, errorRatio: 0.0001 }),
      service('cart', { latencyMedianMs: 12 }),
      service('checkout', { latencyMedianMs: 80, latencySigma: 0.5, errorRatio: 0.0001, cpuPerRps: 0.01, ...(options.canary ? { canary: { workload: 'checkout-canary', share: 0.1 } } : {}) }),
      service('payments', { protocol: 'grpc', latencyMedianMs: 60, notFoundRatio: 0, errorRatio: 0.0002, cpuPerRps: 0.012 }),
      service('users', { latencyMedianMs: 8, latencySigma: 0.4 }),
      service('recommendations', { latencyMedianMs: 90, latencySigma: 0.7, errorRatio: 0.001, cpuPerRps: 0.02, cpuLimitCores: 2 }),
      service('shipping', { latencyMedianMs: 30, replicas: 1 }),
    ],
    edges: [
      edge('istio-ingressgateway', 'frontend', 60, 'istio-system'),
      edge('frontend', 'catalog', 45),
      edge('frontend', 'cart', 15),
      edge('frontend', 'users', 20),
      edge('frontend', 'recommendations', 25),
      edge('frontend', 'checkout', 3),
      edge('recommendations', 'catalog', 20),
      edge('cart', 'catalog', 8),
      edge('cart', 'users', 6),
      edge('checkout', 'cart', 3),
      edge('checkout', 'payments', 3),
      edge('checkout', 'shipping', 3),
      edge('checkout', 'users', 3),
    ],
    incidents: options.incidents ?? [],
  };
}
