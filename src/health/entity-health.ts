/**
 * Health of one entity (service or workload): steps every signal's scorer, gates traffic-dependent signals
 * on enough traffic, judges shares of requests also as counts, combines the signal scores into one score
 * with reasons, and lets SLO burn facts make the entity unhealthy whatever its learned baselines say. Pure.
 */
import {
  countStep,
  defaultCountOptions,
  initialCountState,
  restartLongWindow,
  type CountEvidence,
  type CountObservation,
  type CountOptions,
  type CountState,
} from './count-evidence.js';
import { initialState, step, type ScoreReason, type ScorerOptions, type SignalState, type StepScore } from './signal-scorer.js';
import { signalDefinitions, signalNames, signalScorerOptions, type SignalName } from './signals.js';
import { defaultScorerOptions } from './signal-scorer.js';

export type HealthStatus = 'healthy' | 'unhealthy' | 'unknown';

export interface EntityState {
  readonly v: 1;
  /** Timestamp of the latest observation learned (ms): a cycle at or before it is never learned again. */
  readonly at?: number;
  readonly signals: Readonly<Partial<Record<SignalName, SignalState>>>;
  /** Each signal's rarity in the previous cycle (for confirmation over two cycles). */
  readonly prev?: Readonly<Partial<Record<SignalName, number>>>;
  /** Signals in an ongoing fault: when it started, the signal's state before it, healthy cycles since. */
  readonly held?: Readonly<Partial<Record<SignalName, HeldFault>>>;
  /** Count states of the shares of requests (error_ratio). */
  readonly counts?: Readonly<Partial<Record<SignalName, CountState>>>;
}

/**
 * A fault being held: the signal is judged against a frozen copy of its pre-fault state until it looks
 * normal again by that standard, or until `maxHoldMs` passed (then a persisting level is the new normal,
 * and only an SLO burn keeps the service unhealthy).
 */
export interface HeldFault {
  readonly since: number;
  readonly base: SignalState;
  readonly quiet: number;
  /** The pre-fault count state, for shares of requests. */
  readonly counts?: CountState;
}

export interface EntityObservation {
  readonly timestampMs: number;
  /** Signal values of this cycle; a missing or non-finite value is "unknown" for that signal. */
  readonly values: Readonly<Partial<Record<SignalName, number>>>;
  /**
   * Window the rates and ratios were computed over (ms), e.g. 120 000 for Prometheus `rate(…[2m])`; it
   * tells how many requests a ratio stands for, and how much consecutive windows overlap. Absent: each
   * value covers the interval since the previous observation.
   */
  readonly windowMs?: number;
}

export interface SignalHealth {
  readonly status: HealthStatus;
  /** 0..1, 1 = healthy; null when unknown. */
  readonly score: number | null;
  /** −log10 probability of the deviation, confirmed over cycles (null when unknown). */
  readonly rarity: number | null;
  /** Onset score of the scorer (1 on the first point of a new incident). */
  readonly onset: number;
  readonly reason: ScoreReason | null;
  /** The count evidence, when it is what drives the score (shares of requests). */
  readonly counts?: CountEvidence;
  /** Why the signal is unknown, when it is. */
  readonly unknownBecause?: 'warming up' | 'no data' | 'low traffic';
  /** Start of the ongoing fault (epoch ms) when the signal is judged against its pre-fault behaviour. */
  readonly faultSince?: number;
}

/** A fact from the budget side: an SLO of this service burning its error budget. */
export interface SloBurn {
  readonly slo: string;
  readonly window: string;
  readonly burnRate: number;
  /** The policy threshold the burn rate is compared with (e.g. 14.4). */
  readonly threshold: number;
}

export interface EntityHealth {
  readonly status: HealthStatus;
  /** 0..1, 1 = healthy; null when unknown. */
  readonly score: number | null;
  readonly signals: Readonly<Partial<Record<SignalName, SignalHealth>>>;
  /** Human-readable reasons, most severe first (empty when healthy). */
  readonly reasons: readonly string[];
}

export interface EntityOptions {
  /** Scores below this are "unhealthy" (health = 1 − anomaly). */
  readonly unhealthyBelow: number;
  /** Requests per second under which traffic-dependent signals are unknown. */
  readonly minRequestRate: number;
  /**
   * Cycles a deviation must last before it counts (1 = the current cycle alone, 2 = this and the previous):
   * the smaller of the two cycles' rarities for the scorer; for count evidence, which is already summed
   * over cycles, each of these cycles must have more errors than expected.
   */
  readonly confirmCycles: 1 | 2;
  /** Longest a fault is judged against the pre-fault behaviour (ms); afterwards the learned baselines rule. */
  readonly maxHoldMs: number;
  /** Cycles a held fault must look normal (by the pre-fault standard) before it is released. */
  readonly releaseCycles: number;
  readonly scorer: ScorerOptions;
  /** Count evidence of shares of requests (`confirm` and `minExcess` come from the entity and the signal). */
  readonly counts: CountOptions;
  /**
   * Errors a share's rate window must be expected to hold before its deviations (the scorer) count as
   * evidence next to the counts; below it, the share is judged by its counts alone.
   */
  readonly minErrorsForRatio: number;
}

export const defaultEntityOptions: Readonly<EntityOptions> = Object.freeze({
  unhealthyBelow: 0.5,
  minRequestRate: 0.1,
  confirmCycles: 2,
  maxHoldMs: 24 * 3_600_000,
  releaseCycles: 3,
  scorer: defaultScorerOptions,
  counts: defaultCountOptions,
  minErrorsForRatio: 10,
});

export function initialEntityState(): EntityState {
  return { v: 1, signals: {}, prev: {}, held: {}, counts: {} };
}

/** Timestamp of the latest observation a state learned (ms; 0 for none); states from before `at` use their signals'. */
export function learnedUntil(state: EntityState): number {
  return state.at ?? Math.max(0, ...Object.values(state.signals).map((s) => s?.ts ?? 0));
}

function significant(x: number): number {
  return Number(x.toPrecision(x >= 10 ? 3 : 2));
}

function describe(name: SignalName, h: SignalHealth): string {
  const since = h.faultSince !== undefined ? `, unhealthy since ${new Date(h.faultSince).toISOString()}` : '';
  const c = h.counts;
  if (c) {
    return `${name} above its expected share: ${significant(c.observed)} errors in the last ${c.cycles} cycles where ${significant(c.expected)} were expected (${significant(c.share * 100)} % of requests; Poisson p ≈ 1e-${(h.rarity ?? 0).toFixed(1)}${since})`;
  }
  const r = h.reason;
  if (!r) return `${name} unhealthy`;
  const dev = Math.abs(r.deviations);
  return `${name} ${r.direction} its ${r.baseline} baseline by ${dev.toFixed(1)} robust deviations (${r.timescale}; expected ${Number(r.expected.toPrecision(4))}${since})`;
}

function healthFromRarity(rarity: number, scorer: ScorerOptions): number {
  const r = Math.max(0, rarity);
  return 1 - r / (r + scorer.halfScoreLog10);
}

/**
 * One signal's health from its scorer's rarity and (for shares of requests) the count evidence: the rarer
 * wins. A share computed from few errors is a handful of discrete values (0, 1/n, 2/n …), for which the
 * scorer's robust deviations are no measure of rarity (one extra error is "many deviations" at night); there
 * only the counts are evidence.
 */
function signalHealth(score: Extract<StepScore, { status: 'scored' }>, scorerRarity: number, counts: CountEvidence | null | undefined, options: EntityOptions): SignalHealth {
  const fewErrors = counts !== null && counts !== undefined && counts.windowExpected < options.minErrorsForRatio;
  const deviationRarity = fewErrors ? 0 : scorerRarity;
  const byCounts = counts !== null && counts !== undefined && counts.rarity > deviationRarity;
  const rarity = byCounts ? counts.rarity : deviationRarity;
  const value = healthFromRarity(rarity, options.scorer);
  return {
    status: value < options.unhealthyBelow ? 'unhealthy' : 'healthy',
    score: value,
    rarity,
    onset: score.alarm,
    reason: score.reason,
    ...(byCounts ? { counts } : {}),
  };
}

/** What one signal is judged with in this cycle. */
interface SignalInput {
  readonly timestampMs: number;
  readonly value: number;
  /** The counts behind a share of requests (undefined for other signals, or without a request rate). */
  readonly count: CountObservation | undefined;
  readonly scorer: ScorerOptions;
  readonly counts: CountOptions;
}

/** One signal's live judgement: stepped (learning) scorer and count states, and the confirmed health. */
interface LiveSignal {
  readonly state: SignalState;
  readonly counts: CountState | undefined;
  /** The scorer's own rarity this cycle, which the next cycle confirms with (null while warming up). */
  readonly rarity: number | null;
  readonly health: SignalHealth;
}

function judgeLive(prior: SignalState, priorCounts: CountState | undefined, before: number | undefined, input: SignalInput, options: EntityOptions): LiveSignal {
  const result = step(prior, input.timestampMs, input.value, input.scorer);
  const counted = input.count ? countStep(priorCounts ?? initialCountState(), input.count, input.counts) : undefined;
  const counts = counted?.state ?? priorCounts;
  const s = result.score;
  if (s.status === 'unknown') {
    return { state: result.state, counts, rarity: null, health: { status: 'unknown', score: null, rarity: null, onset: 0, reason: null, unknownBecause: 'warming up' } };
  }
  // One anomalous cycle is a blip; the scorer's deviation counts once it lasted `confirmCycles` cycles.
  const confirmed = options.confirmCycles === 2 ? Math.min(s.rarity, before ?? 0) : s.rarity;
  return { state: result.state, counts, rarity: s.rarity, health: signalHealth(s, confirmed, counted?.evidence, options) };
}

/** Steps all signals of one entity with this cycle's values. */
export function scoreEntity(
  state: EntityState,
  observation: EntityObservation,
  options: EntityOptions = defaultEntityOptions,
): { readonly state: EntityState; readonly health: EntityHealth } {
  const rate = observation.values.request_rate;
  const enoughTraffic = rate !== undefined && Number.isFinite(rate) && rate >= options.minRequestRate;
  const nextSignals: Partial<Record<SignalName, SignalState>> = { ...state.signals };
  const nextCounts: Partial<Record<SignalName, CountState>> = { ...state.counts };
  const signals: Partial<Record<SignalName, SignalHealth>> = {};
  const prev: Partial<Record<SignalName, number>> = {};
  const held: Partial<Record<SignalName, HeldFault>> = {};
  for (const name of signalNames) {
    const value = observation.values[name];
    const prior = state.signals[name];
    const definition = signalDefinitions[name];
    const unknownBecause =
      value === undefined || !Number.isFinite(value) ? 'no data' : definition.needsTraffic && !enoughTraffic ? 'low traffic' : undefined;
    if (unknownBecause || value === undefined) {
      signals[name] = { status: 'unknown', score: null, rarity: null, onset: 0, reason: null, unknownBecause: unknownBecause ?? 'no data' };
      // A gap in the data does not end a held fault.
      const keep = state.held?.[name];
      if (keep) held[name] = keep;
      continue;
    }
    const input: SignalInput = {
      timestampMs: observation.timestampMs,
      value,
      count:
        definition.shareOfRequests && rate !== undefined && enoughTraffic
          ? { timestampMs: observation.timestampMs, ratio: value, requestRate: rate, ...(observation.windowMs === undefined ? {} : { windowMs: observation.windowMs }) }
          : undefined,
      scorer: signalScorerOptions(name, options.scorer),
      counts: { ...options.counts, confirm: options.confirmCycles, minExcess: Math.max(options.counts.minExcess, definition.minScale) },
    };
    const live = judgeLive(prior ?? initialState(), state.counts?.[name], state.prev?.[name], input, options);
    const hold = live.health.status === 'unknown' ? { live, health: live.health } : holdFault(state.held?.[name], prior, state.counts?.[name], state.prev?.[name], live, input, options);
    nextSignals[name] = hold.live.state;
    if (hold.live.counts) nextCounts[name] = hold.live.counts;
    if (hold.live.rarity !== null) prev[name] = hold.live.rarity;
    if (hold.held) held[name] = hold.held;
    signals[name] = hold.health;
  }
  const at = Math.max(state.at ?? 0, observation.timestampMs);
  return { state: { v: 1, at, signals: nextSignals, prev, held, counts: nextCounts }, health: combineSignals(signals, options) };
}

/**
 * Keeps a fault from being learned as normal: once a signal is unhealthy, it is also judged against its
 * frozen pre-fault state (scored, never updated), and stays unhealthy while that says so, for at most
 * `maxHoldMs`. Once the values looked normal by the pre-fault standard for `releaseCycles` cycles, the
 * fault is released, without waiting for the live state's memory of the fault to fade (see below).
 */
function holdFault(
  current: HeldFault | undefined,
  prior: SignalState | undefined,
  priorCounts: CountState | undefined,
  before: number | undefined,
  live: LiveSignal,
  input: SignalInput,
  options: EntityOptions,
): { held?: HeldFault; live: LiveSignal; health: SignalHealth } {
  const { timestampMs, value, scorer } = input;
  if (!current) {
    if (live.health.status === 'unhealthy' && prior) {
      // The frozen copy leaves out the onset detectors (about 1 KB): the held judgement uses the baselines
      // only, and seven held signals must still fit the Redis budget.
      const { on: _onset, ...base } = prior;
      const held: HeldFault = { since: timestampMs, base, quiet: 0, ...(priorCounts ? { counts: priorCounts } : {}) };
      return { held, live, health: { ...live.health, faultSince: timestampMs } };
    }
    return { live, health: live.health };
  }
  if (timestampMs - current.since > options.maxHoldMs) return { live, health: live.health };
  // Frozen, the recent baseline goes stale within the hour (traffic and CPU follow the time of day), so the
  // pre-fault state is judged by its seasonal baseline wherever that is trusted (a negative tracked error
  // makes the scorer prefer it).
  const frozen: SignalState = { ...current.base, err: [current.base.err[0] ?? 0, -1] };
  const stepped = step(frozen, timestampMs, value, scorer);
  const judged = stepped.score;
  if (judged.status !== 'scored') return { live, health: live.health };
  const counted = input.count && current.counts ? countStep(current.counts, input.count, input.counts, false) : undefined;
  const baseHealth = signalHealth(judged, judged.rarity, counted?.evidence, options);
  const againstBase = baseHealth.score ?? 1;
  // This cycle's own deviation from the pre-fault baseline (recovered from the sustained mean's update):
  // once values are back inside the clip, the fading sustained mean does not hold the fault any longer.
  const rate = scorer.sustainedRate;
  const zNow = (stepped.state.sus - (1 - rate) * current.base.sus) / rate;
  const badNow = scorer.direction === 'up' ? zNow : scorer.direction === 'down' ? -zNow : Math.abs(zNow);
  // Counts: the last cycles together no longer have significantly (p < 0.05) more errors than before the
  // fault (one cycle alone has too few errors at night to tell).
  const countsNow = (counted?.evidence?.windowRarity ?? 0) < -Math.log10(0.05);
  const looksNormal = againstBase >= options.unhealthyBelow || (badNow < scorer.clip && countsNow);
  const quiet = looksNormal ? current.quiet + 1 : 0;
  if (quiet >= options.releaseCycles) {
    // Released with the first state that finds this cycle normal, keeping as much learning as it can: the
    // live state; the live state with its sustained deviation (which still carries the fault and would
    // fade only slowly) restarted; the pre-fault state, when what the live state learned during the fault
    // (a recent baseline pulled towards the faulty level) no longer fits the present. The pre-fault state
    // resumes with the live clock (the fault's length is not a gap between observations).
    // The long count window restarts too: it still holds the fault's errors, which would keep the
    // released signal unhealthy for another half hour.
    if (live.health.status !== 'unhealthy') return { live, health: live.health };
    const candidates = [
      () => (prior ? judgeLive({ ...prior, sus: 0 }, restartLongWindow(priorCounts), before, input, options) : undefined),
      () =>
        judgeLive(
          { ...current.base, sus: 0, ...(prior ? { ts: prior.ts, dt: prior.dt, ...(prior.on ? { on: prior.on } : {}) } : {}) },
          restartLongWindow(current.counts ?? priorCounts),
          before,
          input,
          options,
        ),
    ];
    for (const candidate of candidates) {
      const resumed = candidate();
      if (resumed?.health.status === 'healthy') return { live: resumed, health: resumed.health };
    }
  }
  // The frozen baselines do not learn; only the sustained deviation and the count window run on, so a
  // fault that persists keeps (or gains) its weight against the pre-fault behaviour.
  const next: HeldFault = {
    ...current,
    quiet,
    base: { ...current.base, sus: stepped.state.sus },
    ...(counted ? { counts: counted.state } : {}),
  };
  if (againstBase >= (live.health.score ?? 1)) return { held: next, live, health: { ...live.health, faultSince: current.since } };
  return {
    held: next,
    live,
    health: {
      ...baseHealth,
      status: againstBase < options.unhealthyBelow ? 'unhealthy' : live.health.status,
      onset: live.health.onset,
      faultSince: current.since,
    },
  };
}

/**
 * Overall score: the rarest signal's deviation, discounted for looking at several signals at once
 * (−log10 k for k known signals), so an entity with 7 signals is not 7 times as likely to look unhealthy.
 */
export function combineSignals(signals: Readonly<Partial<Record<SignalName, SignalHealth>>>, options: EntityOptions = defaultEntityOptions): EntityHealth {
  const known = signalNames.filter((n) => signals[n]?.status !== undefined && signals[n]?.status !== 'unknown');
  if (known.length === 0) return { status: 'unknown', score: null, signals, reasons: [] };
  const worst = Math.max(...known.map((n) => signals[n]?.rarity ?? 0));
  const score = healthFromRarity(worst - Math.log10(known.length), options.scorer);
  const status: HealthStatus = score < options.unhealthyBelow ? 'unhealthy' : 'healthy';
  const reasons =
    status === 'unhealthy'
      ? known
          .filter((n) => (signals[n]?.score ?? 1) < options.unhealthyBelow)
          .sort((a, b) => (signals[a]?.score ?? 1) - (signals[b]?.score ?? 1))
          .map((n) => describe(n, signals[n]!))
      : [];
  return { status, score, signals, reasons };
}

/**
 * SLO-aware health: every SLO of the service burning above its policy threshold makes it unhealthy,
 * whatever the learned baselines say (a persistent outage that the baselines absorbed still shows), with
 * a reason naming the SLO. The score is capped below the unhealthy line, lower for faster burns.
 */
export function applySloBurns(health: EntityHealth, burns: readonly SloBurn[], options: EntityOptions = defaultEntityOptions): EntityHealth {
  const burning = burns.filter((b) => b.threshold > 0 && b.burnRate >= b.threshold).sort((a, b) => b.burnRate / b.threshold - a.burnRate / a.threshold);
  if (burning.length === 0) return health;
  const top = burning[0]!;
  const cap = options.unhealthyBelow * 0.98 * Math.min(1, top.threshold / top.burnRate);
  const sloReasons = burning.map(
    (b) => `SLO ${b.slo} is burning its error budget at ${Number(b.burnRate.toPrecision(3))}x over ${b.window} (policy threshold ${b.threshold}x)`,
  );
  return {
    status: 'unhealthy',
    score: Math.min(health.score ?? 1, cap),
    signals: health.signals,
    reasons: [...sloReasons, ...health.reasons],
  };
}
