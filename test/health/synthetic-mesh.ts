/**
 * Synthetic mesh telemetry for health tests: per-minute signals of one service with daily and weekly
 * seasonality and realistic noise (Poisson-like counts, multiplicative latency noise), from a seeded PRNG so
 * every run is identical. Faults are applied by the caller to the generated values.
 */
import { mulberry32 } from '../../src/runtime/random.js';
import type { SignalName } from '../../src/health/signals.js';

export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;
/** Monday 2024-01-01 00:00 UTC. */
export const START = Date.UTC(2024, 0, 1);

/** The project's seeded PRNG (mulberry32, shared with the demo), under the name the health tests use. */
export const prng = mulberry32;

export function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export interface ServiceProfile {
  /** Mean requests per second at the daily peak on a weekday. */
  readonly peakRps: number;
  /** Share of 5xx in normal operation. */
  readonly errorRatio: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  /** CPU usage over limit at the peak. */
  readonly cpuAtPeak: number;
  readonly memory: number;
}

export const defaultProfile: ServiceProfile = { peakRps: 50, errorRatio: 0.002, p95Ms: 120, p99Ms: 300, cpuAtPeak: 0.6, memory: 0.55 };

export interface Sample {
  readonly timestampMs: number;
  readonly values: Record<SignalName, number>;
}

/** Load factor 0.15..1: a daily curve peaking mid-afternoon, 35 % lower at weekends. */
export function load(t: number): number {
  const hour = ((t % DAY) + DAY) % DAY / (60 * MINUTE);
  const daily = 0.15 + 0.85 * Math.pow(Math.max(0, Math.sin(((hour - 6) / 24) * 2 * Math.PI) * 0.5 + 0.5), 1.5);
  const weekday = new Date(t).getUTCDay();
  return daily * (weekday === 0 || weekday === 6 ? 0.65 : 1);
}

/** `minutes` samples from `start`, one per minute. */
export function generate(minutes: number, seed = 1, profile: ServiceProfile = defaultProfile, start = START): Sample[] {
  const random = prng(seed);
  const out: Sample[] = [];
  for (let i = 0; i < minutes; i++) {
    const t = start + i * MINUTE;
    const l = load(t);
    const expectedRequests = profile.peakRps * l * 60;
    const requests = Math.max(0, expectedRequests + Math.sqrt(expectedRequests) * gaussian(random) + expectedRequests * 0.02 * gaussian(random));
    const expectedErrors = requests * profile.errorRatio;
    const errors = Math.max(0, Math.round(expectedErrors + Math.sqrt(expectedErrors) * gaussian(random)));
    const latencyLoad = 1 + 0.3 * l;
    out.push({
      timestampMs: t,
      values: {
        request_rate: requests / 60,
        error_ratio: requests > 0 ? errors / requests : 0,
        latency_p95: profile.p95Ms * latencyLoad * Math.exp(0.05 * gaussian(random)),
        latency_p99: profile.p99Ms * latencyLoad * Math.exp(0.08 * gaussian(random)),
        cpu_saturation: Math.max(0, profile.cpuAtPeak * (0.1 + 0.9 * l) * (1 + 0.04 * gaussian(random))),
        cpu_throttling: Math.max(0, 0.01 * l + 0.003 * gaussian(random)),
        memory_saturation: profile.memory * (1 + 0.01 * gaussian(random)),
      },
    });
  }
  return out;
}
