/**
 * The SLO catalog in Redis: what the controller tells the workers to compute. One hash
 * (`namespace/name` → JSON entry) plus a version counter that changes with every write.
 *
 * For the controller:
 * - `syncSloCatalog(redis, entries)`: make the catalog exactly `entries` (call on start and on every
 *   resync; it is idempotent and also restores a catalog Redis lost).
 * - `upsertSloCatalog(redis, entries)`: add or replace some entries (on SLO/policy change).
 * - `removeFromCatalog(redis, keys)`: forget SLOs (on delete); their results go at once, their job
 *   schedulers at the workers' next reconcile (jobs that still run for them are no-ops).
 * Invalid entries are not written; their issues are returned.
 */
import type { Redis } from 'ioredis';
import { parseCatalogEntry, sloKey, type SloCatalogEntry } from '../budget/slo.js';
import { redisKeys } from '../redis/redis-keys.js';

export interface CatalogWriteResult {
  readonly written: number;
  readonly rejected: ReadonlyArray<{ readonly key: string; readonly issues: readonly string[] }>;
}

function validate(entries: readonly SloCatalogEntry[]): { fields: string[]; rejected: CatalogWriteResult['rejected'] } {
  const fields: string[] = [];
  const rejected: Array<{ key: string; issues: string[] }> = [];
  for (const entry of entries) {
    const parsed = parseCatalogEntry(entry);
    const key = typeof entry?.namespace === 'string' && typeof entry?.name === 'string' ? sloKey(entry) : '?';
    if (parsed.ok) fields.push(key, JSON.stringify(parsed.value));
    else rejected.push({ key, issues: parsed.issues });
  }
  return { fields, rejected };
}

export async function upsertSloCatalog(redis: Redis, entries: readonly SloCatalogEntry[]): Promise<CatalogWriteResult> {
  const { fields, rejected } = validate(entries);
  if (fields.length > 0) {
    const multi = redis.multi();
    for (let i = 0; i < fields.length; i += 2000) multi.hset(redisKeys.sloCatalog, ...fields.slice(i, i + 2000));
    await multi.incr(redisKeys.sloCatalogVersion).exec();
  }
  return { written: fields.length / 2, rejected };
}

export async function removeFromCatalog(redis: Redis, keys: ReadonlyArray<{ readonly namespace: string; readonly name: string }>): Promise<void> {
  if (keys.length === 0) return;
  const fields = keys.map(sloKey);
  await redis.multi().hdel(redisKeys.sloCatalog, ...fields).hdel(redisKeys.budgetResults, ...fields).incr(redisKeys.sloCatalogVersion).exec();
}

export async function syncSloCatalog(redis: Redis, entries: readonly SloCatalogEntry[]): Promise<CatalogWriteResult> {
  const { fields, rejected } = validate(entries);
  const wanted = new Map<string, string>();
  for (let i = 0; i < fields.length; i += 2) wanted.set(fields[i]!, fields[i + 1]!);
  const existing = await redis.hgetall(redisKeys.sloCatalog);
  const writes: string[] = [];
  for (const [key, text] of wanted) if (existing[key] !== text) writes.push(key, text);
  const gone = Object.keys(existing).filter((k) => !wanted.has(k));
  // Readers (the API's index, the workers' reconcile) refresh on a version bump: bump only on change.
  if (writes.length > 0 || gone.length > 0) {
    const multi = redis.multi();
    for (let i = 0; i < writes.length; i += 2000) multi.hset(redisKeys.sloCatalog, ...writes.slice(i, i + 2000));
    if (gone.length > 0) multi.hdel(redisKeys.sloCatalog, ...gone).hdel(redisKeys.budgetResults, ...gone);
    await multi.incr(redisKeys.sloCatalogVersion).exec();
  }
  return { written: wanted.size, rejected };
}

/** Reads the whole catalog; entries that fail validation are reported, not returned. */
export async function readSloCatalog(redis: Redis): Promise<{ entries: Map<string, SloCatalogEntry>; invalid: string[] }> {
  const raw = await redis.hgetall(redisKeys.sloCatalog);
  const entries = new Map<string, SloCatalogEntry>();
  const invalid: string[] = [];
  for (const [key, text] of Object.entries(raw)) {
    const parsed = safeParse(text);
    if (parsed) entries.set(key, parsed);
    else invalid.push(key);
  }
  return { entries, invalid };
}

export async function readSloCatalogEntry(redis: Redis, key: string): Promise<SloCatalogEntry | undefined> {
  const text = await redis.hget(redisKeys.sloCatalog, key);
  return text === null ? undefined : safeParse(text);
}

function safeParse(text: string): SloCatalogEntry | undefined {
  try {
    const parsed = parseCatalogEntry(JSON.parse(text));
    return parsed.ok ? parsed.value : undefined;
  } catch {
    return undefined;
  }
}
