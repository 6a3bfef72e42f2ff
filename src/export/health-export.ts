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
  const all = await redis.hgetall(healthKeys.results);
  const entity: HealthSample[] = [];
  const signal: HealthSample[] = [];
  let stale = 0;
  for (const text of Object.values(all)) {
    let r: HealthResult;
    try {
      r = JSON.parse(text) as HealthResult;
    } catch {
      continue;
    }
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

/** Registers the two gauges on `registry`; values are read from Redis on every scrape. */
export function registerHealthMetrics(registry: Registry, redis: Redis, options: { staleAfterMs?: number; now?: () => number } = {}): void {
  const staleAfterMs = options.staleAfterMs ?? 5 * 60_000;
  const now = options.now ?? (() => Date.now());
  let pending: ReturnType<typeof readHealthSamples> | undefined;
  // Both gauges are collected in one scrape: share one Redis read between them.
  const read = (): ReturnType<typeof readHealthSamples> => {
    pending ??= readHealthSamples(redis, now(), staleAfterMs).finally(() => setTimeout(() => (pending = undefined), 0));
    return pending;
  };
  new Gauge({
    name: HEALTH_SCORE,
    help: 'Learned health of a service or workload, 0..1 (1 = healthy; below 0.5 = unhealthy).',
    labelNames: ['kind', 'namespace', 'name'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of (await read()).entity) this.set(s.labels, s.value);
    },
  });
  new Gauge({
    name: HEALTH_SIGNAL_SCORE,
    help: 'Learned health of one signal of a service or workload, 0..1 (1 = healthy).',
    labelNames: ['kind', 'namespace', 'name', 'signal'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of (await read()).signal) this.set(s.labels, s.value);
    },
  });
}
