import { describe, expect, it } from 'vitest';
import { budgetState, coverageRatio, objectiveFromGoal, policyAlertStates, timeToExhaustion, type BudgetInput } from '../../src/budget/budget.js';
import { canonicalDuration, formatDuration, parseDuration } from '../../src/model/duration.js';

const baseInput = (): BudgetInput => ({
  objective: 0.999,
  period: { kind: 'rolling', seconds: 30 * 86_400 },
  periodErrorRatio: 0.0005,
  windowErrorRatios: { '1h': 0.002, '5m': 0.01 },
});
const now = Date.parse('2026-10-28T09:00:00Z');

describe('budgetState', () => {
  it.each<[string, (i: BudgetInput) => BudgetInput, Record<string, unknown>]>([
    ['rolling: half the budget spent', (i) => i, { compliance: 0.9995, consumed: 0.5, remaining: 0.5, elapsedRatio: 1 }],
    ['rolling: time to exhaustion at burn 2 is a quarter period', (i) => i, { timeToExhaustionSeconds: (0.5 * 30 * 86_400) / 2 }],
    ['rolling: overspent has nothing left and no time', (i) => ({ ...i, periodErrorRatio: 0.003 }), { consumed: 3, remaining: -2, timeToExhaustionSeconds: 0 }],
    ['rolling: no errors in the current window means never', (i) => ({ ...i, windowErrorRatios: { '1h': 0 } }), { timeToExhaustionSeconds: Number.POSITIVE_INFINITY }],
    ['no traffic in the period: unknown, not zero', (i) => ({ ...i, periodErrorRatio: Number.NaN }), { compliance: undefined, consumed: undefined, remaining: undefined, timeToExhaustionSeconds: undefined }],
    ['missing current window: burn rates of the others kept', (i) => ({ ...i, windowErrorRatios: { '5m': 0.01, '1h': undefined } }), { timeToExhaustionSeconds: undefined }],
    [
      // October 2026 in Berlin is 745 h; at 2026-10-28T09:00Z, 27 d 11 h (659 h) have elapsed.
      'calendar month in Berlin scales by the elapsed share',
      (i) => ({ ...i, period: { kind: 'calendar', length: 'month', timeZone: 'Europe/Berlin' } }),
      { consumed: (0.5 * 659) / 745, elapsedRatio: 659 / 745, compliance: 0.9995 },
    ],
    [
      'calendar: time to exhaustion uses the real period length',
      (i) => ({ ...i, period: { kind: 'calendar', length: 'month', timeZone: 'Europe/Berlin' } }),
      { timeToExhaustionSeconds: ((1 - (0.5 * 659) / 745) * 745 * 3600) / 2 },
    ],
    ['full coverage: not partial', (i) => ({ ...i, coverage: 1, recordedCoverage: 1 }), { coverage: 1, recordedCoverage: 1, partial: false }],
    ['just under 99 %: partial', (i) => ({ ...i, coverage: 0.9899 }), { coverage: 0.9899, recordedCoverage: 0.9899, partial: true }],
    ['filled from raw: covered, though recordings are not', (i) => ({ ...i, coverage: 1, recordedCoverage: 0.1 }), { coverage: 1, recordedCoverage: 0.1, partial: false }],
    ['no data: coverage kept, figures unknown', (i) => ({ ...i, periodErrorRatio: undefined, coverage: 0 }), { coverage: 0, partial: true, consumed: undefined }],
    ['coverage not measured: not partial', (i) => i, { coverage: undefined, partial: false }],
  ])('%s', (_name, edit, expected) => {
    const state = budgetState(edit(baseInput()), now);
    for (const [key, value] of Object.entries(expected)) {
      const actual = (state as unknown as Record<string, unknown>)[key];
      if (typeof value === 'number' && Number.isFinite(value)) expect(Math.abs((actual as number) - value) / Math.max(1, Math.abs(value)), key).toBeLessThan(1e-12);
      else expect(actual, key).toBe(value);
    }
  });

  it('computes burn rates per window and skips windows without data', () => {
    const state = budgetState({ ...baseInput(), windowErrorRatios: { '5m': 0.0144, '1h': 0.001, '6h': undefined, '3d': Number.NaN } }, now);
    expect(Object.keys(state.burnRates).sort()).toEqual(['1h', '5m']);
    expect(state.burnRates['5m']).toBeCloseTo(14.4, 9);
    expect(state.burnRates['1h']).toBeCloseTo(1, 9);
  });

  it('rejects objectives outside (0, 1)', () => {
    expect(() => budgetState({ ...baseInput(), objective: 1 }, now)).toThrow(RangeError);
  });
});

describe('small helpers', () => {
  it('coverage ratio is clamped and undefined without expected tiles', () => {
    expect([coverageRatio(76, 895), coverageRatio(900, 895), coverageRatio(-1, 10), coverageRatio(3, 0)]).toEqual([76 / 895, 1, 0, undefined]);
  });
  it('time to exhaustion', () => {
    expect(timeToExhaustion(1, 1, 100)).toBe(100);
    expect(timeToExhaustion(0.25, 10, 1000)).toBe(25);
  });
  it.each([
    ['99.9', 0.999],
    ['99.95', 0.9995],
    [99, 0.99],
    ['90', 0.9],
  ])('objective of goal %s', (goal, objective) => expect(objectiveFromGoal(goal)).toBe(objective));
  it('rejects bad goals', () => expect(() => objectiveFromGoal('100')).toThrow(RangeError));
  it('policy alert states: firing beats pending', () => {
    expect(
      policyAlertStates(['page', 'ticket', 'quiet'], [
        { policy: 'page', alertstate: 'pending' },
        { policy: 'page', alertstate: 'firing' },
        { policy: 'ticket', alertstate: 'pending' },
        { policy: 'unknown', alertstate: 'firing' },
      ]),
    ).toEqual({ page: 'firing', ticket: 'pending', quiet: 'inactive' });
  });
  it.each([
    ['5m', 300, '5m'],
    ['60m', 3600, '1h'],
    ['1h30m', 5400, '1h30m'],
    ['30d', 2_592_000, '30d'],
    ['1w', 604_800, '7d'],
  ])('duration %s', (text, seconds, canonical) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms: seconds * 1000 });
    expect(formatDuration(seconds * 1000)).toBe(canonical);
    expect(canonicalDuration(text)).toBe(canonical);
  });
  it('rejects non-durations', () => {
    expect(parseDuration('5 minutes').ok).toBe(false);
    expect(() => canonicalDuration('5 minutes')).toThrow(/not a duration/);
  });
});
