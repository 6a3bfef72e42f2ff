/**
 * Contextual anomaly detector, after the description of CAD OSE (Smirnov, "CAD: Contextual Anomaly
 * Detector", NAB's contextOSE): written here from that description, no code borrowed, with bounded memory
 * so it fits the worker's Redis state.
 *
 * - Each value is quantised into 2^3 = 8 levels of the series' own range (CAD's 3 "normalised value bits";
 *   the range is learned causally, the running min and max, where CAD is handed the file's).
 * - A *context* is a left part (the last k levels, k = 1..MAX_CONTEXT_ORDER) and a right part (the
 *   current level). Before
 *   this observation, every left part that was seen before *predicts* the right parts that followed it.
 * - Raw anomaly, as in CAD: (1 − share of the predicting contexts whose prediction came true + share of
 *   this observation's contexts that are new) / 2. A value the series has taken in this context before
 *   scores 0; a value in a level or a sequence never seen scores up to 1.
 * - Memory: one bit per possible context (8² bits for pairs of levels), set once a context is seen.
 */

/** Quantisation bits (CAD's published default: 3, i.e. 8 levels). */
export const CONTEXT_BITS = 3;
/**
 * Longest left part in observations. Longer left parts (CAD keeps up to 7 left semi-contexts) refine the
 * raw score below the base threshold but never decide whether it reaches it: a raw score of 0.75 or more
 * needs the shortest context to be new (then every longer one is new too and none came true, raw = 1);
 * if it was seen, raw ≤ (1 − 1/k + (k−1)/k) / 2 < 0.75. Only the alarm is used, so one level of memory
 * (64 bits) gives the same alarms as three (tried on the development set: identical NAB scores).
 */
export const MAX_CONTEXT_ORDER = 1;

const LEVELS = 1 << CONTEXT_BITS;
/** Bit offsets of each order's table: order k has LEVELS^(k+1) contexts. */
const OFFSETS: readonly number[] = (() => {
  const out: number[] = [];
  let offset = 0;
  for (let k = 1; k <= MAX_CONTEXT_ORDER; k++) {
    out.push(offset);
    offset += LEVELS ** (k + 1);
  }
  out.push(offset);
  return out;
})();
const TABLE_WORDS = Math.ceil(OFFSETS[MAX_CONTEXT_ORDER]! / 32);

export interface ContextualState {
  /** Learned range (running min and max). */
  readonly lo: number;
  readonly hi: number;
  /** The last MAX_CONTEXT_ORDER levels, most recent last. */
  readonly recent: readonly number[];
  /** Seen contexts, one bit each, in 32-bit words (empty before the first context). */
  readonly seen: readonly number[];
}

export function initialContextualState(): ContextualState {
  return { lo: Number.NaN, hi: Number.NaN, recent: [], seen: [] };
}

function level(value: number, lo: number, hi: number): number {
  const width = hi - lo;
  if (!(width > 0)) return 0;
  return Math.min(LEVELS - 1, Math.max(0, Math.floor(((value - lo) / width) * LEVELS)));
}

/** Index of the context (last k levels, then the current one) in its order's table. */
function contextIndex(recent: readonly number[], k: number, current: number): number {
  let index = 0;
  for (let i = recent.length - k; i < recent.length; i++) index = index * LEVELS + recent[i]!;
  return OFFSETS[k - 1]! + index * LEVELS + current;
}

function has(table: readonly number[], bit: number): boolean {
  return ((table[bit >> 5] ?? 0) & (1 << (bit & 31))) !== 0;
}

/** Scores one value (raw anomaly 0..1) and learns its contexts. */
export function contextualStep(state: ContextualState, value: number): { readonly state: ContextualState; readonly raw: number } {
  const lo = Number.isNaN(state.lo) ? value : Math.min(state.lo, value);
  const hi = Number.isNaN(state.hi) ? value : Math.max(state.hi, value);
  const current = level(value, lo, hi);
  let table = state.seen;
  let predicting = 0;
  let confirmed = 0;
  let observed = 0;
  let fresh = 0;
  for (let k = 1; k <= Math.min(MAX_CONTEXT_ORDER, state.recent.length); k++) {
    const base = contextIndex(state.recent, k, 0);
    let leftSeen = false;
    for (let right = 0; right < LEVELS && !leftSeen; right++) leftSeen = has(table, base + right);
    const bit = base + current;
    const seen = has(table, bit);
    if (leftSeen) {
      predicting++;
      if (seen) confirmed++;
    }
    observed++;
    if (!seen) {
      fresh++;
      const copy = table.length === TABLE_WORDS ? table.slice() : new Array<number>(TABLE_WORDS).fill(0);
      copy[bit >> 5] = (copy[bit >> 5]! | (1 << (bit & 31))) >>> 0;
      table = copy;
    }
  }
  const raw = observed === 0 ? 0 : (1 - (predicting > 0 ? confirmed / predicting : 0) + fresh / observed) / 2;
  const recent = [...state.recent, current].slice(-MAX_CONTEXT_ORDER);
  return { state: { lo, hi, recent, seen: table }, raw };
}
