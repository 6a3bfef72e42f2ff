/**
 * Reference for the health-nab bench (`--cad-reference`), not shipped: the Contextual Anomaly Detector,
 * open-source edition (CAD OSE; M. Smirnov, NAB's `contextOSE`) in full, written here from its published
 * description, no code borrowed. It shows what src/health/contextual-detector.ts keeps of it: under NAB's
 * protocol this scores 66.2 standard (best threshold over the 42 development files; NAB's own CAD OSE
 * results 69.6), the alarm-only version (576 bits) 65.5. It cannot ship: 1,800–3,500 contexts per file.
 *
 * - **Facts.** A value is binned into 2^3 = 8 levels of the value range (3 "value bits"); each bit is a
 *   fact (bit position × bit value), so neighbouring levels share facts.
 * - **Contexts.** A context is a pair of semi-contexts: a *left* one (the facts of the previous step: its
 *   value bits plus its active "neurons", see below) and a *right* one (the facts of the current value).
 *   Every step adds the full pair (previous facts → current facts) as a zero-level context if it is new.
 * - **Crossing.** A left semi-context all of whose facts were present at the previous step *predicts*
 *   each of its contexts (they are "selected"); a selected context whose right semi-context is fully
 *   present now is *active* (its prediction came true; it counts one more activation). Partial matches of
 *   zero-level contexts (a fully matched left with a partly matched right, or the reverse, each part of at
 *   most MAX_LEFT_SEMI_CONTEXT facts) are *potential new contexts* made of the matched facts only.
 * - **Neurons.** The MAX_ACTIVE_NEURONS most-activated active contexts become facts of the next step's
 *   left semi-context, so a context can span more than one step.
 * - **Score.** raw = (1 − share of selected contexts that are active + share of potential new contexts
 *   that really were new) / 2. A value the series took before in this context scores near 0; a value in a
 *   level or a sequence never seen scores near 1.
 * - **Rest period.** The reported score is 0 while any of the last `restPeriod` raw scores reached the base
 *   threshold 0.75 (the history starts with 1, so the first `restPeriod` observations report 0): one alarm
 *   per incident.
 *
 * Memory: CAD keeps every context it ever saw. To keep a live entity's state bounded, only the
 * `maxContexts` most recently used contexts are kept (used = created or active): the rest are forgotten.
 */

/** CAD OSE's published defaults. */
export const CAD_VALUE_BITS = 3;
export const CAD_BASE_THRESHOLD = 0.75;
export const MAX_LEFT_SEMI_CONTEXT = 7;
export const MAX_ACTIVE_NEURONS = 15;
/** NAB gives CAD a rest period of a fifth of its probationary period: 150 observations for long series. */
export const CAD_REST_PERIOD = 150;
// (Tie-breaks differ from NAB's: active contexts of equal activations are ranked by id, not by hash.)

/** Neuron facts are context ids offset past every value fact. */
const NEURON = 1_000_000;

export interface CadSettings {
  readonly restPeriod: number;
  /** Contexts kept at most (learning stops there). */
  readonly maxContexts: number;
}

export const defaultCadSettings: Readonly<CadSettings> = Object.freeze({ restPeriod: CAD_REST_PERIOD, maxContexts: Number.POSITIVE_INFINITY });

/** Plain-JSON state (it lives in Redis between cycles). */
export interface CadState {
  /** Value range the levels are cut from: [lo, hi]. */
  readonly lo: number;
  readonly hi: number;
  /** Left semi-contexts' facts (sorted). */
  readonly left: readonly (readonly number[])[];
  /** Right semi-contexts' facts (sorted). */
  readonly right: readonly (readonly number[])[];
  /**
   * Contexts, CTX_FIELDS numbers each: id (stable: neuron facts name it), activations, zero-level (1/0),
   * index into `left`, index into `right`, step it was last created or active (for forgetting).
   */
  readonly ctx: readonly number[];
  /** Facts of the previous step (its value facts and active neurons), sorted. */
  readonly prev: readonly number[];
  /** Raw scores since the last one at or above the base threshold. */
  readonly since: number;
  /** Steps taken, and the next context id. */
  readonly t: number;
  readonly next: number;
}

const CTX_FIELDS = 6;

export function initialCadState(lo: number, hi: number): CadState {
  return { lo, hi, left: [], right: [], ctx: [], prev: [], since: 0, t: 0, next: 0 };
}

/** The value's facts: each bit of its level, as bit position × 2 + bit (more bits beyond the range's top). */
export function valueFacts(value: number, lo: number, hi: number): number[] {
  const top = 2 ** CAD_VALUE_BITS - 1;
  const range = hi - lo > 0 ? hi - lo : top;
  const level = Math.trunc((value - lo) / (range / top));
  const magnitude = Math.min(Math.abs(level), 2 ** 30);
  const bits = Math.max(CAD_VALUE_BITS, magnitude === 0 ? 1 : Math.floor(Math.log2(magnitude)) + 1);
  const facts: number[] = [];
  for (let b = 0; b < bits; b++) facts.push(b * 2 + ((magnitude >> b) & 1));
  // Below the range: a fact of its own, so it never matches a level inside it.
  if (level < 0) facts.push(2 * 64);
  return facts;
}

const key = (facts: readonly number[]): string => facts.join(',');

interface Semi {
  readonly facts: readonly number[];
  /** Left only: right semi-context → context id. */
  readonly contexts: Map<Semi, number>;
}

interface Context {
  activations: number;
  zeroLevel: boolean;
  readonly left: Semi;
  readonly right: Semi;
  last: number;
}

/** Working copy with the indexes a step needs (rebuilt from the plain state, which stays untouched). */
class Model {
  readonly semis: [Map<string, Semi>, Map<string, Semi>] = [new Map(), new Map()];
  readonly byFact: [Map<number, Semi[]>, Map<number, Semi[]>] = [new Map(), new Map()];
  readonly contexts = new Map<number, Context>();
  next: number;

  constructor(state: CadState) {
    this.next = state.next;
    const left = state.left.map((f) => this.semi(0, f));
    const right = state.right.map((f) => this.semi(1, f));
    for (let c = 0; c < state.ctx.length; c += CTX_FIELDS) {
      const [id, activations, zero, l, r, last] = state.ctx.slice(c, c + CTX_FIELDS) as [number, number, number, number, number, number];
      const context: Context = { activations, zeroLevel: zero === 1, left: left[l]!, right: right[r]!, last };
      this.contexts.set(id, context);
      context.left.contexts.set(context.right, id);
    }
  }

  semi(side: 0 | 1, facts: readonly number[]): Semi {
    const k = key(facts);
    const found = this.semis[side].get(k);
    if (found) return found;
    const semi: Semi = { facts: [...facts], contexts: new Map() };
    this.semis[side].set(k, semi);
    for (const f of facts) {
      const list = this.byFact[side].get(f);
      if (list) list.push(semi);
      else this.byFact[side].set(f, [semi]);
    }
    return semi;
  }

  /** Finds or adds the context (left facts → right facts); returns its id and whether it is new. */
  context(leftFacts: readonly number[], rightFacts: readonly number[], zeroLevel: boolean, t: number): { id: number; added: boolean } {
    const leftKnown = this.semis[0].get(key(leftFacts));
    const rightKnown = this.semis[1].get(key(rightFacts));
    const existing = leftKnown && rightKnown ? leftKnown.contexts.get(rightKnown) : undefined;
    if (existing !== undefined) {
      if (zeroLevel) this.contexts.get(existing)!.zeroLevel = true;
      return { id: existing, added: false };
    }
    const left = leftKnown ?? this.semi(0, leftFacts);
    const right = rightKnown ?? this.semi(1, rightFacts);
    const id = this.next++;
    this.contexts.set(id, { activations: 0, zeroLevel, left, right, last: t });
    left.contexts.set(right, id);
    return { id, added: true };
  }

  /** Active facts of every semi-context that shares a fact with `facts`. */
  cross(side: 0 | 1, facts: readonly number[]): Map<Semi, number[]> {
    const out = new Map<Semi, number[]>();
    for (const f of facts) {
      for (const semi of this.byFact[side].get(f) ?? []) {
        const list = out.get(semi);
        if (list) list.push(f);
        else out.set(semi, [f]);
      }
    }
    return out;
  }

  /** Keeps the `max` most recently used contexts (ties: the most activated), and the semi-contexts they use. */
  toState(base: Omit<CadState, 'left' | 'right' | 'ctx' | 'next'>, max: number): CadState {
    let kept = [...this.contexts.entries()];
    if (kept.length > max) kept = kept.sort(([, a], [, b]) => b.last - a.last || b.activations - a.activations).slice(0, max);
    kept.sort(([a], [b]) => a - b);
    const left: (readonly number[])[] = [];
    const right: (readonly number[])[] = [];
    const leftIndex = new Map<Semi, number>();
    const rightIndex = new Map<Semi, number>();
    const index = (semi: Semi, list: (readonly number[])[], map: Map<Semi, number>): number => {
      let i = map.get(semi);
      if (i === undefined) {
        i = list.push(semi.facts) - 1;
        map.set(semi, i);
      }
      return i;
    };
    const ctx: number[] = [];
    for (const [id, c] of kept) ctx.push(id, c.activations, c.zeroLevel ? 1 : 0, index(c.left, left, leftIndex), index(c.right, right, rightIndex), c.last);
    return { ...base, left, right, ctx, next: this.next };
  }
}

export interface CadStep {
  readonly state: CadState;
  /** Raw anomaly 0..1 of this observation. */
  readonly raw: number;
  /** What CAD reports: the raw score, or 0 within the rest period after a raw score at or above 0.75. */
  readonly score: number;
}

/** Scores one value and learns from it. The state given is not changed. */
export function cadStep(state: CadState, value: number, settings: CadSettings = defaultCadSettings): CadStep {
  const model = new Model(state);
  const t = state.t + 1;
  const facts = valueFacts(value, state.lo, state.hi);
  // Left semi-contexts fully or partly present at the previous step (before this step adds any).
  const leftCrossed = model.cross(0, state.prev);
  const potentialKeys = new Set<string>();
  let newZeroLevel = -1;
  if (state.prev.length > 0) {
    potentialKeys.add(`${key(state.prev)}|${key(facts)}`);
    const zero = model.context(state.prev, facts, true, t);
    if (zero.added) newZeroLevel = zero.id;
  }
  const rightCrossed = model.cross(1, facts);
  let selected = 0;
  const active: number[] = [];
  const potential: [number[], number[]][] = [];
  for (const [left, leftActive] of leftCrossed) {
    const leftFull = leftActive.length === left.facts.length;
    for (const [right, contextId] of left.contexts) {
      if (contextId === newZeroLevel) continue;
      const context = model.contexts.get(contextId)!;
      const rightActive = rightCrossed.get(right) ?? [];
      const rightFull = rightActive.length === right.facts.length;
      if (leftFull) {
        selected++;
        if (rightActive.length === 0) continue;
        if (rightFull) {
          context.activations++;
          context.last = t;
          active.push(contextId);
        } else if (context.zeroLevel && rightActive.length <= MAX_LEFT_SEMI_CONTEXT) {
          potential.push([leftActive, rightActive]);
        }
      } else if (context.zeroLevel && rightFull && leftActive.length <= MAX_LEFT_SEMI_CONTEXT) {
        potential.push([leftActive, rightActive]);
      }
    }
  }
  const activeShare = selected > 0 ? active.length / selected : 0;
  for (const [l, r] of potential) potentialKeys.add(`${key(l)}|${key(r)}`);
  // The most activated contexts (ties: the newest) are the next step's neurons.
  active.sort((a, b) => model.contexts.get(a)!.activations - model.contexts.get(b)!.activations || a - b);
  const neurons = active.slice(-MAX_ACTIVE_NEURONS).map((id) => NEURON + id);
  const prev = [...new Set([...facts, ...neurons])].sort((a, b) => a - b);
  let added = newZeroLevel >= 0 ? 1 : 0;
  for (const [l, r] of potential) if (model.context(l, r, false, t).added) added++;
  const addedShare = potentialKeys.size > 0 ? added / potentialKeys.size : 0;
  const raw = (1 - activeShare + addedShare) / 2;
  const score = state.since >= settings.restPeriod ? raw : 0;
  const since = raw >= CAD_BASE_THRESHOLD ? 0 : Math.min(state.since + 1, 1_000_000);
  return { state: model.toState({ lo: state.lo, hi: state.hi, prev, since, t }, settings.maxContexts), raw, score };
}
