/**
 * The onset score of one signal ("a new incident starts here"): what `vigil health replay` writes, and
 * each signal's `onset` in entity health. Pure.
 *
 * It is CAD OSE's alarm (contextual-detector.ts): 1 where the step from the previous value level to this
 * one was never seen and none was within the rest period before it, else 0; only on the bad side of the
 * baseline. One setting: the rest period, chosen inside the training folds of the health-nab bench's nested
 * cross-validation (the default is that choice). The value levels follow the range seen so far (see
 * contextual-detector.ts), so there is no range to learn first and no margin to set.
 */
import { contextualStep, initialContextualState, type ContextualSettings, type ContextualState } from './contextual-detector.js';

/** An onset at or above this is an alarm (the onset is 0 or 1). */
export const ALARM_LEVEL = 1;
/**
 * Observations after a raw alarm during which none is reported (CAD OSE's rest period; NAB gives CAD a fifth
 * of its probationary period, 46 to 150 observations). Chosen in the folds from 50, 100, 150: every fold chose 50.
 */
export const REST_POINTS = 50;

export type OnsetSettings = ContextualSettings;

export const defaultOnsetSettings: Readonly<OnsetSettings> = Object.freeze({ restPeriod: REST_POINTS });

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
  return state !== undefined && state.since < settings.restPeriod;
}

export function onsetStep(state: OnsetState | undefined, observation: OnsetObservation, settings: OnsetSettings = defaultOnsetSettings): OnsetStep {
  const stepped = contextualStep(state ?? initialOnsetState(), observation.value, settings);
  return { state: stepped.state, alarm: stepped.alarm && observation.badSide ? 1 : 0, resting: stepped.resting };
}
