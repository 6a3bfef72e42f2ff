/**
 * The onset score of one signal: turns the per-observation anomaly into "a new incident starts here",
 * high once per incident and damped while it lasts. This is what `vigil health replay` writes (NAB scores
 * detections, not states); entity health does not use it. Pure.
 *
 * - Re-arming: after an onset, the alarm is damped until the anomaly stayed below `rearmLevel` for
 *   `rearmPoints` observations (or the incident lasted `maxIncidentPoints`).
 * - Novelty: a new incident must also be about as rare as the recent ones (a decaying peak), so a series
 *   with recurring bursts pages for the unusual ones, not for each burst.
 * - Confirmation: an onset driven by a single observation (the instant feature) needs the observation
 *   before it to have been unusual too (`confirmRarity`); a lone spike is a blip, as one anomalous cycle is
 *   for entity health. A spike large enough to move the sustained feature beyond what the series' own
 *   history makes rare still pages, one observation later.
 * - Contextual novelty (context-novelty.ts): a pair of consecutive quantised values never seen before, at
 *   a coarse and at a fine resolution of the series' own range (new at both: one resolution alone is
 *   sensitive to where the bin edges fall), when a new pair was unlikely (Good–Turing), also raises the
 *   alarm — on the bad side only, and not within `contextGap` observations of the last alarm. It catches
 *   changes of shape that are not large deviations (denser spikes, a quantised series taking new steps).
 */
import { contextStep, type ContextOptions, type ContextState } from './context-novelty.js';
import type { ScorerOptions, SignalState } from './signal-scorer.js';

/** The onset part of a signal's state (see SignalState for the fields). */
export type OnsetState = Pick<SignalState, 'armed' | 'quiet' | 'peak' | 'inc' | 'len' | 'cx' | 'cx2' | 'ago' | 'pt'>;

export interface OnsetObservation {
  readonly value: number;
  /** The recent baseline's level before this observation (which side of it is bad). */
  readonly level: number;
  readonly anomaly: number;
  readonly rarity: number;
  /** −log10 tail probabilities of the instant and the sustained feature. */
  readonly tailInstant: number;
  readonly tailSustained: number;
}

function contextOptions(options: ScorerOptions, bins: number): ContextOptions {
  return { bins, rangeDecay: options.contextRangeDecay, length: options.contextLength };
}

function stepContext(state: ContextState | undefined, value: number, options: ScorerOptions, bins: number): { state: ContextState; rarity: number } | null {
  return bins > 0 ? contextStep(state ?? [], value, contextOptions(options, bins)) : null;
}

export function onsetStep(state: OnsetState, observation: OnsetObservation, options: ScorerOptions): { readonly state: Required<OnsetState>; readonly alarm: number } {
  const { value, anomaly, rarity, tailInstant, tailSustained } = observation;
  const tail = Math.max(tailInstant, tailSustained);
  let armed = state.armed;
  let quiet = anomaly < options.rearmLevel ? state.quiet + 1 : 0;
  let peak = state.peak * (1 - options.noveltyDecay);
  let incident = state.inc;
  let incidentLength = state.armed === 0 ? state.len + 1 : 0;
  let alarm = anomaly;
  if (armed === 1) {
    if (peak > tail) {
      const novel = rarity * (tail / peak) ** options.noveltyPower;
      alarm = novel / (novel + options.halfScoreLog10);
    }
    // A lone spike is not an onset yet: an instant deviation pages once the point before it was unusual too.
    if (tailSustained <= tailInstant && (state.pt ?? 0) < options.confirmRarity) alarm *= options.repeatDamping;
    if (alarm >= options.alarmLevel) {
      armed = 0;
      quiet = 0;
      incident = tail;
    }
  } else {
    alarm = anomaly * options.repeatDamping;
    incident = Math.max(incident, tail);
    if (quiet >= options.rearmPoints || incidentLength >= options.maxIncidentPoints) {
      armed = 1;
      peak = Math.max(peak, incident);
      incident = 0;
      incidentLength = 0;
    }
  }

  // Contextual novelty, at two resolutions: a context counts as new only when it is new at both (the
  // weaker evidence wins). It may alarm inside an open incident too, once `contextGap` has passed.
  const coarse = stepContext(state.cx, value, options, options.contextBins);
  const fine = stepContext(state.cx2, value, options, options.contextFineBins);
  const contextRarity = Math.min(coarse?.rarity ?? 0, fine?.rarity ?? coarse?.rarity ?? 0);
  const ago = (state.ago ?? 0) + 1;
  const badSide = options.direction === 'both' || (options.direction === 'up' ? value >= observation.level : value <= observation.level);
  if (alarm < options.alarmLevel && ago > options.contextGap && badSide && contextRarity >= options.contextMinRarity) {
    // Mapped so that the smallest rarity that counts lands on the alarm level.
    const half = (options.contextMinRarity * (1 - options.alarmLevel)) / options.alarmLevel;
    alarm = contextRarity / (contextRarity + half);
    quiet = 0;
    if (armed === 1) {
      armed = 0;
      incident = tail;
    }
  }
  return {
    state: {
      armed,
      quiet,
      peak,
      inc: incident,
      len: incidentLength,
      cx: coarse?.state ?? [],
      cx2: fine?.state ?? [],
      ago: alarm >= options.alarmLevel ? 0 : ago,
      pt: tail,
    },
    alarm,
  };
}
