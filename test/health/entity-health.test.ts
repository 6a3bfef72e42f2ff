import { describe, expect, it } from 'vitest';
import {
  applySloBurns,
  combineSignals,
  defaultEntityOptions,
  initialEntityState,
  learnedUntil,
  scoreEntity,
  type EntityHealth,
  type EntityState,
  type SignalHealth,
  type SloBurn,
} from '../../src/health/entity-health.js';
import { encodeEntityState, encodeState, decodeEntityState } from '../../src/health/state-codec.js';
import { generate } from './synthetic-mesh.js';

function learned(minutes: number, seed = 1): { state: EntityState; last: number } {
  let state = initialEntityState();
  const samples = generate(minutes, seed);
  for (const s of samples) state = scoreEntity(state, s).state;
  return { state, last: samples[samples.length - 1]!.timestampMs };
}

const healthy = (rarity: number): SignalHealth => ({ status: 'healthy', score: 0.9, rarity, onset: 0, reason: null });

describe('entity health', () => {
  it('is unknown until signals have warmed up, and without data', () => {
    const first = scoreEntity(initialEntityState(), { timestampMs: 0, values: { request_rate: 10, error_ratio: 0.01 } });
    expect(first.health.status).toBe('unknown');
    expect(first.health.score).toBeNull();
    expect(first.health.signals.error_ratio?.unknownBecause).toBe('warming up');
    const empty = scoreEntity(initialEntityState(), { timestampMs: 0, values: {} });
    expect(empty.health.status).toBe('unknown');
    expect(empty.health.signals.latency_p99?.unknownBecause).toBe('no data');
  });

  it('gates ratio and latency signals on traffic: too little traffic is unknown, not a guess', () => {
    const { state, last } = learned(2 * 1440);
    const r = scoreEntity(state, { timestampMs: last + 60_000, values: { request_rate: 0.01, error_ratio: 1, latency_p99: 99_999, cpu_saturation: 0.3 } });
    expect(r.health.signals.error_ratio?.status).toBe('unknown');
    expect(r.health.signals.error_ratio?.unknownBecause).toBe('low traffic');
    expect(r.health.signals.latency_p99?.unknownBecause).toBe('low traffic');
    // The traffic-dependent signals did not learn from the noise.
    expect(r.state.signals.error_ratio).toBe(state.signals.error_ratio);
    // request_rate itself is scored (a collapse of traffic is a symptom).
    expect(r.health.signals.request_rate?.status).not.toBe('unknown');
  });

  it('keeps the whole entity state (7 signals, two weeks) under 16 KB, and survives encode/decode', () => {
    const { state } = learned(14 * 1440, 2);
    const text = encodeState(state);
    expect(text.length).toBeLessThan(16 * 1024);
    expect(Object.keys(decodeEntityState(text).signals)).toHaveLength(7);
    expect(decodeEntityState('{oops').signals).toEqual({});
    expect(decodeEntityState(null).v).toBe(1);
  });

  it('discounts the overall score for the number of signals looked at, and lists reasons worst first', () => {
    const one = combineSignals({ error_ratio: { ...healthy(8), status: 'unhealthy', score: 0.3 } });
    const seven = combineSignals({
      request_rate: healthy(0.1),
      error_ratio: { ...healthy(8), status: 'unhealthy', score: 0.3 },
      latency_p95: healthy(0.2),
      latency_p99: { ...healthy(6), status: 'unhealthy', score: 0.4 },
      cpu_saturation: healthy(0.1),
      cpu_throttling: healthy(0.1),
      memory_saturation: healthy(0.1),
    });
    expect(seven.score!).toBeGreaterThan(one.score!);
    expect(seven.status).toBe('unhealthy');
    expect(seven.reasons[0]).toMatch(/^error_ratio/);
    expect(seven.reasons[1]).toMatch(/^latency_p99/);
  });
});

describe('SLO-aware health', () => {
  const normal: EntityHealth = { status: 'healthy', score: 0.93, signals: {}, reasons: [] };
  it.each<{ name: string; burns: SloBurn[]; status: string; reason?: RegExp }>([
    { name: 'no burns', burns: [], status: 'healthy' },
    { name: 'burn below threshold', burns: [{ slo: 'checkout-availability', window: '1h', burnRate: 3, threshold: 14.4 }], status: 'healthy' },
    {
      name: 'burn above threshold',
      burns: [{ slo: 'checkout-availability', window: '1h', burnRate: 20, threshold: 14.4 }],
      status: 'unhealthy',
      reason: /SLO checkout-availability is burning its error budget at 20x over 1h \(policy threshold 14.4x\)/,
    },
    {
      name: 'the worst of several burns first',
      burns: [
        { slo: 'slow', window: '6h', burnRate: 7, threshold: 6 },
        { slo: 'fast', window: '1h', burnRate: 40, threshold: 14.4 },
      ],
      status: 'unhealthy',
      reason: /^SLO fast/,
    },
  ])('$name', ({ burns, status, reason }) => {
    const h = applySloBurns(normal, burns);
    expect(h.status).toBe(status);
    if (status === 'unhealthy') {
      expect(h.score!).toBeLessThan(defaultEntityOptions.unhealthyBelow);
      expect(h.reasons[0]).toMatch(reason!);
    } else {
      expect(h).toBe(normal);
    }
  });

  it('makes an unknown entity unhealthy when its SLO burns', () => {
    const h = applySloBurns({ status: 'unknown', score: null, signals: {}, reasons: [] }, [{ slo: 's', window: '5m', burnRate: 30, threshold: 14.4 }]);
    expect(h.status).toBe('unhealthy');
    expect(h.score!).toBeLessThan(0.5);
  });
});

describe('state codec', () => {
  it('keeps integers (timestamps, counts) exact and rounds estimates', () => {
    const text = encodeState({ ts: 1714995300000, n: 12345678, lvl: 0.123456789, bad: Number.NaN });
    expect(JSON.parse(text)).toEqual({ ts: 1714995300000, n: 12345678, lvl: 0.12346, bad: 0 });
  });
});

describe('held faults', () => {
  it('survive a cycle without data for the signal', () => {
    const { state, last } = learned(2 * 1440, 3);
    let s = state;
    let t = last;
    const faulty = (p99: number | undefined) => ({ request_rate: 40, error_ratio: 0.002, latency_p95: 150, ...(p99 === undefined ? {} : { latency_p99: p99 }) });
    for (let i = 0; i < 5; i++) s = scoreEntity(s, { timestampMs: (t += 60_000), values: faulty(5000) }).state;
    expect(s.held?.latency_p99).toBeDefined();
    const gap = scoreEntity(s, { timestampMs: (t += 60_000), values: faulty(undefined) });
    expect(gap.health.signals.latency_p99?.status).toBe('unknown');
    expect(gap.state.held?.latency_p99?.since).toBe(s.held?.latency_p99?.since);
  });
});

describe('learned-until timestamp', () => {
  it('records the latest observation learned, first in the encoded state (the Redis write compares it)', () => {
    const { state, last } = learned(100);
    expect(learnedUntil(state)).toBe(last);
    expect(encodeEntityState(state).startsWith(`{"v":1,"at":${last},`)).toBe(true);
    // A state from before `at` existed: its signals' latest timestamp.
    const { at: _dropped, ...older } = state;
    expect(learnedUntil(older)).toBe(last);
    expect(learnedUntil(initialEntityState())).toBe(0);
    expect(encodeEntityState(initialEntityState()).startsWith('{"v":1,"at":0,')).toBe(true);
  });
});
