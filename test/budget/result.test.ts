import { describe, expect, it } from 'vitest';
import { decodeResult, encodeResult, type BudgetResult } from '../../src/budget/result.js';

const baseResult = (): BudgetResult => ({
  service: 'checkout',
  evaluatedAtMs: 1_793_178_000_000,
  computedAtMs: 1_793_178_001_234,
  objective: 0.999,
  state: {
    compliance: 0.9993427083, // values are kept to 10 significant digits
    consumed: 0.6572916667,
    remaining: 0.3427083333,
    timeToExhaustionSeconds: 573_096.7742,
    burnRates: { '5m': 3, '1h': 1.55, '3d': 0.1201388889 },
    periodStartMs: 1_790_586_000_000,
    periodEndMs: 1_793_178_000_000,
    elapsedRatio: 1,
    coverage: 0.8763888889,
    recordedCoverage: 0.5,
    partial: true,
  },
  alerts: { 'page-fast': 'firing', 'ticket-slow': 'pending', other: 'inactive' },
});

describe('result codec', () => {
  it.each<[string, (r: BudgetResult) => BudgetResult]>([
    ['full result', (r) => r],
    ['never exhausted (+Inf)', (r) => ({ ...r, state: { ...r.state, timeToExhaustionSeconds: Number.POSITIVE_INFINITY } })],
    ['no data: unknown stays unknown', (r) => ({ ...r, state: { ...r.state, compliance: undefined, consumed: undefined, remaining: undefined, timeToExhaustionSeconds: undefined, burnRates: {} } })],
  ])('round-trips: %s', (_name, edit) => {
    const result = edit(baseResult());
    expect(decodeResult(encodeResult(result))).toEqual(result);
  });

  it('stays compact', () => {
    expect(encodeResult(baseResult()).length).toBeLessThan(400);
  });
});
