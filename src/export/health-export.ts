/**
 * Export of health results for the API's `/metrics`: `vigil_health_score` and
 * `vigil_health_signal_score{signal}` (labels kind, namespace, name), read from Redis at scrape time in a
 * prom-client collect callback, so every API replica exports the same complete set. Results older than
 * `staleAfterMs` are left out (stale, never exported as fresh values); unknown scores are left out too.
 */
import type { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import type { HealthResult } from '../health/health-result.js';
import { healthKeys } from '../redis/health-keys.js';
import { lastKnown, readFailuresCounter } from '../observability/last-known.js';

export const HEALTH_SCORE = 'vigil_health_score';
export const HEALTH_SIGNAL_SCORE = 'vigil_health_signal_score';

export interface HealthSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Reads all results and turns the fresh ones into samples. */
export async function readHealthSamples(
  redis: Redis,
  now: number,
  staleAfterMs: number,
): Promise<{ entity: HealthSample[]; signal: HealthSample[]; stale: number }> {
  return healthSamples(await readHealthResults(redis), now, staleAfterMs);
}

async function readHealthResults(redis: Redis): Promise<HealthResult[]> {
  const all = await redis.hgetall(healthKeys.results);
  const out: HealthResult[] = [];
  for (const text of Object.values(all)) {
    try {
      out.push(JSON.parse(text) as HealthResult);
    } catch {
      // An unreadable result is left out, never exported as a value.
    }
  }
  return out;
}

function healthSamples(results: readonly HealthResult[], now: number, staleAfterMs: number): { entity: HealthSample[]; signal: HealthSample[]; stale: number } {
  const entity: HealthSample[] = [];
  const signal: HealthSample[] = [];
  let stale = 0;
  for (const r of results) {
    if (now - r.at > staleAfterMs) {
      stale++;
      continue;
    }
    const base = { kind: r.kind, namespace: r.namespace, name: r.name };
    if (r.score !== null) entity.push({ labels: base, value: r.score });
    for (const [name, s] of Object.entries(r.signals)) {
      if (s && s.score !== null) signal.push({ labels: { ...base, signal: name }, value: s.score });
    }
  }
  return { entity, signal, stale };
}

/**
 * Registers the two gauges on `registry`; values are read from Redis on every scrape (one read shared by
 * both gauges), waiting at most `readTimeoutMs`: while Redis does not answer, the last results read are
 * used, their freshness checked against the clock again, so `/metrics` keeps answering and results drop
 * out once stale.
 */
export function registerHealthMetrics(registry: Registry, redis: Redis, options: { staleAfterMs?: number; now?: () => number; readTimeoutMs?: number } = {}): void {
  const staleAfterMs = options.staleAfterMs ?? 5 * 60_000;
  const now = options.now ?? (() => Date.now());
  const readFailures = readFailuresCounter(registry);
  const results = lastKnown(() => readHealthResults(redis), { timeoutMs: options.readTimeoutMs ?? 2000, onFailure: () => readFailures.inc({ source: 'health' }) });
  const read = async () => healthSamples((await results()).value ?? [], now(), staleAfterMs);
  new Gauge({
    name: HEALTH_SCORE,
    help: 'Learned health of a service or workload, 0..1 (1 = healthy; below 0.5 = unhealthy).',
    labelNames: ['kind', 'namespace', 'name'],
    registers: [registry],
    async collect() {
      const { entity } = await read();
      this.reset();
      for (const s of entity) this.set(s.labels, s.value);
    },
  });
  new Gauge({
    name: HEALTH_SIGNAL_SCORE,
    help: 'Learned health of one signal of a service or workload, 0..1 (1 = healthy).',
    labelNames: ['kind', 'namespace', 'name', 'signal'],
    registers: [registry],
    async collect() {
      const { signal } = await read();
      this.reset();
      for (const s of signal) this.set(s.labels, s.value);
    },
  });
}
