/**
 * The streaming anomaly scorer for one signal of one entity: `step(state, timestamp, value, options)`
 * returns the next state and the score of this observation. Pure: no clock, no I/O, and the state is small
 * plain JSON (it lives in Redis between cycles).
 *
 * Method, per observation:
 * 1. Two learned baselines predict the value: a *recent* one (robust exponentially weighted median/MAD) and
 *    a *seasonal* one (robust level/scale per hour of day, plus a day-of-week offset). The observation's
 *    robust deviation against each is a z-like number; the baseline that explains it best is used (a value
 *    is anomalous only when it is unusual for the time of day *and* for the last hours).
 * 2. Two features at two time scales: the instant deviation and a sustained one (an exponentially
 *    weighted mean of signed deviations), each reduced to the bad direction (`up`, `down`, `both`).
 * 3. Calibration: each feature is compared with the entity's own history of that feature (running mean and
 *    variance), giving a tail probability; the anomaly score is −log10 of it, scaled to 0..1. Scores of
 *    normal data spread over the low range instead of bunching at 0 or 1, and the same threshold means the
 *    same rarity on every series.
 * 4. Learning: baselines and calibration learn from each point with a weight that falls with the square
 *    of its deviation beyond the clip, so an outage is not learned as normal at full speed, while a genuine
 *    level shift is absorbed eventually (the scale widens slowly until the new level is inside it).
 * 5. Onset: `alarm` is the anomaly score on the first crossing of `alarmLevel` and damped afterwards until
 *    the signal has been back under `rearmLevel` for a while: one page per incident, not one per point.
 */
import { median, medianAbsoluteDeviation, probit } from 'simple-statistics';
import { normalTailLog10 } from './normal-tail.js';
import { robustUpdate } from './robust-baseline.js';

export type BadDirection = 'up' | 'down' | 'both';

export interface ScorerOptions {
  /** Which way of deviating is bad: `up` (errors, latency, saturation), `down`, or `both` (traffic). */
  readonly direction: BadDirection;
  /** Observations needed before any score is given ("unknown" until then). */
  readonly warmup: number;
  /** Learning rate of the recent baseline per observation. */
  readonly recentRate: number;
  /** Learning rate of a seasonal bucket per observation falling into it (after its first samples). */
  readonly seasonalRate: number;
  /** Samples a seasonal bucket needs before it is trusted. */
  readonly seasonalMinSamples: number;
  /** Residuals beyond this many robust deviations are clipped and the point down-weighted. */
  readonly clip: number;
  /** Learning rate of the baselines' tracked prediction errors (choosing the better baseline). */
  readonly errorRate: number;
  /** Learning rate of the sustained (slow) deviation feature. */
  readonly sustainedRate: number;
  /** Learning rate of the calibration of features (their running mean and variance). */
  readonly calibrationRate: number;
  /** The quantile of each feature that is tracked and compared with its Gaussian value (0.99 … 0.999). */
  readonly calibrationQuantile: number;
  /** Factor on the calibration's learning rate during an incident (0 = never learn an outage there). */
  readonly incidentLearning: number;
  /** Smallest robust deviation in the signal's own unit (e.g. 0.001 for an error ratio). */
  readonly minScale: number;
  /** Smallest robust deviation relative to the typical magnitude of the signal. */
  readonly relativeMinScale: number;
  /** −log10 of the tail probability that maps to anomaly score 0 (normal noise stays near it)... */
  readonly baseLog10: number;
  /** ... and how many decades more map to anomaly score 1. */
  readonly fullScoreLog10: number;
  /** Anomaly score at which an onset alarm fires (and health is "unhealthy" at 1 − alarmLevel). */
  readonly alarmLevel: number;
  /** The alarm re-arms once the anomaly score stayed below this for `rearmPoints` observations. */
  readonly rearmLevel: number;
  readonly rearmPoints: number;
  /** Factor applied to the anomaly score while the alarm is not armed (repeat detections of one incident). */
  readonly repeatDamping: number;
  /** Per-observation decay of the remembered peak of past incidents (novelty of a new one). */
  readonly noveltyDecay: number;
}

export const defaultScorerOptions: Readonly<ScorerOptions> = Object.freeze({
  direction: 'both',
  warmup: 30,
  recentRate: 0.05,
  seasonalRate: 0.05,
  seasonalMinSamples: 6,
  clip: 3,
  errorRate: 0.01,
  sustainedRate: 0.1,
  calibrationRate: 0.02,
  calibrationQuantile: 0.99,
  incidentLearning: 0.3,
  minScale: 0,
  relativeMinScale: 0.001,
  baseLog10: 0,
  fullScoreLog10: 10,
  alarmLevel: 0.5,
  rearmLevel: 0.25,
  rearmPoints: 150,
  repeatDamping: 0.3,
  noveltyDecay: 0.003,
});

/** Compact per-signal state; numbers are rounded when serialised (see `compactState`). */
export interface SignalState {
  readonly v: 1;
  /** Observations learned from. */
  readonly n: number;
  /** Warm-up buffer (emptied once the baselines start). */
  readonly warm: readonly number[];
  /** Recent baseline: level, scale (σ-equivalent), typical magnitude. */
  readonly lvl: number;
  readonly sc: number;
  readonly mag: number;
  /** Mean absolute deviation from the recent level (not robust; only a floor for the scale). */
  readonly spr: number;
  /** Seasonal baseline: 24 hours × [level, scale, samples], flattened. */
  readonly tod: readonly number[];
  /** Day-of-week offsets from the hour-of-day level, Sunday first. */
  readonly dow: readonly number[];
  /** Sustained signed deviation (exponentially weighted). */
  readonly sus: number;
  /** Tracked absolute prediction errors of the recent and the seasonal baseline (picks the better). */
  readonly err: readonly number[];
  /** Calibration: tracked 99th percentiles of the instant and of the (normalised) sustained feature. */
  readonly cal: readonly number[];
  /** Alarm state: 1 armed, 0 not; observations in a row under the re-arm level. */
  readonly armed: 0 | 1;
  readonly quiet: number;
  /** Decaying peak rarity (−log10 tail) of past incidents, and the peak of the current one. */
  readonly peak: number;
  readonly inc: number;
}

export type BaselineName = 'recent' | 'seasonal';

export interface ScoreReason {
  /** The baseline the value was judged against (the one that explains it best). */
  readonly baseline: BaselineName;
  /** Expected value under that baseline. */
  readonly expected: number;
  /** Signed robust deviations from it (positive = above). */
  readonly deviations: number;
  readonly direction: 'above' | 'below';
  /** Which time scale drove the score: a single observation or a sustained shift. */
  readonly timescale: 'instant' | 'sustained';
}

export type StepScore =
  | { readonly status: 'unknown'; readonly anomaly: null; readonly alarm: 0; readonly reason: null }
  | { readonly status: 'scored'; readonly anomaly: number; readonly alarm: number; readonly reason: ScoreReason };

export interface StepResult {
  readonly state: SignalState;
  readonly score: StepScore;
}

const HOURS = 24;

const UNKNOWN: StepScore = Object.freeze({ status: 'unknown', anomaly: null, alarm: 0, reason: null });

export function initialState(): SignalState {
  return {
    v: 1,
    n: 0,
    warm: [],
    lvl: 0,
    sc: 0,
    mag: 0,
    spr: 0,
    tod: new Array<number>(HOURS * 3).fill(0),
    dow: new Array<number>(7).fill(0),
    sus: 0,
    err: [0, 0],
    cal: [],
    armed: 1,
    quiet: 0,
    peak: 0,
    inc: 0,
  };
}

function directional(z: number, direction: BadDirection): number {
  if (direction === 'up') return Math.max(0, z);
  if (direction === 'down') return Math.max(0, -z);
  return Math.abs(z);
}

/** Weight of a point in learning: 1 inside the clip, falling with the square of the excess beyond it. */
function learningWeight(absZ: number, clip: number): number {
  return absZ <= clip ? 1 : (clip / absZ) ** 2;
}

function startBaselines(state: SignalState, warm: readonly number[], options: ScorerOptions): SignalState {
  const level = median(warm as number[]);
  const mag = median(warm.map(Math.abs));
  const scale = Math.max(medianAbsoluteDeviation(warm as number[]) * 1.4826, options.minScale, options.relativeMinScale * mag);
  const spr = warm.reduce((sum, x) => sum + Math.abs(x - level), 0) / warm.length;
  return { ...state, warm: [], lvl: level, sc: Math.max(scale, 0.5 * spr), mag, spr };
}

/** The `level` quantile of |Z| for standard normal noise (the calibration's reference). */
function gaussianAbsQuantile(level: number): number {
  return probit(1 - (1 - level) / 2);
}

/**
 * Multiplicative stochastic tracking of a high quantile of a non-negative feature: up by `rate` when
 * exceeded, down by `rate·(1 − level)/level` otherwise, so it settles where a fraction 1 − level of values
 * exceed it; never below the Gaussian reference.
 */
function trackQuantile(q: number, x: number, rate: number, level: number, reference: number): number {
  const next = x > q ? q * (1 + rate) : q * (1 - (rate * (1 - level)) / level);
  return Math.max(reference, next);
}

/**
 * Scores one observation and learns from it. `timestampMs` is the observation time in epoch
 * milliseconds (UTC; it picks the seasonal bucket), `value` the signal's value; non-finite values are
 * "unknown" and leave the state unchanged.
 */
export function step(state: SignalState, timestampMs: number, value: number, options: ScorerOptions = defaultScorerOptions): StepResult {
  if (!Number.isFinite(value) || !Number.isFinite(timestampMs)) return { state, score: UNKNOWN };
  if (state.n < options.warmup) {
    const warm = [...state.warm, value];
    let next: SignalState = { ...state, n: state.n + 1, warm };
    if (next.n >= options.warmup) next = startBaselines(next, warm, options);
    return { state: next, score: UNKNOWN };
  }

  const date = new Date(timestampMs);
  const hour = date.getUTCHours();
  const day = date.getUTCDay();
  // Scale floor: the signal's unit floor, a fraction of its magnitude, and half its (non-robust) mean
  // absolute deviation, so a mostly-constant or quantised series does not get a zero robust scale.
  const floor = Math.max(options.minScale, options.relativeMinScale * state.mag, 0.5 * state.spr, Number.MIN_VALUE);

  // 1. Deviation against each baseline; keep the one that explains the value best.
  const recentScale = Math.max(state.sc, floor);
  const zRecent = (value - state.lvl) / recentScale;
  let baseline: BaselineName = 'recent';
  let expected = state.lvl;
  let z = zRecent;
  const b = hour * 3;
  const todLevel = state.tod[b] ?? 0;
  const todScale = state.tod[b + 1] ?? 0;
  const todCount = state.tod[b + 2] ?? 0;
  const dowOffset = state.dow[day] ?? 0;
  const [errRecent = 0, errSeasonal = 0] = state.err;
  const seasonalExpected = todLevel + dowOffset;
  const seasonalTrusted = todCount >= options.seasonalMinSamples;
  if (seasonalTrusted && errSeasonal < errRecent) {
    baseline = 'seasonal';
    expected = seasonalExpected;
    z = (value - seasonalExpected) / Math.max(todScale, floor);
  }

  // 2. Features at two time scales, in the bad direction.
  const absZ = Math.abs(z);
  const zCapped = Math.max(-50, Math.min(50, z));
  const sus = state.sus + options.sustainedRate * (zCapped - state.sus);
  const instant = directional(zCapped, options.direction);
  // The sustained feature of unit noise (an EWMA) has standard deviation √(rate / (2 − rate)).
  const sustainedSd = Math.sqrt(options.sustainedRate / (2 - options.sustainedRate));
  const sustained = directional(sus, options.direction);

  // 3. Calibration against the entity's own feature history: each feature is divided by how much wider
  // than Gaussian noise its tracked 99th percentile is, then turned into a tail probability.
  const reference = gaussianAbsQuantile(options.calibrationQuantile);
  const [qInstant = reference, qSustained = reference] = state.cal;
  const instantN = instant / Math.max(1, qInstant / reference);
  const sustainedN = sustained / sustainedSd / Math.max(1, qSustained / reference);
  const tailInstant = normalTailLog10(instantN);
  const tailSustained = normalTailLog10(sustainedN);
  const timescale = tailSustained > tailInstant ? 'sustained' : 'instant';
  const anomaly = Math.min(1, Math.max(0, Math.max(tailInstant, tailSustained) - options.baseLog10) / options.fullScoreLog10);

  // 4. Learning, down-weighted for outliers.
  const weight = learningWeight(absZ, options.clip);
  const r = robustUpdate(state.lvl, recentScale, value, options.recentRate * weight, options.clip);
  const tod = state.tod.slice();
  if (todCount === 0) {
    tod[b] = value;
    tod[b + 1] = recentScale;
  } else {
    const rate = Math.max(1 / (todCount + 1), options.seasonalRate) * weight;
    const s = robustUpdate(todLevel, Math.max(todScale, floor), value, rate, options.clip);
    tod[b] = s.level;
    tod[b + 1] = s.scale;
  }
  tod[b + 2] = todCount + 1;
  const dow = state.dow.slice();
  if (todCount >= options.seasonalMinSamples) {
    const rate = options.seasonalRate * 0.25 * weight;
    const residual = Math.max(-options.clip * todScale, Math.min(options.clip * todScale, value - todLevel - dowOffset));
    dow[day] = dowOffset + rate * residual;
  }
  // Which baseline predicts this entity better: exponentially weighted absolute errors of both, clipped.
  const errLimit = options.clip * recentScale;
  const err = [
    errRecent + options.errorRate * (Math.min(Math.abs(value - state.lvl), errLimit) - errRecent),
    seasonalTrusted ? errSeasonal + options.errorRate * (Math.min(Math.abs(value - seasonalExpected), errLimit) - errSeasonal) : errRecent,
  ];
  // The calibration learns slower during an ongoing incident (the alarm is not armed), so an outage does
  // not quickly become "normal" by widening the calibration.
  const calRate = options.calibrationRate * (state.armed === 0 ? options.incidentLearning : 1);
  const cal = [
    trackQuantile(qInstant, instant, calRate, options.calibrationQuantile, reference),
    trackQuantile(qSustained, sustained / sustainedSd, calRate, options.calibrationQuantile, reference),
  ];
  const mag = state.mag + options.recentRate * weight * (Math.abs(value) - state.mag);
  const spr = state.spr + options.errorRate * (Math.abs(value - state.lvl) - state.spr);

  // 5. Onset alarm with re-arming. A new incident must also be about as rare as the last ones (their
  // decaying peak), so a series with recurring bursts pages for the unusual ones, not for each burst.
  let armed = state.armed;
  let quiet = anomaly < options.rearmLevel ? state.quiet + 1 : 0;
  const tail = Math.max(tailInstant, tailSustained);
  let peak = state.peak * (1 - options.noveltyDecay);
  let incident = state.inc;
  let alarm = anomaly;
  if (armed === 1) {
    if (peak > tail) alarm = anomaly * (tail / peak) ** 2;
    if (alarm >= options.alarmLevel) {
      armed = 0;
      quiet = 0;
      incident = tail;
    }
  } else {
    alarm = anomaly * options.repeatDamping;
    incident = Math.max(incident, tail);
    if (quiet >= options.rearmPoints) {
      armed = 1;
      peak = Math.max(peak, incident);
      incident = 0;
    }
  }

  const next: SignalState = {
    v: 1,
    n: state.n + 1,
    warm: state.warm,
    lvl: r.level,
    sc: Math.max(r.scale, floor),
    mag,
    spr,
    tod,
    dow,
    sus,
    err,
    cal,
    armed,
    quiet,
    peak,
    inc: incident,
  };
  const reason: ScoreReason = { baseline, expected, deviations: z, direction: z >= 0 ? 'above' : 'below', timescale };
  return { state: next, score: { status: 'scored', anomaly, alarm, reason } };
}
