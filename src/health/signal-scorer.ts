/**
 * The streaming anomaly scorer for one signal of one entity: `step(state, timestamp, value, options)`
 * returns the next state and the score of this observation. Pure: no clock, no I/O, and the state is small
 * plain JSON (it lives in Redis between cycles).
 *
 * Method, per observation:
 * 1. Two learned baselines predict the value: a *recent* one (robust exponentially weighted median/MAD) and
 *    a *seasonal* one (robust level/scale per hour of day times a day-of-week factor, see
 *    seasonal-baseline.ts). The one with the smaller tracked prediction error for this entity is used, and
 *    the value's robust deviation from it (a z-like number) is the evidence.
 * 2. Two features at two time scales: the instant deviation and a sustained one (an exponentially
 *    weighted mean of signed deviations), each reduced to the bad direction (`up`, `down`, `both`).
 * 3. Calibration (feature-calibration.ts): each feature is compared with the entity's own history of it
 *    (tracked high quantiles), giving a rarity r = −log10 of the tail probability; anomaly = r / (r + half).
 *    Normal data spreads over the low range instead of bunching at 0 or 1, the map never saturates, and
 *    the same threshold means the same rarity on every series.
 * 4. Learning: baselines learn from each point with a weight that falls with the square of its deviation
 *    beyond the clip, and the calibration learns slower during an incident, so an outage is not learned as
 *    normal at full speed while a genuine level shift is absorbed eventually. (The entity layer also holds
 *    a fault against the pre-fault state, see entity-health.ts.)
 * 5. Onset (onset.ts): `alarm` is where an incident starts: CAD OSE's alarm (a step between value levels
 *    never seen before, on levels that follow the range seen so far) when Fisher's combination of its
 *    frequency and the rarity above is small enough, or the anomaly likelihood of the recent anomaly
 *    scores (after Numenta), with CAD's rest period, so a replay pages once per incident. Its only effect on
 *    `anomaly` and `rarity` (what health uses) is step 4's slower calibration while an incident is open.
 */
import { median, medianAbsoluteDeviation } from 'simple-statistics';
import { GAUSSIAN_HIGH, GAUSSIAN_LOW, rarityLog10, trackQuantiles, type FeatureQuantiles } from './feature-calibration.js';
import { LIKELIHOOD_LEVEL, NOVEL_P, onsetStep, PERSISTENCE_POINTS, REST_MAX, REST_SHARE, type OnsetSettings, type OnsetState } from './onset.js';
import { robustUpdate } from './robust-baseline.js';
import { HOUR_MS, initialSeasonal, seasonalExpectation, seasonalLearn } from './seasonal-baseline.js';

export type BadDirection = 'up' | 'down' | 'both';

export interface ScorerOptions {
  /** Which way of deviating is bad: `up` (errors, latency, saturation), `down`, or `both` (traffic). */
  readonly direction: BadDirection;
  /** Observations needed before any score is given ("unknown" until then). */
  readonly warmup: number;
  /** Learning rate of the recent baseline per observation. */
  readonly recentRate: number;
  /** Memory of an hour-of-day bucket, in days. */
  readonly seasonalMemoryDays: number;
  /** Memory of a day-of-week factor, in occurrences of that weekday. */
  readonly weeklyMemoryWeeks: number;
  /** Samples a seasonal bucket needs before it is trusted. */
  readonly seasonalMinSamples: number;
  /** Residuals beyond this many robust deviations are clipped and the point down-weighted. */
  readonly clip: number;
  /** Learning rate of the baselines' tracked prediction errors (choosing the better baseline). */
  readonly errorRate: number;
  /** Learning rate of the sustained (slow) deviation feature. */
  readonly sustainedRate: number;
  /** Learning rate of the calibration of features (their tracked quantiles). */
  readonly calibrationRate: number;
  /** Factor on the calibration's learning rate during an incident (0 = never learn an outage there). */
  readonly incidentLearning: number;
  /** Smallest robust deviation in the signal's own unit (e.g. 0.001 for an error ratio). */
  readonly minScale: number;
  /** Smallest robust deviation relative to the typical magnitude of the signal. */
  readonly relativeMinScale: number;
  /** Rarity (−log10 tail probability) that maps to anomaly score 0.5; anomaly = r / (r + half) never saturates. */
  readonly halfScoreLog10: number;
  /**
   * Onset (onset.ts, CAD OSE's alarm): observations kept quiet after a raw alarm (CAD's published rest
   * period; chosen inside the training folds of the health-nab bench).
   */
  readonly onsetPersistencePoints: number;
  /**
   * Onset (onset.ts): −log10 of the tail probability at which the anomaly likelihood alarms (Numenta's 10⁻⁵).
   */
  readonly onsetLikelihoodLevel: number;
  /** Onset: combined (Fisher) probability of a novel step's frequency and its deviation at which it alarms (chosen inside the training folds). */
  readonly onsetNovelP: number;
  /** The value range given up front, as NAB's protocol gives every detector (the health-nab bench only; never live). */
  readonly valueRange?: readonly [number, number];
}

export const defaultScorerOptions: Readonly<ScorerOptions> = Object.freeze({
  direction: 'both',
  warmup: 30,
  recentRate: 0.05,
  seasonalMemoryDays: 3,
  weeklyMemoryWeeks: 2,
  seasonalMinSamples: 6,
  clip: 3,
  errorRate: 0.01,
  sustainedRate: 0.15,
  calibrationRate: 0.02,
  incidentLearning: 0.3,
  minScale: 0,
  relativeMinScale: 0.001,
  halfScoreLog10: 5,
  onsetPersistencePoints: PERSISTENCE_POINTS,
  onsetLikelihoodLevel: LIKELIHOOD_LEVEL,
  onsetNovelP: NOVEL_P,
});

/** Compact per-signal state (about 1 KB as JSON; numbers are rounded by `encodeState`). */
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
  /** Seasonal baseline: 24 hours × [level, scale, samples] and 7 weekdays × [factor, samples]. */
  readonly tod: readonly number[];
  readonly dow: readonly number[];
  /** Latest timestamp seen (ms) and the typical interval between observations (ms). */
  readonly ts: number;
  readonly dt: number;
  /** Sustained signed deviation (exponentially weighted). */
  readonly sus: number;
  /** Tracked absolute prediction errors of the recent and the seasonal baseline (picks the better). */
  readonly err: readonly number[];
  /** Calibration: tracked 90th and 99th percentiles of the instant and of the (normalised) sustained feature. */
  readonly cal: readonly number[];
  /** Onset detectors (contextual novelty, likelihood of the prediction error) and the rest period, see onset.ts. */
  readonly on?: OnsetState;
  /** Observations since the anomaly score last reached 0.5 (capped): an incident is open below INCIDENT_MEMORY. */
  readonly inc?: number;
}

export type BaselineName = 'recent' | 'seasonal';

export interface ScoreReason {
  /** The baseline the value was judged against (the one that explains it best). */
  readonly baseline: BaselineName;
  /** Expected value under that baseline. */
  readonly expected: number;
  /** Signed robust deviations from it (positive = above); for a sustained shift, their recent mean. */
  readonly deviations: number;
  readonly direction: 'above' | 'below';
  /** Which time scale drove the score: a single observation or a sustained shift. */
  readonly timescale: 'instant' | 'sustained';
}

export type StepScore =
  | { readonly status: 'unknown'; readonly anomaly: null; readonly rarity: null; readonly alarm: 0; readonly reason: null }
  | {
      readonly status: 'scored';
      /** 0..1, 1 = most anomalous (health = 1 − anomaly). */
      readonly anomaly: number;
      /** −log10 of the estimated probability of a deviation at least this large (what `anomaly` maps). */
      readonly rarity: number;
      /** The onset score (onset.ts): 0.5 or more where an incident starts, 0 for a rest period after it. */
      readonly alarm: number;
      readonly reason: ScoreReason;
    };

export interface StepResult {
  readonly state: SignalState;
  readonly score: StepScore;
}


/**
 * Observations an incident stays open after the last anomaly score of 0.5 or more (for the calibration's
 * slower learning): the onset's former rest period, 50.
 */
export const INCIDENT_MEMORY = 50;

const UNKNOWN: StepScore = Object.freeze({ status: 'unknown', anomaly: null, rarity: null, alarm: 0, reason: null });

export function initialState(): SignalState {
  return {
    v: 1,
    n: 0,
    warm: [],
    lvl: 0,
    sc: 0,
    mag: 0,
    spr: 0,
    ...initialSeasonal(),
    ts: 0,
    dt: 0,
    sus: 0,
    err: [0, 0],
    cal: [],
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
  const [errRecent = 0, errSeasonal = 0] = state.err;
  const seasonal = seasonalExpectation(state, hour, day, options.seasonalMinSamples, floor);
  const seasonalExpected = seasonal.expected;
  const seasonalTrusted = seasonal.trusted;
  if (seasonalTrusted && errSeasonal < errRecent) {
    baseline = 'seasonal';
    expected = seasonalExpected;
    z = (value - seasonalExpected) / seasonal.scale;
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
  const qInstant: FeatureQuantiles = [state.cal[0] ?? GAUSSIAN_LOW, state.cal[1] ?? GAUSSIAN_HIGH];
  const qSustained: FeatureQuantiles = [state.cal[2] ?? GAUSSIAN_LOW, state.cal[3] ?? GAUSSIAN_HIGH];
  const tailInstant = rarityLog10(instant, qInstant);
  const tailSustained = rarityLog10(sustained / sustainedSd, qSustained);
  const timescale = tailSustained > tailInstant ? 'sustained' : 'instant';
  const rarity = Math.max(0, tailInstant, tailSustained);
  const anomaly = rarity / (rarity + options.halfScoreLog10);

  // 4. Learning, down-weighted for outliers.
  const weight = learningWeight(absZ, options.clip);
  const r = robustUpdate(state.lvl, recentScale, value, options.recentRate * weight, options.clip);
  const gap = state.ts > 0 ? timestampMs - state.ts : 0;
  const dt = gap <= 0 ? state.dt || 60_000 : state.dt === 0 ? Math.min(gap, HOUR_MS) : state.dt + 0.05 * (Math.min(Math.max(gap, 1000), HOUR_MS) - state.dt);
  const { tod, dow } = seasonalLearn(state, {
    hour,
    day,
    value,
    intervalMs: dt,
    weight,
    clip: options.clip,
    floor,
    initialScale: recentScale,
    memoryDays: options.seasonalMemoryDays,
    memoryWeeks: options.weeklyMemoryWeeks,
    minSamples: options.seasonalMinSamples,
  });
  // Which baseline predicts this entity better: exponentially weighted absolute errors of both, clipped.
  const errLimit = options.clip * recentScale;
  const err = [
    errRecent + options.errorRate * (Math.min(Math.abs(value - state.lvl), errLimit) - errRecent),
    seasonalTrusted ? errSeasonal + options.errorRate * (Math.min(Math.abs(value - seasonalExpected), errLimit) - errSeasonal) : errRecent,
  ];
  // The calibration learns slower during an ongoing incident (within INCIDENT_MEMORY observations of an anomaly
  // score of 0.5 or more), so an outage does not quickly become "normal" by widening the calibration.
  const onsetSettings: OnsetSettings = {
    restShare: REST_SHARE,
    restMax: REST_MAX,
    persistence: options.onsetPersistencePoints,
    likelihoodLevel: options.onsetLikelihoodLevel,
    novelP: options.onsetNovelP,
    ...(options.valueRange ? { valueRange: options.valueRange } : {}),
  };
  const incidentOpen = (state.inc ?? INCIDENT_MEMORY) < INCIDENT_MEMORY;
  const calRate = options.calibrationRate * (incidentOpen ? options.incidentLearning : 1);
  const cal = [...trackQuantiles(qInstant, instant, calRate), ...trackQuantiles(qSustained, sustained / sustainedSd, calRate)];
  const mag = state.mag + options.recentRate * weight * (Math.abs(value) - state.mag);
  // The floor's spread learns slowly from outliers too (clipped, √weight), so an outage cannot raise the
  // floor and thereby shrink its own deviation.
  const sprInput = Math.min(Math.abs(value - state.lvl), options.clip * Math.max(state.spr, recentScale));
  const spr = state.spr + options.errorRate * Math.sqrt(weight) * (sprInput - state.spr);

  // 5. Onset (onset.ts): 1 on the first point of an incident (CAD's novel step with a rare enough deviation,
  // or the likelihood of the recent anomaly scores), 0 for a rest period after it.
  const badSide = options.direction === 'both' || (options.direction === 'up' ? value >= expected : value <= expected);
  const onset = onsetStep(state.on, { value, badSide, anomaly, rarity }, onsetSettings);

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
    ts: Math.max(state.ts, timestampMs),
    dt,
    sus,
    err,
    cal,
    on: onset.state,
    inc: anomaly >= 0.5 ? 0 : Math.min(INCIDENT_MEMORY, (state.inc ?? INCIDENT_MEMORY) + 1),
  };
  // The reason reports the deviation that drove the score: this point's, or the sustained mean.
  const shown = timescale === 'sustained' ? sus : z;
  const reason: ScoreReason = { baseline, expected, deviations: shown, direction: shown >= 0 ? 'above' : 'below', timescale };
  return { state: next, score: { status: 'scored', anomaly, rarity, alarm: onset.alarm, reason } };
}
