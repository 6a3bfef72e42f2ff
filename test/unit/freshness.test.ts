/** The one freshness rule (src/export/freshness.ts) that the /metrics export, the API and the controller share. */
import { describe, expect, it } from 'vitest';
import { budgetStaleAfterMs, HEALTH_STALE_AFTER_MS, isFresh } from '../../src/export/freshness.js';

describe('freshness', () => {
  it('keeps a result fresh up to and including its limit, stale one millisecond later', () => {
    expect(isFresh(1_000, 1_000 + 60_000, 60_000)).toBe(true);
    expect(isFresh(1_000, 1_000 + 60_001, 60_000)).toBe(false);
    // A result from the future (clock skew between replicas) is current, not stale.
    expect(isFresh(2_000, 1_000, 60_000)).toBe(true);
  });

  it('gives budget results three worker cycles and health results five minutes', () => {
    expect(budgetStaleAfterMs(60_000)).toBe(180_000);
    expect(budgetStaleAfterMs(30_000, 2)).toBe(60_000);
    expect(HEALTH_STALE_AFTER_MS).toBe(300_000);
  });
});
