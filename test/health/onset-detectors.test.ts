import { describe, expect, it } from 'vitest';
import { binOf, contextualStep, initialContextualState, LEVELS, type ContextualSettings, type ContextualState } from '../../src/health/contextual-detector.js';
import { defaultOnsetSettings, fisherCombined, onsetResting, onsetStep, type OnsetSettings, type OnsetState } from '../../src/health/onset.js';
import { initialLikelihoodState, LIKELIHOOD_LEARNING, likelihoodStep } from '../../src/health/likelihood.js';
import { encodeState } from '../../src/health/state-codec.js';
import { prng } from './synthetic-mesh.js';

const settings: ContextualSettings = { restShare: 0.03, restMax: 50, persistence: 3 };

function feed(values: readonly number[], from: ContextualState = initialContextualState(), s: ContextualSettings = settings) {
  let state = from;
  const steps = values.map((v) => {
    const r = contextualStep(state, v, s);
    state = r.state;
    return r;
  });
  return { state, steps };
}

/** The transitions a series takes on the grid of width 2^e, as bits of levels counted from bin `lb`. */
function transitionsAt(values: readonly number[], e: number, lb: number): Set<number> {
  const out = new Set<number>();
  for (let i = 1; i < values.length; i++) out.add((binOf(values[i - 1]!, e) - lb) * LEVELS + (binOf(values[i]!, e) - lb));
  return out;
}

function bitsOf(seen: readonly number[]): Set<number> {
  const out = new Set<number>();
  for (let bit = 0; bit < LEVELS * LEVELS; bit++) if (((seen[bit >> 5] ?? 0) & (1 << (bit & 31))) !== 0) out.add(bit);
  return out;
}

describe('contextual detector (CAD OSE alarm on levels that follow the range seen)', () => {
  it('stays quiet on a pattern it has seen and alarms when steps between levels never taken persist', () => {
    const pattern = [0, 10, 20, 30, 20, 10];
    const { state, steps } = feed(Array.from({ length: 598 }, (_, i) => pattern[i % pattern.length]!));
    // Nothing within the rest period from the start (the grid settles there), and nothing once learned.
    expect(steps.filter((s) => s.alarm)).toEqual([]);
    expect(steps.slice(10).some((s) => s.novel)).toBe(false);
    // 0 and 10 set a grid of width 2; 20 doubled it to 4: 0, 10, 20, 30 are levels 0, 2, 5, 7.
    expect([state.e, state.lb, state.hb]).toEqual([2, 0, 7]);
    // The series ends on 30; 30 → 0 is a step the pattern never takes (30 is always followed by 20): novel,
    // but alone it is not an alarm. Another never-seen step (0 → 30) within 3 observations is.
    const jump = contextualStep(state, 0, settings);
    expect(jump.novel).toBe(true);
    expect(jump.alarm).toBe(false);
    const persists = contextualStep(jump.state, 30, settings);
    expect(persists.novel).toBe(true);
    expect(persists.alarm).toBe(true);
    // A single new path between known levels that rejoins the pattern (0 → 20, then 20 → 30 → 20 …) is not.
    const detour = feed([20, 10, 0, 20, 30, 20, 10], state);
    expect(detour.steps.map((s) => s.novel)).toEqual([false, false, false, true, false, false, false]);
    expect(detour.steps.some((s) => s.alarm)).toBe(false);
  });

  it('re-bins exactly when the range grows: what it keeps is every step of the series on the final grid', () => {
    const random = prng(5);
    // A drifting, noisy series with negative values and a late jump: the grid doubles several times.
    const values = Array.from({ length: 3000 }, (_, i) => Math.round(100 * (Math.sin(i / 40) * (1 + i / 500) + random() - 0.5 + (i > 2500 ? 30 : 0))) / 100);
    const { state } = feed(values);
    expect(state.e).not.toBeNull();
    const e = state.e!;
    expect(e).toBeGreaterThan(-3);
    // The lowest and highest values lie in the first and last bins kept, within LEVELS of each other.
    expect(state.lb).toBe(binOf(Math.min(...values), e));
    expect(state.hb).toBe(binOf(Math.max(...values), e));
    expect(state.hb - state.lb).toBeLessThan(LEVELS);
    expect(bitsOf(state.seen)).toEqual(transitionsAt(values, e, state.lb));
  });

  it('judges a new extreme on the widened levels, reports one alarm per rest period, and fits in about 100 bytes', () => {
    const random = prng(3);
    const { state } = feed(Array.from({ length: 2000 }, () => 100 + random()));
    const before = state.e!;
    const outage = feed(Array.from({ length: 40 }, (_, i) => (i < 20 ? 200 + i : 100 + random())), state);
    expect(outage.state.e).toBeGreaterThan(before);
    // The first step out is new, the next (within the new level) too: the alarm; later novel steps within
    // the rest period (e.g. the way back) are not.
    expect(outage.steps[0]!.novel).toBe(true);
    expect(outage.steps[1]!.alarm).toBe(true);
    expect(outage.steps.filter((s) => s.alarm)).toHaveLength(1);
    expect(outage.steps.slice(2).some((s) => s.novel)).toBe(true);
    expect(outage.steps.slice(1).every((s) => s.resting)).toBe(true);
    expect(encodeState(outage.state).length).toBeLessThan(150);
    // Worst case, every transition seen and long numbers: still under 200 bytes (seven signals stay far inside 16 KB).
    const full = { ...outage.state, seen: [0xffffffff, 0xffffffff], v0: -1.2345678e-7, e: -1000, lb: -9_007_199_254_740_991, hb: 9_007_199_254_740_991 };
    expect(encodeState({ ...full, n: 1_000_000_000, since: 1_000_000 }).length).toBeLessThan(200);
  });

  it('waits for two distinct values before setting a grid, and a constant series never alarms', () => {
    const flat = feed(Array.from({ length: 500 }, () => 42.000001));
    expect(flat.state.e).toBeNull();
    expect(flat.steps.some((s) => s.novel)).toBe(false);
    // A change at the 6th significant digit is the same value (the entity state keeps 5).
    expect(contextualStep(flat.state, 42.000004, settings).state.e).toBeNull();
    const moved = contextualStep(flat.state, 43, settings);
    expect(moved.state.e).not.toBeNull();
    expect(moved.novel).toBe(true);
    expect(contextualStep(moved.state, 42, settings).alarm).toBe(true);
  });

  it('restarts learning from a state of an older shape instead of misreading it', () => {
    const old = { n: 600, lo: 0, hi: 10, ready: true, prev: 12, seen: Array.from({ length: 18 }, () => 0), since: 500 } as unknown as ContextualState;
    const stepped = contextualStep(old, 5, settings);
    expect(stepped.alarm).toBe(false);
    expect(stepped.state).toEqual({ ...initialContextualState(), n: 1, v0: 5, quiet: 1 });
  });

  it('uses a range given up front (NAB protocol) from the first value, and the onset only counts the bad side', () => {
    const given: OnsetSettings = { ...defaultOnsetSettings, ...settings, valueRange: [0, 70] };
    const { state: contextual, steps } = feed(Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? 5 : 15)), initialContextualState(), given);
    expect(contextual.e).toBeNull();
    expect(steps.filter((s) => s.novel)).toHaveLength(2);
    let state: OnsetState | undefined;
    for (let i = 0; i < 300; i++) state = onsetStep(state, { value: i % 2 === 0 ? 5 : 15, badSide: true, rarity: 0.1 }, given).state;
    // 15 → 65 is new, alone no alarm; 65 → 66 (new too) persists: an alarm, if rare enough and on the bad side.
    const out = onsetStep(state, { value: 65, badSide: true, rarity: 4 }, given);
    expect(out.alarm).toBe(0);
    expect(onsetStep(out.state, { value: 66, badSide: true, rarity: 4 }, given).alarm).toBe(1);
    expect(onsetStep(out.state, { value: 66, badSide: false, rarity: 4 }, given).alarm).toBe(0);
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

describe('onset: CAD on the growing grid, the likelihood, one rest period', () => {
  // A rest period of 50 observations at any age (all of the observations seen, at most 50).
  const onset: OnsetSettings = { ...defaultOnsetSettings, restShare: 1, restMax: 50 };
  function run(observations: readonly { value: number; anomaly?: number; rarity?: number }[], from?: OnsetState, settings: OnsetSettings = onset) {
    let state = from;
    const alarms = observations.map((o) => {
      const r = onsetStep(state, { badSide: true, ...o }, settings);
      state = r.state;
      return r.alarm;
    });
    return { state: state!, alarms };
  }

  it('never alarms in the first rest period, then one alarm per rest period, and the rarity alone never alarms', () => {
    // New extremes for two observations at 20, 100 and 120 (steps never taken, persisting), each a rare deviation.
    const extreme = new Map([[20, 60], [21, 61], [100, 200], [101, 201], [120, 400], [121, 401]]);
    const values = Array.from({ length: 150 }, (_, i) => ({ value: extreme.get(i) ?? 10 + (i % 3), anomaly: 0.1, rarity: extreme.has(i) ? 9 : 1 }));
    const { state, alarms } = run(values);
    // 20–21 lie in the first rest period; 101 (the novelty persists) is reported; 120–121 fall within its rest period.
    expect(alarms.flatMap((a, i) => (a ? [i] : []))).toEqual([101]);
    expect(onsetResting(state, onset)).toBe(true);
    // A rare deviation on a step seen before: nothing.
    expect(run(values.map((v, i) => ({ ...v, value: 10 + (i % 3) }))).alarms.every((a) => a === 0)).toBe(true);
  });

  it('the likelihood of sustained high anomaly scores alarms with no new level step', () => {
    const random = prng(11);
    const learned = run(Array.from({ length: 1000 }, (_, i) => ({ value: 10 + (i % 3), anomaly: 0.1 + 0.05 * random(), rarity: 1 })));
    expect(learned.alarms.every((a) => a === 0)).toBe(true);
    // Values stay on their usual steps (CAD silent); the anomaly scores rise for a while: one alarm.
    const sustained = run(Array.from({ length: 30 }, (_, i) => ({ value: 10 + (i % 3), anomaly: 0.7, rarity: 3 })), learned.state);
    expect(sustained.alarms.filter((a) => a === 1)).toHaveLength(1);
    expect(sustained.alarms.indexOf(1)).toBeLessThan(5);
    // The onset's whole state (CAD's bits, the likelihood, the counts, the rest counter) stays a few hundred bytes.
    expect(encodeState(sustained.state).length).toBeLessThan(300);
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
    // A rest period of 5; any earlier novel step confirms a novel step (persistence is not what this tests).
    const settings: OnsetSettings = { ...defaultOnsetSettings, restShare: 1, restMax: 5, persistence: 1000, valueRange: [0, 70] };
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
