/**
 * Contextual novelty, CAD OSE's alarm in 576 bits (Smirnov's Contextual Anomaly Detector, open-source
 * edition, NAB's `contextOSE`; written here from its description, no code borrowed). Pure.
 *
 * CAD bins each value into 8 levels of the value range and learns contexts: what followed what. Its raw
 * score reaches its base threshold 0.75 when the step from the previous level to this one was never seen
 * (then no prediction came true and the context is new); a step seen before scores below it. Only that
 * alarm is used here, so only the set of level transitions seen is kept (a bit each). Measured on the 42
 * NAB development files with each file's range given (NAB's protocol), this alarm with CAD's rest period
 * scores 65.5 (standard, best threshold) where a faithful CAD OSE with all its contexts and active
 * neurons scores 66.2 while keeping 1,800–3,500 contexts per file, which no Redis budget per entity holds
 * (test/bench/cad-ose-reference.ts; capped to 64 contexts it falls to 45).
 *
 * The value range: NAB hands CAD the file's minimum and maximum. A live signal has no such thing, so the
 * range is learned: the running minimum and maximum of the first `rangeLearning` observations (no alarm
 * meanwhile), widened by `margin` of itself on each side. Values beyond it fall in extra levels, up to
 * EXTRA_LEVELS on each side, steps into which are new by construction: what they should be.
 *
 * Rest period (CAD's): an alarm is reported only if no raw alarm happened in the previous `restPeriod`
 * observations, counting from the start of scoring, so one incident is one alarm.
 */

/** CAD's 3 value bits: 8 levels across the range. */
export const LEVELS = 8;
/** Levels kept beyond each end of the learned range (further values share the outermost). */
export const EXTRA_LEVELS = 8;
const SPAN = LEVELS + 2 * EXTRA_LEVELS;
const WORDS = Math.ceil((SPAN * SPAN) / 32);

export interface ContextualSettings {
  /** Observations the value range is learned over before any alarm. */
  readonly rangeLearning: number;
  /** Share of the learned range added on each side. */
  readonly margin: number;
  /** Observations after a raw alarm during which no alarm is reported (CAD's rest period). */
  readonly restPeriod: number;
  /** The value range given up front (NAB's protocol; never in the live path). */
  readonly valueRange?: readonly [number, number];
}

export interface ContextualState {
  /** Observations seen (capped once the range is learned). */
  readonly n: number;
  /** The range: running min and max while learning, then the widened range. */
  readonly lo: number;
  readonly hi: number;
  /** Whether the range is settled (learned or given). */
  readonly ready: boolean;
  /** Level of the previous observation (index into the SPAN levels), -1 before the first. */
  readonly prev: number;
  /** Transitions seen, one bit per (previous level, level), in 32-bit words. */
  readonly seen: readonly number[];
  /** Observations since the last raw alarm (the start of scoring counts as one). */
  readonly since: number;
}

export function initialContextualState(): ContextualState {
  return { n: 0, lo: 0, hi: 0, ready: false, prev: -1, seen: [], since: 0 };
}

/** Level of a value: 0..LEVELS-1 inside the range (its top value is the top level), extra levels beyond. */
export function levelOf(value: number, lo: number, hi: number): number {
  const width = hi - lo;
  const inside = width > 0 ? Math.floor(((value - lo) / width) * (LEVELS - 1)) : value > hi ? LEVELS : value < lo ? -1 : 0;
  return Math.max(0, Math.min(SPAN - 1, inside + EXTRA_LEVELS));
}

export interface ContextualStep {
  readonly state: ContextualState;
  /** Whether this step from the previous level was never seen (CAD's raw score at its base threshold). */
  readonly novel: boolean;
  /** The reported alarm: novel, and no raw alarm within the rest period before it. */
  readonly alarm: boolean;
  /** Whether a raw alarm happened within the rest period (up to and including this observation). */
  readonly resting: boolean;
}

export function contextualStep(state: ContextualState, value: number, settings: ContextualSettings): ContextualStep {
  if (!state.ready) {
    if (settings.valueRange) {
      return contextualStep({ ...state, lo: settings.valueRange[0], hi: settings.valueRange[1], ready: true }, value, settings);
    }
    const n = state.n + 1;
    const lo = state.n === 0 ? value : Math.min(state.lo, value);
    const hi = state.n === 0 ? value : Math.max(state.hi, value);
    if (n < settings.rangeLearning) return { state: { ...state, n, lo, hi }, novel: false, alarm: false, resting: false };
    const pad = settings.margin * (hi - lo);
    return { state: { ...state, n, lo: lo - pad, hi: hi + pad, ready: true }, novel: false, alarm: false, resting: false };
  }
  const level = levelOf(value, state.lo, state.hi);
  let seen = state.seen;
  let novel = false;
  if (state.prev >= 0) {
    const bit = state.prev * SPAN + level;
    const word = bit >> 5;
    const mask = 1 << (bit & 31);
    if (((seen[word] ?? 0) & mask) === 0) {
      novel = true;
      const copy = seen.length === WORDS ? seen.slice() : Array.from({ length: WORDS }, (_, i) => seen[i] ?? 0);
      copy[word] = (copy[word]! | mask) >>> 0;
      seen = copy;
    }
  }
  const alarm = novel && state.since >= settings.restPeriod;
  const since = novel ? 0 : Math.min(state.since + 1, 1_000_000);
  return { state: { ...state, prev: level, seen, since }, novel, alarm, resting: since < settings.restPeriod };
}
