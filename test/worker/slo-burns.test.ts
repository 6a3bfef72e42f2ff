import { describe, expect, it } from 'vitest';
import type { SloCatalogEntry } from '../../src/budget/slo.js';
import type { StoredBudgetResult } from '../../src/export/budget-results.js';
import { sloBurnsByService } from '../../src/worker/slo-burns.js';

const entry: SloCatalogEntry = {
  namespace: 'slos',
  name: 'checkout-availability',
  service: 'checkout',
  serviceNamespace: 'shop',
  goal: '99.9',
  period: { rollingSeconds: 2_592_000 },
  policies: [
    { name: 'fast', threshold: 14.4, lookBackWindow: '1h', secondaryWindow: '5m', severity: 'page' },
    { name: 'slow', threshold: 6, lookBackWindow: '6h', secondaryWindow: '30m', severity: 'page' },
  ],
};
const result = (burnRates: Record<string, number>, fresh = true): StoredBudgetResult => ({
  namespace: 'slos',
  name: 'checkout-availability',
  fresh,
  result: { service: 'checkout', evaluatedAtMs: 0, computedAtMs: 0, objective: 0.999, alerts: {}, state: { compliance: 0.99, consumed: 0.5, remaining: 0.5, burnRates, timeToExhaustionSeconds: 1, periodStartMs: 0, periodEndMs: 1, elapsedRatio: 1, coverage: 1, recordedCoverage: 1, partial: false } },
});
const entries = new Map([['slos/checkout-availability', entry]]);

describe('SLO burns for health scoring', () => {
  it('reports each policy with the lower of its two windows, keyed by the selected service', () => {
    const burns = sloBurnsByService(entries, [result({ '1h': 20, '5m': 30, '6h': 3, '30m': 8 })]);
    expect([...burns.keys()]).toEqual(['service/shop/checkout']);
    expect(burns.get('service/shop/checkout')).toEqual([
      { slo: 'slos/checkout-availability', window: '1h/5m', burnRate: 20, threshold: 14.4 },
      { slo: 'slos/checkout-availability', window: '6h/30m', burnRate: 3, threshold: 6 },
    ]);
  });

  it('ignores stale results and SLOs missing from the catalog', () => {
    expect(sloBurnsByService(entries, [result({ '1h': 20, '5m': 30 }, false)]).size).toBe(0);
    expect(sloBurnsByService(new Map(), [result({ '1h': 20, '5m': 30 })]).size).toBe(0);
  });

  it('skips a policy whose windows have no data rather than inventing a burn', () => {
    expect(sloBurnsByService(entries, [result({ '1h': 20 })]).get('service/shop/checkout')).toBeUndefined();
  });
});
