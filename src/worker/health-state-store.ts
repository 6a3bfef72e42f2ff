/**
 * Entity states in Redis: read with one MGET, written with a compare-and-set script so overlapping cycles
 * cannot race. Each state records the timestamp of the observation it last learned (`at`, at the start of
 * its JSON); a write goes through only when it is newer than the stored one, and writes the entity's
 * result in the same step. So a slow shard job of cycle N never overwrites what cycle N + 1 wrote, and a
 * retried or duplicated job never learns the same observation twice (the losing job's work is dropped: a
 * cycle it lost to is one observation not learned, which the baselines tolerate).
 *
 * Every write sets the key's expiry, so the state of an entity that vanished (deleted, renamed) goes away
 * by itself after `ttlMs` without a sweep, while a present entity's expiry is pushed out each cycle.
 */
import type { Redis } from 'ioredis';
import { healthKeys } from '../redis/health-keys.js';

/** Default state expiry: 8 days, so a service idle over a long weekend or a week's holiday keeps its baselines. */
export const DEFAULT_STATE_TTL_MS = 8 * 86_400_000;

export interface StateWrite {
  readonly id: string;
  /** Timestamp of the observation this state learned last (the `at` encoded at its start). */
  readonly at: number;
  readonly state: string;
  /** Result JSON for the results hash (written only with the state). */
  readonly result?: string;
}

// KEYS: state key, results hash. ARGV: at, state, ttl ms, entity id, result ('' = none).
// 1 = written, 0 = the stored state is as new or newer (left alone).
const WRITE_IF_NEWER = `
local head = redis.call('GETRANGE', KEYS[1], 0, 40)
local stored = tonumber(string.match(head, '^{"v":1,"at":(%d+)') or '-1')
if stored >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[2], ARGV[4], ARGV[5]) end
return 1
`;

const COMMAND = 'vigilHealthWriteIfNewer';

type WriteIfNewer = (stateKey: string, resultsKey: string, at: string, state: string, ttlMs: string, id: string, result: string) => unknown;

/** A pipeline with the script as a command (ioredis sends EVALSHA and loads the script where Redis lacks it). */
function pipelineWithWriter(redis: Redis): ReturnType<Redis['pipeline']> & Record<typeof COMMAND, WriteIfNewer> {
  // Defined on the connection before the pipeline is made: a pipeline copies the connection's scripts.
  if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: WRITE_IF_NEWER });
  return redis.pipeline() as ReturnType<Redis['pipeline']> & Record<typeof COMMAND, WriteIfNewer>;
}

export async function readStates(redis: Redis, ids: readonly string[]): Promise<(string | null)[]> {
  return ids.length === 0 ? [] : redis.mget(...ids.map((id) => healthKeys.state(id)));
}

/** Writes the states that are newer than the stored ones, in one pipeline; returns the ids left alone. */
export async function writeStatesIfNewer(redis: Redis, writes: readonly StateWrite[], ttlMs: number): Promise<{ written: number; stale: string[] }> {
  if (writes.length === 0) return { written: 0, stale: [] };
  const pipeline = pipelineWithWriter(redis);
  for (const w of writes) {
    pipeline[COMMAND](healthKeys.state(w.id), healthKeys.results, String(w.at), w.state, String(Math.max(1, Math.round(ttlMs))), w.id, w.result ?? '');
  }
  const replies = (await pipeline.exec()) ?? [];
  const stale: string[] = [];
  replies.forEach(([error, reply], i) => {
    if (error) throw error;
    if (reply !== 1) stale.push(writes[i]!.id);
  });
  return { written: writes.length - stale.length, stale };
}
