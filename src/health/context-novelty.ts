/**
 * Contextual novelty (in the spirit of CAD OSE, re-derived, no code borrowed): each value is quantised
 * into one of `bins` bins of the series' own recent range, and the last `length` bins (a pair by
 * default) form a context. The detector remembers, per context, whether it was seen never, once, or more
 * often (2 bits each, packed into 32-bit words, so the state stays tiny), and when a context is new it scores how
 * unlikely a new context was: by Good–Turing, the probability that the next context is unseen is about
 * (contexts seen exactly once) / (contexts observed). Its rarity is −log10 of that.
 *
 * The range starts at the first value and is the running min/max, each edge relaxing toward the other by
 * `rangeDecay` of the span per observation, so one old extreme does not squash every later value into one
 * bin forever. (Starting from the warm-up's min/max instead was tried and scored worse on the NAB dev slice.)
 */

export interface ContextOptions {
  readonly bins: number;
  readonly rangeDecay: number;
  /** Values per context (2 = pairs). */
  readonly length: number;
}

/** [low, high, previous bins (base `bins`), how many of them, singletons, observations, ...packed 2-bit counts]. */
export type ContextState = readonly number[];

const HEAD = 6;

function wordsFor(bins: number, length: number): number {
  return Math.ceil(bins ** length / 16);
}

export interface ContextStep {
  readonly state: ContextState;
  /** −log10 of the estimated probability of a new context; 0 when the context was seen before. */
  readonly rarity: number;
}

export function contextStep(state: ContextState, value: number, options: ContextOptions): ContextStep {
  const { bins, rangeDecay, length } = options;
  const words = wordsFor(bins, length);
  const cx = state.length === HEAD + words ? state.slice() : [value, value, 0, 0, 0, 0, ...new Array<number>(words).fill(0)];
  const span = cx[1]! - cx[0]!;
  const hi = Math.max(value, cx[1]! - rangeDecay * span);
  const lo = Math.min(value, cx[0]! + rangeDecay * span);
  cx[0] = lo;
  cx[1] = hi;
  const width = hi - lo;
  const bin = width > 0 ? Math.min(bins - 1, Math.floor(((value - lo) / width) * bins)) : 0;
  const history = cx[2]!;
  const filled = cx[3]!;
  const key = history * bins + bin;
  cx[2] = key % bins ** (length - 1);
  cx[3] = Math.min(length - 1, filled + 1);
  if (filled < length - 1) return { state: cx, rarity: 0 };
  const word = HEAD + (key >> 4);
  const shift = (key & 15) * 2;
  const packed = cx[word]! >>> 0;
  const count = (packed >>> shift) & 3;
  let singles = cx[4]!;
  const seen = cx[5]!;
  let rarity = 0;
  if (count === 0) {
    rarity = -Math.log10((singles + 1) / (seen + 2));
    singles++;
  } else if (count === 1) {
    singles--;
  }
  if (count < 3) cx[word] = ((packed & ~(3 << shift)) | ((count + 1) << shift)) >>> 0;
  cx[4] = singles;
  cx[5] = seen + 1;
  return { state: cx, rarity };
}
