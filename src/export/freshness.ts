/**
 * When a stored result is current: the one freshness rule for budget and health results, wherever they are
 * read (the /metrics export, the REST API, the controller's SLO status). A result is fresh while its age is
 * at most `staleAfterMs`; a stale one is never shown or exported as current (ARCHITECTURE.md).
 */

/** Budget results go stale after this many worker cycles: one late or failed cycle is not an outage. */
export const BUDGET_STALE_CYCLES = 3;

/** Health results go stale after 5 minutes (five default health cycles: scoring a cycle can take long). */
export const HEALTH_STALE_AFTER_MS = 5 * 60_000;

/** How old a budget result may be, for workers that compute one every `cycleMs`. */
export function budgetStaleAfterMs(cycleMs: number, staleCycles = BUDGET_STALE_CYCLES): number {
  return cycleMs * staleCycles;
}

/** Whether a result computed at `computedAtMs` is still current at `nowMs`. */
export function isFresh(computedAtMs: number, nowMs: number, staleAfterMs: number): boolean {
  return nowMs - computedAtMs <= staleAfterMs;
}
