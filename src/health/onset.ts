/**
 * The onset score of one signal ("a new incident starts here"): what `vigil health replay` writes, and
 * each signal's `onset` in entity health. Pure.
 *
 * It is CAD OSE's alarm (contextual-detector.ts): 1 where the step from the previous value level to this
 * one was never seen and none was within the rest period before it, else 0; only on the bad side of the
 * baseline. Settings: the rest period and the range margin, both chosen inside the training folds of the
 * health-nab bench's nested cross-validation (the defaults are that choice), and a fixed range-learning
 * period (600 observations: NAB's probationary period for a 4000-point series; 10 hours of minutes live).
 */
import { contextualStep, initialContextualState, type ContextualSettings, type ContextualState } from './contextual-detector.js';

/** An onset at or above this is an alarm (the onset is 0 or 1). */
export const ALARM_LEVEL = 1;
/**
 * Observations after a raw alarm during which none is reported (CAD OSE's rest period; NAB gives CAD a fifth
 * of its probationary period, 46 to 150 observations). Chosen in the folds from 50, 100, 150: every fold chose 100.
 */
export const REST_POINTS = 100;
/** Observations the value range is learned over before any alarm. */
export const RANGE_LEARNING = 600;
/** Share of the learned range added on each side. Chosen in the folds from 0.5, 1, 2: every fold chose 0.5. */
export const RANGE_MARGIN = 0.5;

export type OnsetSettings = ContextualSettings;

export const defaultOnsetSettings: Readonly<OnsetSettings> = Object.freeze({ restPeriod: REST_POINTS, rangeLearning: RANGE_LEARNING, margin: RANGE_MARGIN });

export type OnsetState = ContextualState;

export function initialOnsetState(): OnsetState {
  return initialContextualState();
}

export interface OnsetObservation {
  readonly value: number;
  /** Whether the value lies on the bad side of the baseline. */
  readonly badSide: boolean;
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
  return state !== undefined && state.ready && state.since < settings.restPeriod;
}

export function onsetStep(state: OnsetState | undefined, observation: OnsetObservation, settings: OnsetSettings = defaultOnsetSettings): OnsetStep {
  const stepped = contextualStep(state ?? initialOnsetState(), observation.value, settings);
  return { state: stepped.state, alarm: stepped.alarm && observation.badSide ? 1 : 0, resting: stepped.resting };
}
