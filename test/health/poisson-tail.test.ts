import { describe, expect, it } from 'vitest';
import { poissonTailLog10 } from '../../src/health/poisson-tail.js';

/** −log10 P(X ≥ k) by summing the probability mass function from k upwards. */
function bySum(k: number, mean: number): number {
  let logP = -mean;
  for (let i = 1; i <= k; i++) logP += Math.log(mean / i);
  let p = Math.exp(logP);
  let tail = 0;
  for (let i = k; p > tail * 1e-17; i++) {
    tail += p;
    p *= mean / (i + 1);
  }
  return -Math.log10(tail);
}

describe('Poisson tail', () => {
  it.each([
    { k: 1, mean: 0.5 },
    { k: 3, mean: 3 },
    { k: 6, mean: 1.2 },
    { k: 16, mean: 3.6 },
    { k: 10, mean: 20 },
    { k: 25, mean: 20 },
    { k: 100, mean: 50 },
  ])('P(X ≥ $k | $mean) matches the summed probabilities', ({ k, mean }) => {
    expect(poissonTailLog10(k, mean)).toBeCloseTo(bySum(k, mean), 6);
  });

  it('is 0 for k ≤ 0, grows with k between whole counts, and stays finite far into the tail', () => {
    expect(poissonTailLog10(0, 2)).toBe(0);
    expect(poissonTailLog10(-1, 2)).toBe(0);
    const steps = [4, 4.25, 4.5, 4.75, 5].map((k) => poissonTailLog10(k, 1.5));
    for (let i = 1; i < steps.length; i++) expect(steps[i]!).toBeGreaterThan(steps[i - 1]!);
    // P(X ≥ 5 | 0.001) ≈ 0.001⁵ / 5! = 8.3e-18: summing underflows, the series does not.
    expect(poissonTailLog10(5, 0.001)).toBeCloseTo(17.08, 2);
    expect(poissonTailLog10(1, 0)).toBe(300);
  });
});
