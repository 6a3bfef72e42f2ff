/**
 * The stored form of one SLO's budget result: compact JSON (short keys, ~300 bytes) so 10,000 SLOs
 * stay well under 4 KB each in Redis. Pure codec; +Inf (never exhausted) is stored as the string "Inf".
 */
import { partialCoverageBelow, type AlertState, type BudgetState } from './budget.js';

export interface BudgetResult {
  readonly service: string;
  /** Evaluation time of the queries (epoch ms). */
  readonly evaluatedAtMs: number;
  /** When the worker wrote the result (epoch ms); staleness is measured from here. */
  readonly computedAtMs: number;
  readonly objective: number;
  readonly state: BudgetState;
  readonly alerts: Readonly<Record<string, AlertState>>;
}

interface Stored {
  s: string;
  v: number;
  t: number;
  o: number;
  c?: number;
  u?: number;
  r?: number;
  e?: number | 'Inf';
  b: Record<string, number>;
  a: Record<string, 'i' | 'p' | 'f'>;
  ps: number;
  pe: number;
  el: number;
  /** coverage, recorded coverage (absent in results written before coverage existed) */
  cv?: number;
  rc?: number;
}

const stateCode = { inactive: 'i', pending: 'p', firing: 'f' } as const;
const stateName = { i: 'inactive', p: 'pending', f: 'firing' } as const;
const round = (x: number) => Number(x.toPrecision(10));

export function encodeResult(r: BudgetResult): string {
  const st = r.state;
  const stored: Stored = {
    s: r.service,
    v: r.evaluatedAtMs,
    t: r.computedAtMs,
    o: r.objective,
    b: Object.fromEntries(Object.entries(st.burnRates).map(([w, x]) => [w, round(x)])),
    a: Object.fromEntries(Object.entries(r.alerts).map(([p, s]) => [p, stateCode[s]])),
    ps: st.periodStartMs,
    pe: st.periodEndMs,
    el: round(st.elapsedRatio),
  };
  if (st.compliance !== undefined) stored.c = round(st.compliance);
  if (st.consumed !== undefined) stored.u = round(st.consumed);
  if (st.remaining !== undefined) stored.r = round(st.remaining);
  if (st.coverage !== undefined) stored.cv = round(st.coverage);
  if (st.recordedCoverage !== undefined) stored.rc = round(st.recordedCoverage);
  if (st.timeToExhaustionSeconds !== undefined) stored.e = Number.isFinite(st.timeToExhaustionSeconds) ? round(st.timeToExhaustionSeconds) : 'Inf';
  return JSON.stringify(stored);
}

export function decodeResult(text: string): BudgetResult {
  const x = JSON.parse(text) as Stored;
  return {
    service: x.s,
    evaluatedAtMs: x.v,
    computedAtMs: x.t,
    objective: x.o,
    state: {
      compliance: x.c,
      consumed: x.u,
      remaining: x.r,
      timeToExhaustionSeconds: x.e === 'Inf' ? Number.POSITIVE_INFINITY : x.e,
      burnRates: x.b,
      periodStartMs: x.ps,
      periodEndMs: x.pe,
      elapsedRatio: x.el,
      coverage: x.cv,
      recordedCoverage: x.rc ?? x.cv,
      partial: x.cv !== undefined && x.cv < partialCoverageBelow,
    },
    alerts: Object.fromEntries(Object.entries(x.a).map(([p, s]) => [p, stateName[s]])),
  };
}
