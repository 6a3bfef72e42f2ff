/** From an indexed SLO and its stored budget result to the figures and state the routes return. Pure. */
import type { StoredResult } from './data/budget-results.js';
import type { SloView } from './data/slo-index.js';

export type SloState = 'ok' | 'burning' | 'exhausted' | 'unknown';

export function sloState(view: Pick<SloView, 'policies'>, stored: StoredResult | undefined): SloState {
  if (!stored || !stored.fresh) return 'unknown';
  const { state, alerts } = stored.result;
  if (state.remaining !== undefined && state.remaining <= 0) return 'exhausted';
  if (Object.values(alerts).some((a) => a !== 'inactive')) return 'burning';
  if (view.policies.length === 0 && (state.burnRates['1h'] ?? 0) > 1) return 'burning';
  if (state.consumed === undefined) return 'unknown';
  return 'ok';
}

const iso = (ms: number) => new Date(ms).toISOString();
const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);

export function figures(stored: StoredResult) {
  const { result, fresh } = stored;
  const s = result.state;
  return {
    fresh,
    computedAt: iso(result.computedAtMs),
    evaluatedAt: iso(result.evaluatedAtMs),
    compliance: finite(s.compliance),
    budgetConsumed: finite(s.consumed),
    budgetRemaining: finite(s.remaining),
    burnRates: { ...s.burnRates },
    timeToExhaustionSeconds: finite(s.timeToExhaustionSeconds),
    periodStart: iso(s.periodStartMs),
    periodEnd: iso(s.periodEndMs),
    coverage: finite(s.coverage),
    recordedCoverage: finite(s.recordedCoverage),
    partial: s.partial,
  };
}

export function summary(view: SloView, stored: StoredResult | undefined) {
  const current = stored?.fresh ? stored.result.state : undefined;
  return {
    namespace: view.namespace,
    name: view.name,
    service: view.service,
    goal: view.goal,
    objective: view.objective,
    period: view.period,
    state: sloState(view, stored),
    burnRate1h: finite(current?.burnRates['1h']),
    budgetRemaining: finite(current?.remaining),
    compliance: finite(current?.compliance),
    coverage: finite(current?.coverage),
    partial: current?.partial ?? false,
    fresh: stored?.fresh ?? false,
  };
}
