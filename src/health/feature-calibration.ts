/**
 * Calibration of a deviation feature against the entity's own history of it: tracked high quantiles
 * (90th and 99th) of the feature tell how much wider than Gaussian noise the series is. A value's rarity
 * is −log10 of its estimated exceedance probability: the Gaussian tail after rescaling by that width, so a
 * series with routine bursts needs a larger deviation than a well-behaved one for the same score.
 * (A Pareto tail fitted from the two quantiles was tried and scored worse on the NAB development slice.)
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
export function rarityLog10(x: number, q: FeatureQuantiles): number {
  const widen = Math.max(1, q[1] / GAUSSIAN_HIGH);
  return normalTailLog10(x / widen);
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
