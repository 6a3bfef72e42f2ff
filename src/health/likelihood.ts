/**
 * Anomaly likelihood of a raw anomaly score (after Numenta's anomaly likelihood, Ahmad et al. 2017,
 * "Unsupervised real-time anomaly detection for streaming data"; written here from the paper's description,
 * no code borrowed). Pure, and a constant four numbers of state.
 *
 * The raw score of each observation (here the scorer's 0..1 anomaly, a prediction error) is modelled by a
 * Gaussian of its recent history: a long window (the paper's 8640 observations, a month of 5-minute data)
 * gives the mean and the standard deviation. The mean of the last few raw scores (the paper's averaging
 * window, 10) is compared with it, and the tail probability of that short mean, Q((short − mean) / sd), is
 * how unlikely the recent behaviour is. The paper alarms when the likelihood 1 − Q reaches 1 − 10⁻⁵; this
 * module returns −log10 Q, so that alarm is a value of 5 or more.
 *
 * Bounded memory instead of the paper's windows: the long mean and variance are exponentially weighted
 * with rate 1/n (the exact running mean) until n reaches the long window, then 1/window; the short mean
 * with rate 1/min(n, averaging window). Nothing is reported during a learning period (the paper's 288
 * observations plus its 100 estimation samples).
 */
import { normalTailLog10 } from './normal-tail.js';

/** Long window of the raw scores' Gaussian, in observations (the paper's historic window). */
export const LIKELIHOOD_WINDOW = 8640;
/** Raw scores averaged before they are judged (the paper's averaging window). */
export const LIKELIHOOD_AVERAGING = 10;
/** Observations before any likelihood is reported (the paper's learning period, 288, plus 100 estimation samples). */
export const LIKELIHOOD_LEARNING = 388;
/**
 * Smallest standard deviation of the raw score (a 0..1 score; 1 % of its range), so a series whose raw
 * score sat still does not turn the smallest change into a certainty. Scores are the same for 0.003 to 0.03.
 */
export const LIKELIHOOD_MIN_SD = 0.01;

export interface LikelihoodState {
  /** Raw scores seen (capped at the long window: the weighting is 1/window from there on). */
  readonly n: number;
  /** Long mean and variance of the raw score. */
  readonly m: number;
  readonly v: number;
  /** Short mean of the raw score (the averaging window). */
  readonly s: number;
}

export function initialLikelihoodState(): LikelihoodState {
  return { n: 0, m: 0, v: 0, s: 0 };
}

export interface LikelihoodStep {
  readonly state: LikelihoodState;
  /** −log10 of the tail probability of the recent mean raw score (0 during learning). */
  readonly tailLog10: number;
}

/** Judges one raw anomaly score (0..1) against the series' history of them, then learns it. */
export function likelihoodStep(state: LikelihoodState, raw: number): LikelihoodStep {
  const x = Number.isFinite(raw) ? raw : 0;
  const short = state.n === 0 ? x : state.s + (x - state.s) / Math.min(state.n + 1, LIKELIHOOD_AVERAGING);
  const sd = Math.max(Math.sqrt(state.v), LIKELIHOOD_MIN_SD);
  const tailLog10 = state.n >= LIKELIHOOD_LEARNING ? normalTailLog10((short - state.m) / sd) : 0;
  const n = Math.min(state.n + 1, LIKELIHOOD_WINDOW);
  const rate = 1 / n;
  const d = x - state.m;
  return { state: { n, m: state.m + rate * d, v: (1 - rate) * (state.v + rate * d * d), s: short }, tailLog10 };
}
