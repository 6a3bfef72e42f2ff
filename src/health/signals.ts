/**
 * The health signals of a service or workload, each with the direction that is bad and the scorer
 * settings that differ from the defaults. The PromQL that reads them lives with the worker; this catalogue
 * is pure data shared by scoring, the worker and the exported `signal` label.
 */
import { defaultScorerOptions, type BadDirection, type ScorerOptions } from './signal-scorer.js';

export const signalNames = [
  'request_rate',
  'error_ratio',
  'latency_p95',
  'latency_p99',
  'cpu_saturation',
  'cpu_throttling',
  'memory_saturation',
] as const;

export type SignalName = (typeof signalNames)[number];

export interface SignalDefinition {
  readonly name: SignalName;
  readonly description: string;
  readonly direction: BadDirection;
  /** Scored only when the entity has enough traffic (ratios and latencies of a few requests are noise). */
  readonly needsTraffic: boolean;
  /** Smallest deviation that can matter, in the signal's unit (keeps a near-constant series from alarming). */
  readonly minScale: number;
  /** A share of the requests (errors over requests): also judged as counts (see count-evidence.ts). */
  readonly shareOfRequests?: boolean;
}

export const signalDefinitions: Readonly<Record<SignalName, SignalDefinition>> = Object.freeze({
  request_rate: { name: 'request_rate', description: 'requests per second', direction: 'both', needsTraffic: false, minScale: 0.05 },
  error_ratio: { name: 'error_ratio', description: 'share of 5xx responses', direction: 'up', needsTraffic: true, minScale: 0.001, shareOfRequests: true },
  latency_p95: { name: 'latency_p95', description: '95th percentile latency (ms)', direction: 'up', needsTraffic: true, minScale: 1 },
  latency_p99: { name: 'latency_p99', description: '99th percentile latency (ms)', direction: 'up', needsTraffic: true, minScale: 1 },
  cpu_saturation: { name: 'cpu_saturation', description: 'CPU usage over limit (or request)', direction: 'up', needsTraffic: false, minScale: 0.01 },
  cpu_throttling: { name: 'cpu_throttling', description: 'share of CPU periods throttled', direction: 'up', needsTraffic: false, minScale: 0.01 },
  memory_saturation: { name: 'memory_saturation', description: 'working set over limit (or request)', direction: 'up', needsTraffic: false, minScale: 0.01 },
});

/** Scorer options of one signal: the defaults with the signal's direction and unit floor. */
export function signalScorerOptions(name: SignalName, base: ScorerOptions = defaultScorerOptions): ScorerOptions {
  const def = signalDefinitions[name];
  return { ...base, direction: def.direction, minScale: Math.max(base.minScale, def.minScale) };
}
