import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config.js';
import { DEFAULT_STATE_TTL_MS } from '../../src/worker/health-state-store.js';
import { resolveWorkerConfig } from '../../src/worker/worker-config.js';

describe('worker options', () => {
  it('takes defaults, then VIGIL_* variables, then flags', () => {
    expect(resolveWorkerConfig({}, {})).toEqual({
      cycleMs: 60_000,
      concurrency: 50,
      metricsListen: { host: '0.0.0.0', port: 9464 },
      lockDurationMs: 30_000,
      stalledIntervalMs: 30_000,
      stallCheckMs: 15_000,
      queryTimeoutMs: 20_000,
      evaluateAtMs: undefined,
      health: true,
      healthCycleMs: 60_000,
      healthBackfillMs: 7 * 86_400_000,
      healthShardSize: 250,
      healthStateTtlMs: DEFAULT_STATE_TTL_MS,
    });
    expect(resolveWorkerConfig({ health: 'false', 'health-backfill': '0' }, {})).toMatchObject({ health: false, healthBackfillMs: 0 });
    const env = { VIGIL_WORKER_CYCLE: '30s', VIGIL_WORKER_CONCURRENCY: '10', VIGIL_WORKER_METRICS_LISTEN: 'none' };
    expect(resolveWorkerConfig({}, env)).toMatchObject({ cycleMs: 30_000, concurrency: 10, metricsListen: undefined });
    expect(resolveWorkerConfig({ cycle: '2m', 'evaluate-at': '2026-10-28T09:00:00Z' }, env)).toMatchObject({ cycleMs: 120_000, evaluateAtMs: Date.parse('2026-10-28T09:00:00Z') });
  });

  it.each([
    [{ cycle: 'often' }, /--cycle/],
    [{ cycle: '100ms' }, /--cycle/],
    [{ concurrency: '0' }, /--concurrency/],
    [{ health: 'yes' }, /--health must be true or false/],
    [{ 'health-shard-size': '0' }, /--health-shard-size/],
    [{ 'health-state-ttl': '10s' }, /--health-state-ttl/],
    [{ 'metrics-listen': 'nowhere' }, /--listen/],
    [{ 'evaluate-at': 'yesterday' }, /--evaluate-at/],
    [{ 'stall-check': '100ms' }, /--stall-check/],
  ])('rejects %j', (flags, message) => {
    expect(() => resolveWorkerConfig(flags, {})).toThrow(ConfigError);
    expect(() => resolveWorkerConfig(flags, {})).toThrow(message);
  });
});
