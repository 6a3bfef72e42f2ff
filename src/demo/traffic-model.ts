/**
 * The synthetic traffic model: every series of the demo mesh as a pure function of time. Counters are exact
 * integrals of a smooth request rate (daily and weekly cycles plus seeded noise, all sums of sinusoids) times
 * piecewise-constant shares (error ratio, latency bucket, throttling) that incidents change, so a counter's
 * value at any t costs O(1) whatever the history length or the number of past incidents. The live /metrics
 * server and the OpenMetrics backfill both call `at(t)` — history and live data agree by construction.
 */
import { mulberry32 } from '../runtime/random.js';
import { istioBucketsMs, type Incident, type IncidentSchedule, type MeshConfig, type MeshEdge, type MeshService } from './mesh.js';

export type FamilyType = 'counter' | 'gauge' | 'histogram';

export interface MetricFamily {
  /** The Prometheus name (counters keep their `_total`). */
  readonly name: string;
  readonly type: FamilyType;
  readonly help: string;
}

export interface SeriesSpec {
  readonly family: MetricFamily;
  /** Sample name (`…_bucket`, `…_sum`, `…_count` for histograms). */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The value at unix time t (seconds). */
  at(t: number): number;
}

export const families = {
  requests: { name: 'istio_requests_total', type: 'counter', help: 'Requests seen by an Envoy sidecar.' },
  duration: { name: 'istio_request_duration_milliseconds', type: 'histogram', help: 'Request duration seen by an Envoy sidecar.' },
  cpu: { name: 'container_cpu_usage_seconds_total', type: 'counter', help: 'Cumulative CPU time consumed, seconds.' },
  throttled: { name: 'container_cpu_cfs_throttled_periods_total', type: 'counter', help: 'Throttled CFS periods.' },
  periods: { name: 'container_cpu_cfs_periods_total', type: 'counter', help: 'Elapsed CFS periods.' },
  memory: { name: 'container_memory_working_set_bytes', type: 'gauge', help: 'Working set, bytes.' },
  limits: { name: 'kube_pod_container_resource_limits', type: 'gauge', help: 'Container resource limits.' },
  requestsRes: { name: 'kube_pod_container_resource_requests', type: 'gauge', help: 'Container resource requests.' },
} as const satisfies Record<string, MetricFamily>;

/** A sum of sinusoids, 1 + Σ A sin(ω τ + φ), with its exact antiderivative. τ = t − origin. */
interface Wave {
  readonly amplitude: readonly number[];
  readonly omega: readonly number[];
  readonly phase: readonly number[];
}

const flat: Wave = { amplitude: [], omega: [], phase: [] };

function waveAt(w: Wave, tau: number): number {
  let v = 1;
  for (let j = 0; j < w.amplitude.length; j++) v += w.amplitude[j]! * Math.sin(w.omega[j]! * tau + w.phase[j]!);
  return v;
}

/** Antiderivative of waveAt: τ − Σ (A/ω) cos(ω τ + φ). */
function waveIntegral(w: Wave, tau: number): number {
  let v = tau;
  for (let j = 0; j < w.amplitude.length; j++) v -= (w.amplitude[j]! / w.omega[j]!) * Math.cos(w.omega[j]! * tau + w.phase[j]!);
  return v;
}

/** Σ_{k<K} cos(a + k b), in closed form. */
function cosSeries(a: number, b: number, k: number): number {
  const half = Math.sin(b / 2);
  if (Math.abs(half) < 1e-12) return k * Math.cos(a);
  return (Math.sin((k * b) / 2) / half) * Math.cos(a + ((k - 1) * b) / 2);
}

/** ∫ of the wave over every occurrence of a schedule up to τ (occurrences clipped at τ), in O(1). */
function scheduledIntegral(w: Wave, s: { start: number; duration: number; every?: number; until?: number }, tau: number): number {
  if (tau <= s.start) return 0;
  const d = s.duration;
  if (s.every === undefined) return waveIntegral(w, Math.min(tau, s.start + d)) - waveIntegral(w, s.start);
  const p = s.every;
  let k = Math.floor((tau - s.start) / p) + 1; // occurrences started at or before τ
  if (s.until !== undefined) k = Math.min(k, Math.max(0, Math.ceil((s.until - s.start) / p)));
  if (k <= 0) return 0;
  const lastStart = s.start + (k - 1) * p;
  const partial = lastStart + d > tau;
  const full = partial ? k - 1 : k;
  let sum = full * d;
  for (let j = 0; j < w.amplitude.length; j++) {
    const om = w.omega[j]!;
    const c = w.amplitude[j]! / om;
    sum -= c * (cosSeries(om * (s.start + d) + w.phase[j]!, om * p, full) - cosSeries(om * s.start + w.phase[j]!, om * p, full));
  }
  if (partial) sum += waveIntegral(w, tau) - waveIntegral(w, lastStart);
  return sum;
}

/** A share that is `base` except during incidents, as (schedule in τ, share) pairs. */
interface Share {
  readonly base: number;
  readonly during: ReadonlyArray<{ readonly schedule: IncidentSchedule; readonly value: number }>;
}

/** ∫_0^τ rate(x) · share(x) dx for a wave-shaped rate of mean `scale`. */
function countOf(w: Wave, scale: number, share: Share, tau: number): number {
  if (tau <= 0) return 0;
  let v = share.base * (waveIntegral(w, tau) - waveIntegral(w, 0));
  for (const i of share.during) v += (i.value - share.base) * scheduledIntegral(w, i.schedule, tau);
  return scale * v;
}

/** Deterministic PRNG (mulberry32) seeded from the config's seed and a key. */
export function seededRandom(seed: number, key: string): () => number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x85ebca6b) >>> 0;
  return mulberry32(h);
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

const DAY = 86400;
const WEEK = 7 * DAY;
const noisePeriods = [173, 787, 2963, 17_989];
const noiseWeights = [0.35, 0.3, 0.2, 0.15];

function edgeWave(config: MeshConfig, edge: MeshEdge): Wave {
  const rnd = seededRandom(config.seed, `edge:${edge.source}>${edge.destination}`);
  const dailyOmega = (2 * Math.PI) / DAY;
  const weeklyOmega = (2 * Math.PI) / WEEK;
  // cos(ω(t − peak)) = sin(ω(τ + origin − peak) + π/2)
  const peak = config.dailyPeakHourUtc * 3600;
  const amplitude = [config.dailyAmplitude, config.weeklyAmplitude];
  const omega = [dailyOmega, weeklyOmega];
  const phase = [dailyOmega * (config.origin - peak) + Math.PI / 2, weeklyOmega * config.origin + Math.PI / 2];
  noisePeriods.forEach((period, i) => {
    amplitude.push(config.noise * noiseWeights[i]! * (0.7 + 0.6 * rnd()));
    omega.push((2 * Math.PI) / (period * (0.9 + 0.2 * rnd())));
    phase.push(2 * Math.PI * rnd());
  });
  return { amplitude, omega, phase };
}

function toTau(config: MeshConfig, s: IncidentSchedule): IncidentSchedule {
  const every = s.every !== undefined ? Math.max(s.every, s.duration) : undefined;
  return {
    start: s.start - config.origin,
    duration: s.duration,
    ...(every !== undefined ? { every } : {}),
    ...(s.until !== undefined ? { until: s.until - config.origin } : {}),
  };
}

/** Pod names the way a Deployment's ReplicaSet names them: NAME-HASH-XXXXX. */
export function podNames(config: MeshConfig, svc: MeshService): string[] {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const rnd = seededRandom(config.seed, `pods:${svc.name}`);
  const pick = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
  const hash = pick(9);
  return Array.from({ length: svc.replicas }, () => `${svc.name}-${hash}-${pick(5)}`);
}

interface ServiceTimeline {
  readonly svc: MeshService;
  readonly errors: Share;
  /** Latency median factor per incident (1 outside incidents). */
  readonly latencyIncidents: ReadonlyArray<{ schedule: IncidentSchedule; factor: number; throttledRatio?: number }>;
}

function timeline(config: MeshConfig, svc: MeshService): ServiceTimeline {
  const mine = config.incidents.filter((i: Incident) => i.service === svc.name);
  const errors: Share = {
    base: svc.errorRatio,
    during: mine.flatMap((i) => (i.effect.kind === 'errors' ? [{ schedule: toTau(config, i.schedule), value: i.effect.errorRatio }] : [])),
  };
  const latencyIncidents = mine.flatMap((i) =>
    i.effect.kind === 'latency'
      ? [{ schedule: toTau(config, i.schedule), factor: i.effect.factor, ...(i.effect.throttledRatio !== undefined ? { throttledRatio: i.effect.throttledRatio } : {}) }]
      : [],
  );
  return { svc, errors, latencyIncidents };
}

/** A share derived from the service's error share: f(error share). Linear in the error share, so exact. */
function mapShare(share: Share, f: (errorRatio: number) => number): Share {
  return { base: f(share.base), during: share.during.map((d) => ({ schedule: d.schedule, value: f(d.value) })) };
}

function latencyShare(tl: ServiceTimeline, value: (medianMs: number) => number): Share {
  const m = tl.svc.latencyMedianMs;
  return { base: value(m), during: tl.latencyIncidents.map((i) => ({ schedule: i.schedule, value: value(m * i.factor) })) };
}

/** The workloads serving a service: its Deployment and, when it has one, its canary, with their traffic shares. */
function workloadsOf(svc: MeshService): Array<{ name: string; share: number }> {
  if (!svc.canary) return [{ name: svc.name, share: 1 }];
  return [
    { name: svc.name, share: 1 - svc.canary.share },
    { name: svc.canary.workload, share: svc.canary.share },
  ];
}

/** Every series of the mesh, each with its pure `at(t)`. The list and its order are fixed by the config. */
export function meshSeries(config: MeshConfig): SeriesSpec[] {
  const out: SeriesSpec[] = [];
  const ns = config.namespace;
  const byName = new Map(config.services.map((s) => [s.name, s]));
  const timelines = new Map(config.services.map((s) => [s.name, timeline(config, s)]));
  const waves = new Map(config.edges.map((e) => [e, edgeWave(config, e)]));
  const tauOf = (t: number) => t - config.origin;

  for (const edge of config.edges) {
    const svc = byName.get(edge.destination);
    if (svc === undefined) throw new Error(`edge ${edge.source} → ${edge.destination}: no such service`);
    const tl = timelines.get(svc.name)!;
    const w = waves.get(edge)!;
    // A canary takes its share of every caller's traffic; the shares add up to the service's traffic exactly.
    for (const workload of workloadsOf(svc)) {
      const base = {
        source_workload: edge.source,
        source_workload_namespace: edge.sourceNamespace,
        destination_service_name: svc.name,
        destination_service_namespace: ns,
        destination_workload: workload.name,
        destination_workload_namespace: ns,
        request_protocol: svc.protocol,
      };
      const outcomes: Array<{ labels: Record<string, string>; share: Share }> =
        svc.protocol === 'grpc'
          ? [
              { labels: { response_code: '200', grpc_response_status: '0' }, share: mapShare(tl.errors, (e) => 1 - e) },
              { labels: { response_code: '200', grpc_response_status: '14' }, share: tl.errors },
            ]
          : [
              {
                labels: { response_code: '200' },
                share: mapShare(tl.errors, (e) => {
                  // Shares must stay non-negative or the 200 counter would run backwards (a counter reset).
                  if (e + svc.notFoundRatio > 1) throw new RangeError(`${svc.name}: error ratio ${e} plus 404 ratio ${svc.notFoundRatio} exceeds 1`);
                  return 1 - e - svc.notFoundRatio;
                }),
              },
              { labels: { response_code: '404' }, share: mapShare(tl.errors, () => svc.notFoundRatio) },
              { labels: { response_code: '503' }, share: tl.errors },
            ];
      for (const reporter of ['destination', 'source']) {
        for (const o of outcomes) {
          out.push({
            family: families.requests,
            name: families.requests.name,
            labels: { reporter, ...base, ...o.labels },
            at: (t) => countOf(w, edge.rps * workload.share, o.share, tauOf(t)),
          });
        }
      }
      // The duration histogram, reporter="destination" only (what SLIs and health read; halves the backfill).
      const hLabels = { reporter: 'destination', ...base, response_code: '200', ...(svc.protocol === 'grpc' ? { grpc_response_status: '0' } : {}) };
      const sigma = svc.latencySigma;
      const all: Share = { base: 1, during: [] };
      for (const le of istioBucketsMs) {
        const share = latencyShare(tl, (m) => normalCdf((Math.log(le) - Math.log(m)) / sigma));
        out.push({ family: families.duration, name: `${families.duration.name}_bucket`, labels: { ...hLabels, le: String(le) }, at: (t) => countOf(w, edge.rps * workload.share, share, tauOf(t)) });
      }
      out.push({ family: families.duration, name: `${families.duration.name}_bucket`, labels: { ...hLabels, le: '+Inf' }, at: (t) => countOf(w, edge.rps * workload.share, all, tauOf(t)) });
      const mean = latencyShare(tl, (m) => m * Math.exp((sigma * sigma) / 2));
      out.push({ family: families.duration, name: `${families.duration.name}_sum`, labels: hLabels, at: (t) => countOf(w, edge.rps * workload.share, mean, tauOf(t)) });
      out.push({ family: families.duration, name: `${families.duration.name}_count`, labels: hLabels, at: (t) => countOf(w, edge.rps * workload.share, all, tauOf(t)) });
    }
  }

  for (const svc of config.services) {
    const tl = timelines.get(svc.name)!;
    const inbound = config.edges.filter((e) => e.destination === svc.name).map((e) => ({ edge: e, wave: waves.get(e)! }));
    const pods = podNames(config, svc);
    const one: Share = { base: 1, during: [] };
    const throttle: Share = {
      base: svc.throttledRatio,
      during: tl.latencyIncidents.map((i) => ({ schedule: i.schedule, value: i.throttledRatio ?? svc.throttledRatio })),
    };
    const rnd = seededRandom(config.seed, `memory:${svc.name}`);
    const memPhase = 2 * Math.PI * rnd();
    for (const pod of pods) {
      const labels = { namespace: ns, pod, container: svc.name };
      const perPod = 1 / svc.replicas;
      out.push({
        family: families.cpu,
        name: families.cpu.name,
        labels,
        at: (t) => {
          const tau = tauOf(t);
          if (tau <= 0) return 0;
          let requests = 0;
          for (const { edge, wave } of inbound) requests += countOf(wave, edge.rps, one, tau);
          return svc.cpuIdleCores * tau + svc.cpuPerRps * requests * perPod;
        },
      });
      out.push({ family: families.throttled, name: families.throttled.name, labels, at: (t) => countOf(flat, 10, throttle, tauOf(t)) });
      out.push({ family: families.periods, name: families.periods.name, labels, at: (t) => countOf(flat, 10, one, tauOf(t)) });
      out.push({
        family: families.memory,
        name: families.memory.name,
        labels,
        at: (t) => {
          const tau = tauOf(t);
          let rps = 0;
          for (const { edge, wave } of inbound) rps += edge.rps * waveAt(wave, tau);
          const wobble = 1 + 0.03 * Math.sin((2 * Math.PI * tau) / 3607 + memPhase);
          return Math.round((svc.memoryBaseBytes + svc.memoryPerRpsBytes * rps * perPod) * wobble);
        },
      });
      for (const fam of [families.limits, families.requestsRes]) {
        const cpu = fam === families.limits ? svc.cpuLimitCores : svc.cpuRequestCores;
        const mem = fam === families.limits ? svc.memoryLimitBytes : svc.memoryLimitBytes / 2;
        out.push({ family: fam, name: fam.name, labels: { ...labels, resource: 'cpu', unit: 'core' }, at: () => cpu });
        out.push({ family: fam, name: fam.name, labels: { ...labels, resource: 'memory', unit: 'byte' }, at: () => mem });
      }
    }
  }
  return out;
}

/** The instantaneous request rate of every edge at t (for progress output and tests). */
export function edgeRates(config: MeshConfig, t: number): Array<{ edge: MeshEdge; rps: number }> {
  return config.edges.map((edge) => ({ edge, rps: edge.rps * waveAt(edgeWave(config, edge), t - config.origin) }));
}

/** The incidents active at t. */
export function activeIncidents(config: MeshConfig, t: number): Incident[] {
  return config.incidents.filter((i) => {
    const s = i.schedule;
    if (t < s.start) return false;
    if (s.every === undefined) return t < s.start + s.duration;
    const k = Math.floor((t - s.start) / s.every);
    const start = s.start + k * s.every;
    if (s.until !== undefined && start >= s.until) return false;
    return t < start + s.duration;
  });
}
