/**
 * The onset score of one signal ("a new incident starts here"): what `vigil health replay` writes, and
 * each signal's `onset` in entity health. Pure.
 *
 * It is CAD OSE's alarm (contextual-detector.ts): 1 where a step from the previous value level to this one
 * was never seen, another was within the persistence before it, and no alarm within the rest period, else
 * 0; only on the bad side of the baseline. One setting is chosen on scores: the persistence, inside the
 * training folds of the health-nab bench's nested cross-validation (the default is that choice). The rest
 * period is CAD's as NAB configures it, and the value levels follow the range seen so far (see
 * contextual-detector.ts), so there is no range to learn first and no margin to set.
 */
import { contextualStep, initialContextualState, restPeriod, type ContextualSettings, type ContextualState } from './contextual-detector.js';

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

export type OnsetSettings = ContextualSettings;

export const defaultOnsetSettings: Readonly<OnsetSettings> = Object.freeze({ restShare: REST_SHARE, restMax: REST_MAX, persistence: PERSISTENCE_POINTS });

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
  return state !== undefined && state.quiet < restPeriod(state.n, settings);
}

export function onsetStep(state: OnsetState | undefined, observation: OnsetObservation, settings: OnsetSettings = defaultOnsetSettings): OnsetStep {
  const stepped = contextualStep(state ?? initialOnsetState(), observation.value, settings);
  return { state: stepped.state, alarm: stepped.alarm && observation.badSide ? 1 : 0, resting: stepped.resting };
}
