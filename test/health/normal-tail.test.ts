/** The one error function (src/health/normal-tail.ts) against reference values of the standard normal. */
import { describe, expect, it } from 'vitest';
import { normalCdf, normalTailLog10 } from '../../src/health/normal-tail.js';

// Φ(z) to 16 digits (R: pnorm(z)).
const reference: ReadonlyArray<readonly [number, number]> = [
  [0, 0.5],
  [1, 0.8413447460685429],
  [-1, 0.15865525393145705],
  [2.5, 0.9937903346742238],
  [-3, 0.0013498980316300946],
  [-6, 9.865876450376982e-10],
  [-8, 6.22096057427178e-16],
];

describe('normal distribution', () => {
  it.each(reference)('Φ(%d) is right to a relative 2e-7, far into the lower tail too', (z, p) => {
    expect(Math.abs(normalCdf(z) - p) / p).toBeLessThan(2e-7);
  });

  it('gives the upper tail on a log scale where 1 - Φ(z) underflows', () => {
    expect(normalTailLog10(-1)).toBeCloseTo(-Math.log10(0.8413447460685429), 6);
    expect(normalTailLog10(6)).toBeCloseTo(-Math.log10(9.865876450376982e-10), 5);
    // P(Z > 40) ≈ 3.66e-350 is below the smallest double; its log is still finite.
    expect(normalTailLog10(40)).toBeCloseTo(349.437, 2);
  });
});
