/**
 * The onset score of one signal ("a new incident starts here"): what `vigil health replay` writes, and
 * each signal's `onset` in entity health. Pure. Two detectors of different kinds, each brought to the
 * same meaning of "alarm", then one onset rule:
 *
 * 1. Prediction error, judged by its likelihood (anomaly-likelihood.ts, Numenta's method with its
 *    published defaults): the raw score is the observation's deviation from the scorer's best baseline in
 *    the bad direction, |z| / `fullDeviations` capped at 1 (that many robust deviations = as anomalous as it gets); the
 *    output is −log10 of the tail probability of its recent mean over 10, so 0.5 is a 1-in-100 000 event.
 * 2. Contextual novelty (contextual-detector.ts, after CAD OSE): a raw score of CAD's base threshold 0.75
 *    or more is CAD's alarm; it is placed at the likelihood's "red" level, 0.5 + (raw − 0.75), so both
 *    detectors' alarms mean the same on the 0..1 scale. Only values on the bad side of the baseline count.
 * 3. Onset rule (CAD's rest period): the onset is the larger of the two; once it reached 0.5 (an alarm),
 *    the next `restPoints` observations are quiet (0), so one incident is one alarm.
 *
 * Two settings, `restPoints` and `fullDeviations`, are chosen on scores, inside the training folds of the
 * health-nab bench's nested cross-validation (the scorer's defaults are that choice); the constants below
 * are the published values they start from. Everything else is a published default of its method or a
 * fixed meaning (the red level). The replay's alarm threshold is chosen by the caller the same way.
 */
import { initialLikelihoodState, likelihoodStep, type LikelihoodState } from './anomaly-likelihood.js';
import { contextualStep, initialContextualState, type ContextualState } from './contextual-detector.js';

/** CAD's base threshold: a raw contextual score at or above it is an alarm. */
export const CONTEXT_ALARM = 0.75;
/** The likelihood's "red" level on its log scale (tail probability 1e-5), where an alarm starts. */
export const ALARM_LEVEL = 0.5;
/**
 * Observations kept quiet after an alarm: CAD OSE's rest period, one fifth of NAB's probationary period,
 * which is 150 observations for any series of 5000 or more (the scorer's default, chosen in the folds, is 50).
 */
export const REST_POINTS = 150;
/** Robust deviations that make the prediction-error raw score 1 (a unit scale; the scorer's default is 20). */
export const FULL_DEVIATIONS = 10;

/** Settings of the onset that a caller may change (the health-nab bench chooses them inside its training folds). */
export interface OnsetSettings {
  readonly restPoints: number;
  readonly fullDeviations: number;
}

export const defaultOnsetSettings: Readonly<OnsetSettings> = Object.freeze({ restPoints: REST_POINTS, fullDeviations: FULL_DEVIATIONS });

/** Cap of the observations-since-alarm counter (longer than any rest period). */
const SINCE_CAP = 100_000;

export interface OnsetState {
  readonly cad: ContextualState;
  readonly lik: LikelihoodState;
  /** Observations since the last alarm (the rest period or more: not resting), capped. */
  readonly rest: number;
}

export function initialOnsetState(): OnsetState {
  return { cad: initialContextualState(), lik: initialLikelihoodState(), rest: SINCE_CAP };
}

export interface OnsetObservation {
  readonly value: number;
  /** The deviation from the best baseline in the bad direction (robust deviations, ≥ 0). */
  readonly badDeviation: number;
  /** Whether the value lies on the bad side of the baseline. */
  readonly badSide: boolean;
}

export interface OnsetStep {
  readonly state: OnsetState;
  /** 0..1; ≥ ALARM_LEVEL is an alarm; 0 while resting after one. */
  readonly alarm: number;
  /** Whether an incident is open (within the rest period after an alarm). */
  readonly resting: boolean;
}

export function onsetStep(state: OnsetState | undefined, observation: OnsetObservation, settings: OnsetSettings = defaultOnsetSettings): OnsetStep {
  const prior = state ?? initialOnsetState();
  const contextual = contextualStep(prior.cad, observation.value);
  const likelihood = likelihoodStep(prior.lik, Math.min(1, observation.badDeviation / settings.fullDeviations));
  const contextScore = observation.badSide && contextual.raw >= CONTEXT_ALARM ? ALARM_LEVEL + (contextual.raw - CONTEXT_ALARM) : 0;
  const combined = Math.max(likelihood.score, contextScore);
  const resting = prior.rest < settings.restPoints;
  const alarm = resting ? 0 : combined;
  const rest = combined >= ALARM_LEVEL ? 0 : Math.min(SINCE_CAP, prior.rest + 1);
  return { state: { cad: contextual.state, lik: likelihood.state, rest }, alarm, resting: rest < settings.restPoints };
}
