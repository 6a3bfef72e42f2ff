/**
 * The budget side's facts for health scoring: which services have an SLO burning above a policy's
 * threshold right now. A policy counts as burning when both of its windows exceed its threshold (its
 * alert condition); the fact reports the lower of the two burn rates. Only fresh results count.
 */
import type { Redis } from 'ioredis';
import type { SloBurn } from '../health/entity-health.js';
import { canonicalDuration } from '../model/duration.js';
import type { SloCatalogEntry } from '../budget/slo.js';
import type { StoredBudgetResult } from '../export/budget-results.js';
import { readBudgetResults } from '../export/budget-results.js';
import { readSloCatalog } from '../catalog/slo-catalog.js';
import type { SloBurnLookup } from './health-cycle.js';

/** Burn facts per service entity id (`service/<namespace>/<name>`), from catalog entries and results (pure). */
export function sloBurnsByService(entries: ReadonlyMap<string, SloCatalogEntry>, results: readonly StoredBudgetResult[]): Map<string, SloBurn[]> {
  const out = new Map<string, SloBurn[]>();
  for (const stored of results) {
    if (!stored.fresh) continue;
    const entry = entries.get(`${stored.namespace}/${stored.name}`);
    if (!entry) continue;
    const id = `service/${entry.serviceNamespace ?? entry.namespace}/${entry.service}`;
    for (const policy of entry.policies) {
      const long = stored.result.state.burnRates[canonicalDuration(policy.lookBackWindow)];
      const short = stored.result.state.burnRates[canonicalDuration(policy.secondaryWindow)];
      if (long === undefined || short === undefined) continue;
      const burn: SloBurn = { slo: `${entry.namespace}/${entry.name}`, window: `${canonicalDuration(policy.lookBackWindow)}/${canonicalDuration(policy.secondaryWindow)}`, burnRate: Math.min(long, short), threshold: policy.threshold };
      out.set(id, [...(out.get(id) ?? []), burn]);
    }
  }
  return out;
}

/**
 * A lookup for the health worker. Every shard of a cycle asks; the catalog and results are read at most
 * once per `maxAgeMs` (default 10 s) per replica and shared, so the cost does not grow with the shards.
 */
export function budgetSloBurns(redis: Redis, options: { cycleMs: number; maxAgeMs?: number; now?: () => number }): SloBurnLookup {
  const now = options.now ?? Date.now;
  let cached: { at: number; burns: Promise<Map<string, SloBurn[]>> } | undefined;
  const load = async () => {
    const [{ entries }, results] = await Promise.all([readSloCatalog(redis), readBudgetResults(redis, { cycleMs: options.cycleMs, nowMs: now() })]);
    return sloBurnsByService(entries, results);
  };
  return async (serviceIds) => {
    if (!cached || now() - cached.at > (options.maxAgeMs ?? 10_000)) {
      cached = { at: now(), burns: load() };
      cached.burns.catch(() => (cached = undefined)); // a failed read is retried by the next shard
    }
    const all = await cached.burns;
    return new Map(serviceIds.flatMap((id) => (all.has(id) ? [[id, all.get(id)!] as const] : [])));
  };
}
