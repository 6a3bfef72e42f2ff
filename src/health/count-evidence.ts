/**
 * Count-aware evidence for a share of requests (the 5xx ratio). A ratio of counts has Poisson noise that
 * depends on how many requests it was computed from: at night, when a service sees about one error a
 * minute, a 5× rise is hard to tell from noise by the ratio's deviation alone, but the counts carry the
 * evidence: the errors of the last few cycles against the errors expected from the learned share, as a
 * Poisson tail probability (rarity = −log10 p, the same scale as the scorer's). Pure.
 *
 * - Counts: requests = request rate × window, errors = ratio × requests. When the rates are computed over a
 *   window longer than the interval between observations (Prometheus `rate(…[2m])` every minute),
 *   consecutive windows overlap and share counts; only the fraction interval / window of a window is new,
 *   so each cycle adds its counts × min(1, interval / window), the effective independent counts. (Summing
 *   w overlapping 2-minute windows halved has mean λw and variance λ(w − ½): a Poisson law with that mean
 *   is slightly conservative.)
 * - Expected share: errors over requests, both summed with exponential forgetting (`memoryMs`); a cycle
 *   whose own counts are rare is learned with a smaller weight, and Jeffreys' half error is the prior, so a
 *   service without any error so far is not infinitely surprised by one.
 * - Width: real error counts are burstier than Poisson, and the learned share is itself uncertain. The
 *   dispersion φ (mean squared Pearson residual of the window counts, at least 1) and the gamma–Poisson
 *   variance factor 1 + μ / (errors learned) divide the counts before the tail (quasi-Poisson).
 * - Rarity of the last `cycles` cycles together, counted only when the observed share exceeds the expected
 *   one by at least `minExcess` (the signal's unit floor) and each of the last `confirm` cycles had more
 *   errors than expected: the rise lasted. This replaces the entity's "smaller of two cycles' rarities"
 *   rule for counts, which would throw away a cycle of evidence that is already summed.
 * - A long window (`longMs`, exponentially weighted) sees smaller rises that last: a doubling of one error
 *   a minute is no evidence in 3 cycles but overwhelming in 30 minutes. Each cycle enters it capped a few
 *   standard deviations above its expectation, so one burst (the short window's business) cannot hold it
 *   up for half an hour. An exponentially weighted sum of Poisson counts has variance / mean = 1 / (1 + k)
 *   for a per-cycle decay k, so its counts are scaled by 1 + k before the Poisson tail.
 */
import { poissonTailLog10 } from './poisson-tail.js';

export interface CountOptions {
  /** Cycles whose counts are summed (the window a rise must show in). */
  readonly cycles: number;
  /** Cycles of the window that must each have more errors than expected. */
  readonly confirm: number;
  /** Memory of the expected share (ms). */
  readonly memoryMs: number;
  /** Cycles learned before evidence is given. */
  readonly warmup: number;
  /** A longer gap between observations restarts the window (its counts are no longer consecutive). */
  readonly maxGapMs: number;
  /** Cycles rarer than this (on their own) are learned with weight (learnClip / rarity)². */
  readonly learnClip: number;
  /** Smallest excess of the observed over the expected share that counts (the signal's unit floor). */
  readonly minExcess: number;
  /** Memory of the long window (ms); 0 disables it. */
  readonly longMs: number;
}

export const defaultCountOptions: Readonly<CountOptions> = Object.freeze({
  cycles: 3,
  confirm: 2,
  memoryMs: 4 * 3_600_000,
  warmup: 30,
  maxGapMs: 10 * 60_000,
  learnClip: 3,
  minExcess: 0,
  longMs: 30 * 60_000,
});

/** Compact state (a few numbers; rounded by the state codec). */
export interface CountState {
  /** Errors and requests learned, exponentially forgotten. */
  readonly e: number;
  readonly q: number;
  /** Dispersion: tracked mean squared Pearson residual of the window counts. */
  readonly d: number;
  /** Cycles learned. */
  readonly n: number;
  /** Timestamp of the latest observation (ms). */
  readonly ts: number;
  /** Effective counts of the last cycles, oldest first: errors, requests, errors, requests, … */
  readonly w: readonly number[];
  /** The long window: exponentially weighted errors (each cycle capped) and requests. */
  readonly le?: number;
  readonly lq?: number;
}

export interface CountObservation {
  readonly timestampMs: number;
  /** Errors over requests, 0..1. */
  readonly ratio: number;
  /** Requests per second. */
  readonly requestRate: number;
  /** Window the rate and ratio were computed over (ms); absent: the interval since the previous observation. */
  readonly windowMs?: number;
}

export interface CountEvidence {
  /** −log10 P(at least this many errors | the learned share); 0 when the rise is unconfirmed or too small. */
  readonly rarity: number;
  /** The window's rarity without the confirmation (whether the last cycles together still show a rise). */
  readonly windowRarity: number;
  /** Effective errors observed and expected over the window that gave the evidence, and its length in cycles (the long window's effective length). */
  readonly observed: number;
  readonly expected: number;
  readonly cycles: number;
  /** The learned (expected) share. */
  readonly share: number;
  /** Errors the learned share expects in one rate window of this cycle (how many errors one ratio stands for). */
  readonly windowExpected: number;
}

/** Jeffreys' prior: half an error. */
const PRIOR_ERRORS = 0.5;
/** Pearson residuals are clipped here when tracking the dispersion (one outage must not widen it for hours). */
const MAX_SQUARED_RESIDUAL = 16;
/** A cycle enters the long window with at most its expectation plus this many standard deviations (plus one error). */
const LONG_CAP_SD = 3;

export function initialCountState(): CountState {
  return { e: 0, q: 0, d: 1, n: 0, ts: 0, w: [] };
}

/** The same state with an empty long window (a released fault's errors no longer count). */
export function restartLongWindow(state: CountState | undefined): CountState | undefined {
  return state && { ...state, le: 0, lq: 0 };
}

function tail(errors: number, expected: number, width: number): number {
  return poissonTailLog10(errors / width, expected / width);
}

/**
 * Adds one observation. `learn: false` judges against a frozen state (a held fault): the window runs on,
 * the learned share and dispersion do not change. Evidence is null while warming up.
 */
export function countStep(
  state: CountState,
  observation: CountObservation,
  options: CountOptions = defaultCountOptions,
  learn = true,
): { readonly state: CountState; readonly evidence: CountEvidence | null } {
  const { timestampMs, ratio, requestRate } = observation;
  if (![timestampMs, ratio, requestRate].every(Number.isFinite) || ratio < 0 || requestRate < 0) return { state, evidence: null };
  const interval = state.ts > 0 ? timestampMs - state.ts : (observation.windowMs ?? 60_000);
  if (interval <= 0) return { state, evidence: null };
  const windowMs = observation.windowMs ?? interval;
  const windowRequests = (requestRate * windowMs) / 1000;
  const windowErrors = ratio * windowRequests;
  const fresh = Math.min(1, interval / windowMs);
  const requests = windowRequests * fresh;
  const errors = windowErrors * fresh;
  const gap = interval > options.maxGapMs;
  const recent = gap ? [] : state.w;
  const w = [...recent, errors, requests].slice(-2 * options.cycles);

  const ready = state.n >= options.warmup && state.q > 0;
  const share = ready ? (state.e + PRIOR_ERRORS) / state.q : 0;
  const dispersion = Math.max(1, state.d);
  // The gamma–Poisson variance factor of `expected` errors predicted from `state.e` learned ones.
  const width = (expected: number): number => dispersion * (1 + expected / (state.e + PRIOR_ERRORS));
  let evidence: CountEvidence | null = null;
  if (ready) {
    let observed = 0;
    let sumRequests = 0;
    for (let i = 0; i < w.length; i += 2) {
      observed += w[i]!;
      sumRequests += w[i + 1]!;
    }
    const expected = share * sumRequests;
    const cycles = w.length / 2;
    let lasted = cycles >= options.confirm;
    for (let i = w.length - 2 * options.confirm; lasted && i < w.length; i += 2) lasted = w[i]! > share * w[i + 1]!;
    const large = observed - expected >= options.minExcess * sumRequests && observed > expected;
    const windowRarity = large ? tail(observed, expected, width(expected)) : 0;
    evidence = { rarity: lasted ? windowRarity : 0, windowRarity, observed, expected, cycles, share, windowExpected: share * windowRequests };
  }

  // The long window: each cycle capped, so only a rise that lasts can fill it.
  const decay = options.longMs > 0 && !gap ? Math.exp(-interval / options.longMs) : 0;
  const cycleExpected = share * requests;
  const capped = ready ? Math.min(errors, cycleExpected + LONG_CAP_SD * Math.sqrt(cycleExpected * dispersion) + 1) : errors;
  const le = (state.le ?? 0) * decay + capped;
  const lq = (state.lq ?? 0) * decay + requests;
  let longRarity = 0;
  if (evidence && options.longMs > 0) {
    const expected = share * lq;
    const scale = 1 + decay;
    const large = le - expected >= options.minExcess * lq && le > expected;
    longRarity = large ? tail(le * scale, expected * scale, width(expected)) : 0;
    if (longRarity > evidence.rarity) evidence = { ...evidence, rarity: longRarity, observed: le, expected, cycles: Math.round(1 / (1 - decay)) };
  }
  const long = options.longMs > 0 ? { le, lq } : {};
  if (!learn) return { state: { ...state, ts: timestampMs, w, ...long }, evidence };

  const keep = Math.exp(-interval / options.memoryMs);
  // This cycle's own rarity, or the long window's, sets how much it is learned from: a rise that lasts is
  // not learned as the normal share (or as burstiness) at full speed.
  const rarityNow = Math.max(longRarity, ready && errors > share * requests ? tail(errors, share * requests, width(share * requests)) : 0);
  const weight = rarityNow <= options.learnClip ? 1 : (options.learnClip / rarityNow) ** 2;
  let d = state.d;
  if (ready && share > 0) {
    // Residual of the whole window's counts (not the effective ones, whose variance is smaller by design).
    const windowExpected = share * windowRequests;
    const residual = Math.min(MAX_SQUARED_RESIDUAL, (windowErrors - windowExpected) ** 2 / windowExpected);
    d += (1 - keep) * weight * (residual - d);
  }
  return {
    state: { e: state.e * keep + weight * errors, q: state.q * keep + weight * requests, d, n: state.n + 1, ts: timestampMs, w, ...long },
    evidence,
  };
}
