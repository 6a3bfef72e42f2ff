/**
 * Entity states in a real Redis: expiry of vanished entities, and overlapping cycles that must not race
 * (a slow shard job of cycle N against the job of cycle N + 1 for the same entities, and a retried job).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeEntityState } from '../../src/health/state-codec.js';
import type { HealthResult } from '../../src/health/health-result.js';
import { commitShard, loadShard, planShard, processShard, type EntityValues } from '../../src/worker/health-cycle.js';
import { healthKeys } from '../../src/redis/health-keys.js';
import { readStates, writeStatesIfNewer } from '../../src/worker/health-state-store.js';
import { startRedis, type RunningRedis } from '../support/redis.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 4, 6, 12, 0, 0);
const values = (i: number): EntityValues['values'] => ({ request_rate: 40 + (i % 3), error_ratio: 0.01, latency_p95: 120 + (i % 5), latency_p99: 300 });
const shard = (ids: readonly string[], i: number): EntityValues[] => ids.map((id) => ({ id, values: values(i) }));

describe('health state store (real Redis)', () => {
  let redis: RunningRedis;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });
  beforeEach(async () => {
    await client.flushall();
  });

  it('lets the state of a vanished entity expire, while a present entity’s expiry is pushed out every cycle', async () => {
    const ttlMs = 1500;
    const present = 'service/shop/cart';
    const vanished = 'service/shop/legacy';
    await processShard(client, shard([present, vanished], 0), { at: T0, worker: 'w', stateTtlMs: ttlMs });
    const ttl = await client.pttl(healthKeys.state(vanished));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(ttlMs);
    // Cycles go on (compressed in time) for the present entity only.
    const started = Date.now();
    for (let i = 1; Date.now() - started < 2.5 * ttlMs; i++) {
      await processShard(client, shard([present], i), { at: T0 + i * MINUTE, worker: 'w', stateTtlMs: ttlMs });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await client.exists(healthKeys.state(vanished))).toBe(0);
    expect(await client.exists(healthKeys.state(present))).toBe(1);
    expect(await client.pttl(healthKeys.state(present))).toBeGreaterThan(ttlMs - 500);
  });

  it('never lets an older cycle overwrite a newer state (interleaved shard jobs of cycles N and N + 1)', async () => {
    const ids = ['service/shop/cart', 'workload/shop/cart-v1'];
    // Some history, so the state has something to lose.
    for (let i = 0; i < 5; i++) await processShard(client, shard(ids, i), { at: T0 + i * MINUTE, worker: 'w' });
    const n = T0 + 5 * MINUTE;
    // Both jobs read before either writes; N + 1 writes first, the slow job of N afterwards.
    const slow = await loadShard(client, shard(ids, 5), {});
    const fast = await loadShard(client, shard(ids, 6), {});
    const fastWrite = await commitShard(client, planShard(fast, { at: n + MINUTE, worker: 'fast' }), {});
    const slowWrite = await commitShard(client, planShard(slow, { at: n, worker: 'slow' }), {});
    expect(fastWrite.stale).toBe(0);
    expect(slowWrite.stale).toBe(ids.length);
    expect(slowWrite.stateBytes).toBe(0);
    for (const id of ids) {
      const state = decodeEntityState(await client.get(healthKeys.state(id)));
      expect(state.at).toBe(n + MINUTE);
      expect(state.signals.request_rate?.n).toBe(6);
      const result = JSON.parse((await client.hget(healthKeys.results, id))!) as HealthResult;
      expect(result.at).toBe(n + MINUTE);
      expect(result.worker).toBe('fast');
    }
  });

  it('never learns the same observation twice (a retried job, and two runs of one job at once)', async () => {
    const ids = ['service/shop/cart'];
    await processShard(client, shard(ids, 0), { at: T0, worker: 'w' });
    const a = await loadShard(client, shard(ids, 1), {});
    const b = await loadShard(client, shard(ids, 1), {});
    const first = await commitShard(client, planShard(a, { at: T0 + MINUTE, worker: 'a' }), {});
    const again = await commitShard(client, planShard(b, { at: T0 + MINUTE, worker: 'b' }), {});
    expect([first.stale, again.stale]).toEqual([0, 1]);
    // A retry after the write reads the new state and does not even plan a write.
    expect(planShard(await loadShard(client, shard(ids, 1), {}), { at: T0 + MINUTE, worker: 'c' })).toEqual([]);
    // Two runs racing for real, on two connections.
    const other = new Redis(redis.url);
    try {
      const results = await Promise.all([client, other].map((c) => processShard(c, shard(ids, 2), { at: T0 + 2 * MINUTE, worker: 'w' })));
      // Exactly one wrote (the other lost the compare-and-set, or read the new state and planned nothing).
      expect(results.filter((r) => r.stateBytes > 0)).toHaveLength(1);
    } finally {
      other.disconnect();
    }
    const state = decodeEntityState(await client.get(healthKeys.state(ids[0]!)));
    expect(state.at).toBe(T0 + 2 * MINUTE);
    expect(state.signals.request_rate?.n).toBe(3);
  });

  it('writes a state over an unreadable or older-format one, and survives Redis forgetting the script', async () => {
    const id = 'service/shop/cart';
    await client.set(healthKeys.state(id), '{"v":1,"signals":{}}');
    expect((await writeStatesIfNewer(client, [{ id, at: T0, state: '{"v":1,"at":' + T0 + ',"signals":{}}' }], 60_000)).written).toBe(1);
    await client.script('FLUSH');
    const later = await writeStatesIfNewer(client, [{ id, at: T0 + MINUTE, state: '{"v":1,"at":' + (T0 + MINUTE) + ',"signals":{}}' }], 60_000);
    expect(later.written).toBe(1);
    expect((await readStates(client, [id]))[0]).toContain(`"at":${T0 + MINUTE}`);
    expect(await client.pttl(healthKeys.state(id))).toBeGreaterThan(0);
  });
});
