import { describe, expect, it } from 'vitest';
import { initialLikelihoodState, LEARNING_PERIOD, likelihoodStep } from '../../src/health/anomaly-likelihood.js';
import { contextualStep, initialContextualState } from '../../src/health/contextual-detector.js';
import { prng } from './synthetic-mesh.js';

describe('contextual detector (after CAD OSE)', () => {
  it('scores a repeating pattern 0 once learned, and a value in a level never seen before high', () => {
    let state = initialContextualState();
    const pattern = [0, 10, 20, 30, 20, 10];
    const raws: number[] = [];
    for (let i = 0; i < 600; i++) {
      const r = contextualStep(state, pattern[i % pattern.length]!);
      state = r.state;
      raws.push(r.raw);
    }
    expect(raws.slice(100).every((r) => r === 0)).toBe(true);
    // 15 lies inside the range but in a level the pattern never visits after 10.
    const novel = contextualStep(state, 15);
    expect(novel.raw).toBeGreaterThanOrEqual(0.75);
    // The memory is bounded (one bit per possible context) and survives JSON.
    const restored = JSON.parse(JSON.stringify(novel.state)) as typeof novel.state;
    expect(JSON.stringify(restored.seen).length).toBeLessThan(30);
    expect(contextualStep(restored, 15).raw).toBe(contextualStep(novel.state, 15).raw);
  });
});

describe('anomaly likelihood (after Numenta)', () => {
  it('says nothing while learning, stays quiet on its usual raw scores, and gives one red alarm for a sustained rise', () => {
    const random = prng(7);
    let state = initialLikelihoodState();
    const scores: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const r = likelihoodStep(state, 0.1 * random());
      state = r.state;
      scores.push(r.score);
    }
    expect(scores.slice(0, LEARNING_PERIOD).every((s) => s === 0)).toBe(true);
    expect(Math.max(...scores.slice(LEARNING_PERIOD))).toBeLessThan(0.5);
    const rise: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = likelihoodStep(state, 0.9);
      state = r.state;
      rise.push(r.score);
    }
    // Red (0.5 = a 1e-5 tail) once; the following red ones are reported yellow (0.3).
    expect(rise.filter((s) => s >= 0.5)).toHaveLength(1);
    expect(rise.slice(rise.findIndex((s) => s >= 0.5) + 1).every((s) => s <= 0.3 + 1e-9)).toBe(true);
  });
});
