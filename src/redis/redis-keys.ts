/**
 * Every Redis key Vigil's worker side uses, built in one place. All share the hash tag `{vigil}`, so on
 * Redis Cluster they live in one slot (BullMQ's Lua scripts and our MULTI blocks need that).
 */
export const hashTag = '{vigil}';

export const redisKeys = {
  /** BullMQ key prefix: queue keys become `{vigil}:<queue>:…`. */
  bullPrefix: hashTag,
  /** Hash: `namespace/name` → SLO catalog entry (JSON). Written by the controller. */
  sloCatalog: `${hashTag}:catalog:slo`,
  /** String: bumped on every catalog change, so workers can tell when to reconcile. */
  sloCatalogVersion: `${hashTag}:catalog:slo:version`,
  /** Hash: `namespace/name` → latest budget result (compact JSON). */
  budgetResults: `${hashTag}:results:budget`,
} as const;

/** String (JSON, expires after the SLO's period): an SLO's gap-fill ledger, the period tiles filled from raw series (gap-fill.ts). */
export function gapFillKey(sloKey: string): string {
  return `${hashTag}:gapfill:${sloKey}`;
}

export const queueNames = { budget: 'budget' } as const;

/** Job scheduler id of an SLO's budget job. */
export function budgetSchedulerId(sloKey: string): string {
  return `budget:${sloKey}`;
}

export function sloKeyOfScheduler(schedulerId: string): string | undefined {
  return schedulerId.startsWith('budget:') ? schedulerId.slice('budget:'.length) : undefined;
}
