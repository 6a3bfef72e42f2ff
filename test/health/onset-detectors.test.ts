import { describe, expect, it } from 'vitest';
import { contextualStep, initialContextualState, levelOf, type ContextualSettings, type ContextualState } from '../../src/health/contextual-detector.js';
import { defaultOnsetSettings, fisherCombined, onsetResting, onsetStep, type OnsetSettings, type OnsetState } from '../../src/health/onset.js';
import { initialLikelihoodState, LIKELIHOOD_LEARNING, likelihoodStep } from '../../src/health/likelihood.js';
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
    const given: OnsetSettings = { ...defaultOnsetSettings, ...settings, valueRange: [0, 70] };
    const first = contextualStep(initialContextualState(), 5, given);
    expect(first.state.ready).toBe(true);
    expect([first.state.lo, first.state.hi]).toEqual([0, 70]);
    let state: OnsetState | undefined;
    for (let i = 0; i < 300; i++) state = onsetStep(state, { value: i % 2 === 0 ? 5 : 15, badSide: true, rarity: 0.1 }, given).state;
    expect(onsetStep(state, { value: 65, badSide: true, rarity: 4 }, given).alarm).toBe(1);
    expect(onsetStep(state, { value: 65, badSide: false, rarity: 4 }, given).alarm).toBe(0);
  });
});

describe('anomaly likelihood (after Numenta)', () => {
  it('says nothing while learning, stays quiet on the raw scores it is used to, and reports a sustained rise as a tiny tail probability', () => {
    const random = prng(7);
    let state = initialLikelihoodState();
    const quiet: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const step = likelihoodStep(state, 0.1 + 0.05 * random());
      state = step.state;
      quiet.push(step.tailLog10);
    }
    expect(quiet.slice(0, LIKELIHOOD_LEARNING).every((t) => t === 0)).toBe(true);
    // Noise of the usual kind: never a 1-in-100,000 event.
    expect(Math.max(...quiet)).toBeLessThan(5);
    // The raw score rises and stays up: the short mean leaves the long-run Gaussian within a few observations.
    const rise: number[] = [];
    for (let i = 0; i < 10; i++) {
      const step = likelihoodStep(state, 0.6);
      state = step.state;
      rise.push(step.tailLog10);
    }
    expect(rise.findIndex((t) => t >= 5)).toBeGreaterThanOrEqual(0);
    expect(rise.findIndex((t) => t >= 5)).toBeLessThan(4);
    // Four numbers, whatever the history.
    expect(encodeState({ n: 8640, m: 0.123456789, v: 0.0123456789, s: 0.987654321 }).length).toBeLessThan(60);
  });
});

describe('onset: CAD, the rarity while CAD learns, the likelihood, one rest period', () => {
  const onset: OnsetSettings = { ...defaultOnsetSettings, rangeLearning: 100, margin: 1, restPeriod: 50 };
  function run(observations: readonly { value: number; anomaly?: number; rarity?: number }[], from?: OnsetState) {
    let state = from;
    const alarms = observations.map((o) => {
      const r = onsetStep(state, { badSide: true, ...o }, onset);
      state = r.state;
      return r.alarm;
    });
    return { state: state!, alarms };
  }

  it('while CAD learns its range, a rare enough observation is an alarm, and one rest period follows it', () => {
    const values = Array.from({ length: 80 }, (_, i) => ({ value: 10 + (i % 3), anomaly: 0.1, rarity: i === 40 || i === 60 ? onset.learningRarity : 1 }));
    const { state, alarms } = run(values);
    // The alarm at 40 is reported; the one at 60 falls within its rest period.
    expect(alarms.flatMap((a, i) => (a ? [i] : []))).toEqual([40]);
    expect(state.ready).toBe(false);
    expect(onsetResting(state, onset)).toBe(true);
    // Less rare: nothing.
    expect(run(values.map((v) => ({ ...v, rarity: Math.min(v.rarity, onset.learningRarity - 0.5) }))).alarms.every((a) => a === 0)).toBe(true);
  });

  it('once the range is learned, the rarity alone does not alarm, the likelihood of sustained high anomaly scores does, with no new level step', () => {
    const random = prng(11);
    const learned = run(Array.from({ length: 1000 }, (_, i) => ({ value: 10 + (i % 3), anomaly: 0.1 + 0.05 * random(), rarity: 1 })));
    expect(learned.state.ready).toBe(true);
    expect(learned.alarms.slice(200).every((a) => a === 0)).toBe(true);
    expect(run([{ value: 11, anomaly: 0.1, rarity: 20 }], learned.state).alarms).toEqual([0]);
    // Values stay on their usual steps (CAD silent); the anomaly scores rise for a while: one alarm.
    const sustained = run(Array.from({ length: 30 }, (_, i) => ({ value: 10 + (i % 3), anomaly: 0.7, rarity: 3 })), learned.state);
    expect(sustained.alarms.filter((a) => a === 1)).toHaveLength(1);
    expect(sustained.alarms.indexOf(1)).toBeLessThan(5);
    // The onset's whole state (CAD's bits, the likelihood, the rest counter) stays a few hundred bytes.
    expect(encodeState(sustained.state).length).toBeLessThan(400);
  });
});

describe("onset: a novel step's frequency and its deviation, combined by Fisher's method", () => {
  it('combines two tail probabilities as Fisher does (χ² with 4 degrees of freedom)', () => {
    expect(fisherCombined(1, 0)).toBe(1);
    // p1 = p2 = 0.05: q = 0.0025, q·(1 − ln q) = 0.01748 (the χ²₄ tail at 11.98).
    expect(fisherCombined(0.05, -Math.log10(0.05))).toBeCloseTo(0.01748, 4);
    expect(fisherCombined(0.5, 10)).toBeLessThan(1e-8);
  });

  it('in a series that keeps taking new steps, an ordinary novel step is no alarm and a rare one is', () => {
    const settings: OnsetSettings = { ...defaultOnsetSettings, rangeLearning: 20, margin: 0, restPeriod: 5, valueRange: [0, 70] };
    let state: OnsetState | undefined;
    const random = prng(5);
    // A random walk over the levels: novel steps come often, so each is weak evidence by itself.
    let level = 3;
    for (let i = 0; i < 200; i++) {
      level = Math.max(0, Math.min(7, level + Math.round(random() * 2 - 1)));
      state = onsetStep(state, { value: level * 10, badSide: true, rarity: 0.2 }, settings).state;
    }
    expect(state!.nv! / state!.st!).toBeGreaterThan(0.05);
    // 70 → 0 is a step a walk never takes: novel, with an ordinary deviation: no alarm; with a rare one: an alarm.
    const at70 = onsetStep(onsetStep(state, { value: 70, badSide: true, rarity: 0.2 }, settings).state, { value: 70, badSide: true, rarity: 0.2 }, settings).state;
    expect(onsetStep({ ...at70, r: 100 }, { value: 0, badSide: true, rarity: 0.5 }, settings).alarm).toBe(0);
    expect(onsetStep({ ...at70, r: 100 }, { value: 0, badSide: true, rarity: 6 }, settings).alarm).toBe(1);
  });
});
