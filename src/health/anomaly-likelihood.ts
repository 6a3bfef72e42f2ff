/**
 * Anomaly likelihood, after Numenta's description (Ahmad et al., "Unsupervised real-time anomaly
 * detection for streaming data", Neurocomputing 2017, §3): written here from the paper, no code borrowed.
 *
 * A raw anomaly score (0..1) is noisy and its normal level differs from series to series. The likelihood
 * asks instead how unusual the *recent* raw scores are for *this* series: the mean of the last
 * `SHORT_WINDOW` raw scores is compared with the long-run distribution of that mean (a normal with the
 * long-run mean and variance), and its upper tail probability is the evidence. Reported on Numenta's log
 * scale, score = −log10(tail) / 10, so 0.5 is a 1-in-100 000 event and 1 a 1-in-10^10 one.
 *
 * Settings are the paper's published defaults, not chosen on any data: a short window of 10, a learning
 * period of 388 observations (288 + 100 estimation samples) before any likelihood is given, a long-run
 * window of 8640 observations (here the memory of an exponentially weighted estimate, so no history needs
 * storing), and lower bounds of 0.03 on the mean and 0.0003 on the variance. After a "red" tail (below
 * 1e-5), a following red one is reported as "yellow" (1e-3), so one event is one alarm.
 */
import { normalTailLog10 } from './normal-tail.js';

export const SHORT_WINDOW = 10;
export const LEARNING_PERIOD = 388;
export const LONG_WINDOW = 8640;
const MIN_MEAN = 0.03;
const MIN_VARIANCE = 0.0003;
const RED_LOG10 = 5;
const YELLOW_LOG10 = 3;

export interface LikelihoodState {
  /** Observations seen. */
  readonly n: number;
  /** The last SHORT_WINDOW raw scores. */
  readonly recent: readonly number[];
  /** Long-run mean and variance of the short-window mean. */
  readonly mean: number;
  readonly variance: number;
  /** The previous observation's unfiltered −log10 tail (for the red/yellow filter). */
  readonly last: number;
}

export function initialLikelihoodState(): LikelihoodState {
  return { n: 0, recent: [], mean: 0, variance: 0, last: 0 };
}

export interface LikelihoodStep {
  readonly state: LikelihoodState;
  /** −log10 tail probability of the recent mean (filtered); 0 while learning. */
  readonly rarity: number;
  /** Numenta's log-scaled likelihood, rarity / 10 capped at 1. */
  readonly score: number;
}

export function likelihoodStep(state: LikelihoodState, raw: number): LikelihoodStep {
  const recent = state.recent.length < SHORT_WINDOW ? [...state.recent, raw] : [...state.recent.slice(1), raw];
  let sum = 0;
  for (const x of recent) sum += x;
  const average = sum / recent.length;
  const n = state.n + 1;
  let rarity = 0;
  let unfiltered = 0;
  if (state.n >= LEARNING_PERIOD) {
    const mean = Math.max(state.mean, MIN_MEAN);
    const sd = Math.sqrt(Math.max(state.variance, MIN_VARIANCE));
    unfiltered = Math.min(10, normalTailLog10((average - mean) / sd));
    rarity = unfiltered >= RED_LOG10 && state.last >= RED_LOG10 ? YELLOW_LOG10 : unfiltered;
  }
  // Long-run estimate: a running mean until LONG_WINDOW observations, then exponentially weighted.
  const rate = 1 / Math.min(n, LONG_WINDOW);
  const delta = average - state.mean;
  const mean = state.mean + rate * delta;
  const variance = (1 - rate) * (state.variance + rate * delta * delta);
  return { state: { n, recent, mean, variance, last: unfiltered }, rarity, score: Math.min(1, rarity / 10) };
}
