/**
 * Contextual novelty, CAD OSE's alarm in 64 bits (Smirnov's Contextual Anomaly Detector, open-source
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
 * The levels, causally. NAB hands CAD the file's minimum and maximum; a live signal has no such thing, and
 * a range learned from a first stretch is narrower than one that holds the anomalies (noise and trends
 * beyond it make never-seen steps). So the levels grow with the range seen so far, on a dyadic grid: a
 * level is a bin [k·2^e, (k+1)·2^e) of the value axis, and the bins span LEVELS of them from the lowest
 * value seen. When a value falls beyond them, the bin width doubles (two neighbouring bins become one)
 * until every value seen so far fits again. Doubling nests the old bins exactly in the new ones, so every
 * transition learned is carried over exactly (re-binned, neither lost nor smeared), and the levels cover
 * the running range at CAD's resolution: the values seen span between half and all of the 8 levels, as a
 * file's range spans them under NAB's protocol. The grid starts from the first two distinct values (at 5
 * significant digits, the precision the entity state keeps). A new extreme that needs a wider grid is
 * judged on the coarser levels, as the file's range would judge it, so only a step never seen alarms.
 *
 * Persistence: a never-seen step is CAD's raw alarm, but one on its own is mostly noise finding a new
 * path between known levels (on the 42 NAB development files, about 5 in 6 raw alarms not followed by
 * another within 10 observations fall outside the anomaly windows). So an alarm needs the novelty to
 * persist: a never-seen step within `persistence` observations after another one. A value in a level never
 * visited always persists (the step out of it is new too), so a new extreme alarms one step later.
 *
 * Rest period (CAD's, as NAB configures it): an alarm is reported only if none was reported in the
 * previous rest period, so one incident is one alarm. NAB gives CAD a fifth of its probationary period,
 * which is 15 % of the file: 3 % of the series' length, at most 150 observations. A live series has no
 * length, so the rest period is 3 % of the observations seen so far, at most 150 (reached after 5,000).
 * CAD starts resting (its history starts with an alarm); not knowing the series' length, the start gets the
 * longest rest period: no alarm in the first 150 observations, while the levels settle.
 */

/** CAD's 3 value bits: 8 levels across the range. */
export const LEVELS = 8;
const WORDS = Math.ceil((LEVELS * LEVELS) / 32);
/** Significant digits two values must differ in to be distinct (the entity state's precision). */
const DIGITS = 5;
/** Bounds of the bin-width exponent (2^e stays a normal double). */
const MIN_EXPONENT = -1000;
const MAX_EXPONENT = 1000;

export interface ContextualSettings {
  /** Rest period (CAD's) as a share of the observations seen so far… */
  readonly restShare: number;
  /** …and at most this many observations. */
  readonly restMax: number;
  /** Observations after a never-seen step within which another one confirms the novelty (an alarm). */
  readonly persistence: number;
  /** The value range given up front (NAB's protocol; never in the live path): 8 fixed levels across it. */
  readonly valueRange?: readonly [number, number];
}

export interface ContextualState {
  /** Observations seen (capped). */
  readonly n: number;
  /** The first value, at DIGITS significant digits (until the grid is set). */
  readonly v0: number;
  /** Bin width 2^e; null until two distinct values were seen (or a given range: unused). */
  readonly e: number | null;
  /** Bins (index k of [k·2^e, (k+1)·2^e)) of the lowest and highest values seen; the levels are bins lb … lb + LEVELS − 1. */
  readonly lb: number;
  readonly hb: number;
  /** Bin of the previous observation (a level 0..7 with a given range). */
  readonly prev: number;
  /** Transitions seen, one bit per (previous level, level), in 32-bit words. */
  readonly seen: readonly number[];
  /** Observations since the last never-seen step (the first observation counts as one). */
  readonly since: number;
  /** Observations since the last alarm reported (the first observation counts as one). */
  readonly quiet: number;
}

export function initialContextualState(): ContextualState {
  return { n: 0, v0: 0, e: null, lb: 0, hb: 0, prev: 0, seen: [], since: 1_000_000, quiet: 0 };
}

/** Level (0..7) of a value within a given range: CAD's quantisation, the range's top value in the top level. */
export function levelInRange(value: number, lo: number, hi: number): number {
  const width = hi - lo;
  const level = width > 0 ? Math.floor(((value - lo) / width) * (LEVELS - 1)) : 0;
  return Math.max(0, Math.min(LEVELS - 1, level));
}

/** Bin index of a value on the grid of width 2^e. */
export function binOf(value: number, e: number): number {
  return Math.floor(value / 2 ** e);
}

const rounded = (value: number): number => Number(value.toPrecision(DIGITS));

/** The finest grid on which two distinct values lie within LEVELS bins of each other. */
function firstExponent(a: number, b: number): number {
  let e = Math.max(MIN_EXPONENT, Math.floor(Math.log2(Math.abs(b - a))) - Math.ceil(Math.log2(LEVELS)) - 1);
  while (e < MAX_EXPONENT && Math.abs(binOf(b, e) - binOf(a, e)) >= LEVELS) e++;
  return e;
}

const hasBit = (seen: readonly number[], bit: number): boolean => ((seen[bit >> 5] ?? 0) & (1 << (bit & 31))) !== 0;
function setBit(seen: number[], bit: number): void {
  seen[bit >> 5] = ((seen[bit >> 5] ?? 0) | (1 << (bit & 31))) >>> 0;
}

/** The transitions seen, re-binned from levels starting at bin `lb` to bins `shift` doublings wider starting at `nlb`. */
function rebin(seen: readonly number[], lb: number, shift: number, nlb: number): number[] {
  const out = Array.from({ length: WORDS }, () => 0);
  const to = (level: number): number => Math.floor((lb + level) / 2 ** shift) - nlb;
  for (let bit = 0; bit < LEVELS * LEVELS; bit++) {
    if (hasBit(seen, bit)) setBit(out, to(Math.floor(bit / LEVELS)) * LEVELS + to(bit % LEVELS));
  }
  return out;
}

/** Observations after an alarm during which no other is reported, once `n` observations were seen (the start counts as one). */
export function restPeriod(n: number, settings: ContextualSettings): number {
  return n < settings.restMax ? settings.restMax : Math.min(settings.restMax, Math.floor(settings.restShare * n));
}

export interface ContextualStep {
  readonly state: ContextualState;
  /** Whether this step from the previous level was never seen (CAD's raw score at its base threshold). */
  readonly novel: boolean;
  /** The reported alarm: novel within `persistence` of another novel step, and no alarm within the rest period before it. */
  readonly alarm: boolean;
  /** Whether an alarm was reported within the rest period (up to and including this observation). */
  readonly resting: boolean;
}

/** The levels after this value: the grid, the lowest and highest bins, the transitions seen, and the step's levels. */
interface Placement {
  readonly e: number | null;
  readonly lb: number;
  readonly hb: number;
  readonly seen: readonly number[];
  /** Levels (0..LEVELS − 1) of the previous value and of this one. */
  readonly from: number;
  readonly to: number;
  /** Bin of this value on the (new) grid, kept as the next step's previous. */
  readonly bin: number;
}

/** Places a value on the levels, widening the grid if it needs to; null while every value equals the first. */
function place(state: ContextualState, value: number, settings: ContextualSettings): Placement | null {
  if (settings.valueRange) {
    const [lo, hi] = settings.valueRange;
    const level = levelInRange(value, lo, hi);
    return { e: null, lb: 0, hb: LEVELS - 1, seen: state.seen, from: state.prev, to: level, bin: level };
  }
  if (state.e === null) {
    const v = rounded(value);
    if (v === state.v0) return null;
    // The grid starts here; the observations before were all the first value (a step to itself, if two or more).
    const e = firstExponent(state.v0, v);
    const first = binOf(state.v0, e);
    const bin = binOf(v, e);
    const [lb, hb] = [Math.min(first, bin), Math.max(first, bin)];
    const seen = Array.from({ length: WORDS }, () => 0);
    if (state.n >= 2) setBit(seen, (first - lb) * LEVELS + (first - lb));
    return { e, lb, hb, seen, from: first - lb, to: bin - lb, bin };
  }
  let bin = binOf(value, state.e);
  let lb = Math.min(state.lb, bin);
  let hb = Math.max(state.hb, bin);
  // Widen until every value seen so far (and this one) lies within LEVELS bins.
  let shift = 0;
  while (hb - lb >= LEVELS && state.e + shift < MAX_EXPONENT) {
    shift++;
    lb = Math.floor(lb / 2);
    hb = Math.floor(hb / 2);
    bin = Math.floor(bin / 2);
  }
  const prev = Math.floor(state.prev / 2 ** shift);
  const seen = shift > 0 || lb !== state.lb ? rebin(state.seen, state.lb, shift, lb) : state.seen;
  return { e: state.e + shift, lb, hb, seen, from: prev - lb, to: bin - lb, bin };
}

/** Whether a stored state has this version's shape (an older one, a learned range, restarts learning). */
function isCurrent(state: ContextualState): boolean {
  return typeof state.v0 === 'number' && typeof state.hb === 'number' && typeof state.quiet === 'number' && (state.e === null || typeof state.e === 'number') && state.seen.length <= WORDS;
}

export function contextualStep(stored: ContextualState, value: number, settings: ContextualSettings): ContextualStep {
  const state = isCurrent(stored) ? stored : initialContextualState();
  const n = Math.min(state.n + 1, 1_000_000_000);
  if (state.n === 0) {
    const first = settings.valueRange ? levelInRange(value, ...settings.valueRange) : 0;
    return { state: { ...state, n, v0: rounded(value), prev: first, quiet: 1 }, novel: false, alarm: false, resting: 1 < restPeriod(n, settings) };
  }
  const placed = place(state, value, settings);
  if (placed === null) {
    const [since, quiet] = [Math.min(state.since + 1, 1_000_000), Math.min(state.quiet + 1, 1_000_000)];
    return { state: { ...state, n, since, quiet }, novel: false, alarm: false, resting: quiet < restPeriod(n, settings) };
  }
  const bit = placed.from * LEVELS + placed.to;
  const novel = !hasBit(placed.seen, bit);
  let seen = placed.seen;
  if (novel) {
    const copy = Array.from({ length: WORDS }, (_, i) => seen[i] ?? 0);
    setBit(copy, bit);
    seen = copy;
  }
  const rest = restPeriod(n, settings);
  const alarm = novel && state.since < settings.persistence && state.quiet >= rest;
  const since = novel ? 0 : Math.min(state.since + 1, 1_000_000);
  const quiet = alarm ? 0 : Math.min(state.quiet + 1, 1_000_000);
  const next: ContextualState = { n, v0: state.v0, e: placed.e, lb: placed.lb, hb: placed.hb, prev: placed.bin, seen, since, quiet };
  return { state: next, novel, alarm, resting: quiet < rest };
}
