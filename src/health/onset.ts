/**
 * The onset score of one signal ("a new incident starts here"): what `vigil health replay` writes, and
 * each signal's `onset` in entity health. Pure.
 *
 * Detectors of different kinds, each judging the observation by a tail probability, combined by OR, then
 * one rest period:
 *
 * 1. **Contextual novelty**, CAD OSE's alarm (contextual-detector.ts): a step between value levels never
 *    taken before, on levels that follow the range seen so far (a dyadic grid that doubles as the range
 *    grows, so there is no range to learn first and no margin), that persists (another never-seen step
 *    within `persistence` observations before it). Its tail probability is how often never-seen steps
 *    came so far (novel steps / steps, Laplace-smoothed): a series that keeps taking new steps (bursty
 *    counts, a grid still settling) makes each one less telling. It is combined with the tail
 *    probability of the observation's deviation (the scorer's rarity) by Fisher's method, and the novel
 *    step is an alarm when the combined p is at most `novelP`.
 * 2. **Anomaly likelihood** (likelihood.ts, after Numenta): the tail probability of the recent mean of the
 *    scorer's anomaly score against its long-run Gaussian; an alarm when p ≤ 10^−`likelihoodLevel` (the
 *    paper's 10⁻⁵). It finds sustained changes that take no new level step (a seasonal pattern broken
 *    inside the usual range), where CAD stays quiet.
 *
 * Rest period (CAD's, as NAB configures it: 3 % of the observations seen so far, at most 150; see
 * contextual-detector.ts): the onset is 1 on a raw alarm of either detector unless another raw alarm
 * happened within the rest period before it (the first observation counts as one, and the start gets the
 * longest rest period, while the grid settles), else 0: one incident, one alarm. Only on the bad side of
 * the baseline.
 *
 * Settings chosen on scores, inside the training folds of the health-nab bench's nested cross-validation
 * (the defaults are that choice): the persistence and the novel step's combined probability. Fixed by
 * meaning: the rest period's published share and cap, the likelihood's published level and windows. (The
 * scorer's rarity alone while CAD learns a range, which a learned range needed, is gone with the grid:
 * offered to the folds, no fold chose it.)
 */
import { contextualStep, initialContextualState, restPeriod, type ContextualSettings, type ContextualState } from './contextual-detector.js';
import { initialLikelihoodState, likelihoodStep, type LikelihoodState } from './likelihood.js';

/** An onset at or above this is an alarm (the onset is 0 or 1). */
export const ALARM_LEVEL = 1;
/**
 * CAD OSE's rest period as NAB configures it (a fifth of its probationary period of 15 % of the file, at most
 * 750 rows): 3 % of the observations seen so far, at most 150. Published values, not chosen on scores.
 */
export const REST_SHARE = 0.03;
export const REST_MAX = 150;
/**
 * Observations within which a second never-seen step confirms a first (the novelty persists). Chosen in the
 * folds from 1, 3, 10.
 */
export const PERSISTENCE_POINTS = 3;
/** −log10 of the likelihood's alarm probability: Numenta's published 10⁻⁵. */
export const LIKELIHOOD_LEVEL = 5;
/**
 * Combined (Fisher) probability of a novel step's frequency and its deviation at which the step is an alarm.
 * Chosen in the folds from 0.01 and 0.001.
 */
export const NOVEL_P = 0.01;

export interface OnsetSettings extends ContextualSettings {
  readonly likelihoodLevel: number;
  readonly novelP: number;
}

export const defaultOnsetSettings: Readonly<OnsetSettings> = Object.freeze({
  restShare: REST_SHARE,
  restMax: REST_MAX,
  persistence: PERSISTENCE_POINTS,
  likelihoodLevel: LIKELIHOOD_LEVEL,
  novelP: NOVEL_P,
});

/**
 * CAD's state, plus the likelihood's, CAD's steps and novel steps so far, and the observations since the
 * last raw alarm of any detector.
 */
export interface OnsetState extends ContextualState {
  readonly lk?: LikelihoodState;
  /** Steps CAD judged and how many of them were novel (capped together, so their ratio stays). */
  readonly st?: number;
  readonly nv?: number;
  /** Observations since the last raw alarm or the first observation (capped); absent: no observation yet. */
  readonly r?: number;
}

/** Cap of the observations-since-alarm counter (longer than any rest period). */
const SINCE_CAP = 1_000_000;
/** Cap of CAD's step count: beyond it both counts are halved (the frequency is kept, old history fades). */
const STEPS_CAP = 100_000;

/**
 * Fisher's combination of two independent tail probabilities, p1 and 10^−log10p2: under the null,
 * −2 ln(p1·p2) is χ² with 4 degrees of freedom, whose tail at that value is q·(1 − ln q), q = p1·p2.
 */
export function fisherCombined(p1: number, log10p2: number): number {
  const lnq = Math.log(p1) - Math.max(0, log10p2) * Math.LN10;
  return Math.exp(lnq) * (1 - lnq);
}

export function initialOnsetState(): OnsetState {
  return initialContextualState();
}

export interface OnsetObservation {
  readonly value: number;
  /** Whether the value lies on the bad side of the baseline. */
  readonly badSide: boolean;
  /** The scorer's anomaly score of this observation (0..1; the likelihood's raw score). */
  readonly anomaly?: number;
  /** The scorer's rarity of this observation (−log10 of its tail probability). */
  readonly rarity?: number;
}

export interface OnsetStep {
  readonly state: OnsetState;
  /** 1 where an incident starts, else 0 (also while resting after one). */
  readonly alarm: number;
  /** Whether an incident is open (within the rest period after a raw alarm). */
  readonly resting: boolean;
}

/** Whether the state is within the rest period after a raw alarm. */
export function onsetResting(state: OnsetState | undefined, settings: OnsetSettings = defaultOnsetSettings): boolean {
  return state?.r !== undefined && state.r < restPeriod(state.n, settings);
}

export function onsetStep(state: OnsetState | undefined, observation: OnsetObservation, settings: OnsetSettings = defaultOnsetSettings): OnsetStep {
  const prior = state ?? initialOnsetState();
  const { lk, st, nv, r } = prior;
  // CAD's part of the state, copied field by field (an object rest of the whole state makes every step
  // several times slower in V8, the replay's hot loop).
  const contextual: ContextualState = { n: prior.n, v0: prior.v0, e: prior.e, lb: prior.lb, hb: prior.hb, prev: prior.prev, seen: prior.seen, since: prior.since, quiet: prior.quiet };
  const stepped = contextualStep(contextual, observation.value, settings);
  const likelihood = likelihoodStep(lk ?? initialLikelihoodState(), observation.anomaly ?? 0);
  const steps = st ?? 0;
  const novelSteps = nv ?? 0;
  const rarity = observation.rarity ?? 0;
  // A novel step's own tail probability: the frequency of novel steps so far (before this one).
  // CAD's novelty must persist (another never-seen step within `persistence` observations before this one).
  const persisted = stepped.novel && stepped.state.n > 1 && contextual.since < settings.persistence;
  const novel = persisted && fisherCombined((novelSteps + 1) / (steps + 2), rarity) <= settings.novelP;
  const raw = novel || likelihood.tailLog10 >= settings.likelihoodLevel;
  // The first observation counts as one observation since an alarm (CAD's rest period from the start).
  const since = r ?? 0;
  const rest = restPeriod(stepped.state.n, settings);
  const alarm = raw && since >= rest && observation.badSide ? 1 : 0;
  const next = raw ? 0 : Math.min(since + 1, SINCE_CAP);
  const judged = steps + 1;
  const counted = novelSteps + (stepped.novel ? 1 : 0);
  const halve = judged > STEPS_CAP;
  const counts = { st: halve ? Math.round(judged / 2) : judged, nv: halve ? Math.round(counted / 2) : counted };
  const c = stepped.state;
  const nextState: OnsetState = { n: c.n, v0: c.v0, e: c.e, lb: c.lb, hb: c.hb, prev: c.prev, seen: c.seen, since: c.since, quiet: c.quiet, lk: likelihood.state, ...counts, r: next };
  return { state: nextState, alarm, resting: next < rest };
}
