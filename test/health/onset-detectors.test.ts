import { describe, expect, it } from 'vitest';
import { contextualStep, initialContextualState, levelOf, type ContextualSettings, type ContextualState } from '../../src/health/contextual-detector.js';
import { onsetStep } from '../../src/health/onset.js';
import { encodeState } from '../../src/health/state-codec.js';
import { prng } from './synthetic-mesh.js';

const settings: ContextualSettings = { rangeLearning: 100, margin: 1, restPeriod: 50 };

function feed(values: readonly number[], from: ContextualState = initialContextualState(), s: ContextualSettings = settings) {
  let state = from;
  const steps = values.map((v) => {
    const r = contextualStep(state, v, s);
    state = r.state;
    return r;
  });
  return { state, steps };
}

describe('contextual detector (CAD OSE alarm)', () => {
  it('learns its range first, then stays quiet on a pattern it has seen and alarms on a step between levels never taken', () => {
    const pattern = [0, 10, 20, 30, 20, 10];
    const { state, steps } = feed(Array.from({ length: 598 }, (_, i) => pattern[i % pattern.length]!));
    // Nothing during range learning, nothing within CAD's rest period after scoring starts, and nothing once learned.
    expect(steps.filter((s) => s.alarm)).toEqual([]);
    expect(steps.slice(300).some((s) => s.novel)).toBe(false);
    // The range is the learned one widened by its margin (30 on each side here).
    expect([state.lo, state.hi]).toEqual([-30, 60]);
    // The series ends on 30; 30 → 0 is a step the pattern never takes (30 is always followed by 20).
    const jump = contextualStep(state, 0, settings);
    expect(jump.novel).toBe(true);
    expect(jump.alarm).toBe(true);
  });

  it('puts values beyond the learned range in extra levels, reports one alarm per rest period, and fits in a few hundred bytes', () => {
    const random = prng(3);
    const { state } = feed(Array.from({ length: 2000 }, () => 100 + random()));
    expect(levelOf(100.5, state.lo, state.hi)).toBeLessThan(levelOf(200, state.lo, state.hi));
    const outage = feed(Array.from({ length: 40 }, (_, i) => (i < 20 ? 200 + i : 100 + random())), state);
    // The first step out is an alarm; later novel steps within the rest period (e.g. the way back) are not.
    expect(outage.steps[0]!.alarm).toBe(true);
    expect(outage.steps.filter((s) => s.alarm)).toHaveLength(1);
    expect(outage.steps.slice(1).some((s) => s.novel)).toBe(true);
    expect(outage.steps.every((s) => s.resting)).toBe(true);
    expect(encodeState(outage.state).length).toBeLessThan(400);
    // Worst case, every transition seen and long numbers: still under 300 bytes (seven signals stay far inside 16 KB).
    const full = { ...outage.state, seen: outage.state.seen.map(() => 0xffffffff), lo: -1.2345678e-7, hi: 9.8765432e12 };
    expect(full.seen).toHaveLength(18);
    expect(encodeState({ ...full, n: 1_000_000, since: 1_000_000 }).length).toBeLessThan(300);
  });

  it('uses a range given up front (NAB protocol) from the first value, and the onset only counts the bad side', () => {
    const given: ContextualSettings = { ...settings, valueRange: [0, 70] };
    const first = contextualStep(initialContextualState(), 5, given);
    expect(first.state.ready).toBe(true);
    expect([first.state.lo, first.state.hi]).toEqual([0, 70]);
    const { state } = feed(Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? 5 : 15)), initialContextualState(), given);
    expect(onsetStep(state, { value: 65, badSide: true }, given).alarm).toBe(1);
    expect(onsetStep(state, { value: 65, badSide: false }, given).alarm).toBe(0);
  });
});
