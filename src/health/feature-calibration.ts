/**
 * Calibration of a deviation feature against the entity's own history of it: two tracked quantiles (90th
 * and 99th) of the feature tell how much wider than Gaussian noise the series is and how heavy its tail
 * is. A value's rarity is −log10 of its estimated exceedance probability:
 * - below the 99th percentile: the Gaussian tail after rescaling by how much wider the series is;
 * - above it: the smaller of that and a Pareto tail whose index comes from the two quantiles, so a series
 *   with routine bursts (heavy tail) needs a much larger deviation than a well-behaved one.
 */
import { probit } from 'simple-statistics';
import { normalTailLog10 } from './normal-tail.js';

const LOW = 0.9;
const HIGH = 0.99;
/** Gaussian |Z| quantiles: the references (and floors) of the tracked quantiles. */
export const GAUSSIAN_LOW = probit(1 - (1 - LOW) / 2);
export const GAUSSIAN_HIGH = probit(1 - (1 - HIGH) / 2);

/** Tracked [90th, 99th] percentiles of a non-negative feature. */
export type FeatureQuantiles = readonly [number, number];

export const initialQuantiles: FeatureQuantiles = [GAUSSIAN_LOW, GAUSSIAN_HIGH];

/** −log10 of the estimated probability that the feature exceeds `x`. */
export function rarityLog10(x: number, q: FeatureQuantiles, heavyTails: boolean): number {
  const [qLow, qHigh] = q;
  const widen = Math.max(1, qHigh / GAUSSIAN_HIGH);
  const gaussian = normalTailLog10(x / widen);
  if (!heavyTails || x <= qHigh) return gaussian;
  const index = Math.min(12, Math.max(1, Math.LN10 / Math.log(Math.max(qHigh / Math.max(qLow, 1e-9), 1.0001))));
  const pareto = -Math.log10(1 - HIGH) + index * Math.log10(x / qHigh);
  return Math.min(gaussian, pareto);
}

function track(q: number, x: number, rate: number, level: number, floor: number): number {
  const next = x > q ? q * (1 + rate) : q * (1 - (rate * (1 - level)) / level);
  return Math.max(floor, next);
}

/**
 * Multiplicative stochastic quantile tracking: up by `rate` when exceeded, down by `rate·(1 − p)/p`
 * otherwise, so each settles where a fraction 1 − p of values exceed it; never below the Gaussian value.
 */
export function trackQuantiles(q: FeatureQuantiles, x: number, rate: number): FeatureQuantiles {
  const low = track(q[0], x, rate, LOW, GAUSSIAN_LOW);
  const high = track(q[1], x, rate, HIGH, GAUSSIAN_HIGH);
  return [low, Math.max(high, low)];
}
