/**
 * Upper tail of the Poisson distribution on a log scale: −log10 P(X ≥ k) for X ~ Poisson(mean). The count
 * k may be fractional (effective counts after scaling for overlapping windows and dispersion): the tail is
 * the regularised lower incomplete gamma function P(k, mean), which equals P(X ≥ k) at whole k and is
 * smooth between them. Accurate far into the tail, where 1 − cdf underflows.
 */
import { gammaln } from 'simple-statistics';

/** Larger rarities are reported as this (a probability of 1e-300 is beyond any meaning here). */
const MAX_RARITY = 300;

/** Series of the lower incomplete gamma, on a log scale: ln P(a, x), converging fast for x < a + 1. */
function lowerLog(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < 10_000; n++) {
    term *= x / (a + n);
    sum += term;
    if (term < sum * 1e-15) break;
  }
  return a * Math.log(x) - x - gammaln(a) + Math.log(sum);
}

/** Continued fraction (modified Lentz) of the upper incomplete gamma Q(a, x), for x ≥ a + 1. */
function upper(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.exp(a * Math.log(x) - x - gammaln(a)) * h;
}

/** −log10 P(X ≥ k) for X ~ Poisson(mean); 0 for k ≤ 0, capped at 300. */
export function poissonTailLog10(k: number, mean: number): number {
  if (!(k > 0)) return 0;
  if (!(mean > 0)) return MAX_RARITY;
  const rarity = mean < k + 1 ? -lowerLog(k, mean) / Math.LN10 : -Math.log10(Math.max(1 - upper(k, mean), Number.MIN_VALUE));
  return Math.min(MAX_RARITY, Math.max(0, rarity));
}
