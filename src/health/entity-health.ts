/**
 * Health of one entity (service or workload): steps every signal's scorer, gates traffic-dependent signals
 * on enough traffic, combines the signal scores into one score with reasons, and lets SLO burn facts make
 * the entity unhealthy whatever its learned baselines say. Pure.
 */
import { initialState, step, type ScoreReason, type ScorerOptions, type SignalState } from './signal-scorer.js';
import { signalDefinitions, signalNames, signalScorerOptions, type SignalName } from './signals.js';
import { defaultScorerOptions } from './signal-scorer.js';

export type HealthStatus = 'healthy' | 'unhealthy' | 'unknown';

export interface EntityState {
  readonly v: 1;
  readonly signals: Readonly<Partial<Record<SignalName, SignalState>>>;
  /** Each signal's rarity in the previous cycle (for confirmation over two cycles). */
  readonly prev?: Readonly<Partial<Record<SignalName, number>>>;
  /** Signals in an ongoing fault: when it started, the signal's state before it, healthy cycles since. */
  readonly held?: Readonly<Partial<Record<SignalName, HeldFault>>>;
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
}

export interface EntityObservation {
  readonly timestampMs: number;
  /** Signal values of this cycle; a missing or non-finite value is "unknown" for that signal. */
  readonly values: Readonly<Partial<Record<SignalName, number>>>;
}

export interface SignalHealth {
  readonly status: HealthStatus;
  /** 0..1, 1 = healthy; null when unknown. */
  readonly score: number | null;
  /** −log10 probability of the deviation, confirmed: the smaller of this and the previous cycle's (null when unknown). */
  readonly rarity: number | null;
  /** Onset score of the scorer (1 on the first point of a new incident). */
  readonly onset: number;
  readonly reason: ScoreReason | null;
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
  /** Cycles a deviation must last before it counts (1 = the current cycle alone, 2 = this and the previous). */
  readonly confirmCycles: 1 | 2;
  /** Longest a fault is judged against the pre-fault behaviour (ms); afterwards the learned baselines rule. */
  readonly maxHoldMs: number;
  /** Cycles a held fault must look normal (by the pre-fault standard) before it is released. */
  readonly releaseCycles: number;
  readonly scorer: ScorerOptions;
}

export const defaultEntityOptions: Readonly<EntityOptions> = Object.freeze({
  unhealthyBelow: 0.5,
  minRequestRate: 0.1,
  confirmCycles: 2,
  maxHoldMs: 24 * 3_600_000,
  releaseCycles: 3,
  scorer: defaultScorerOptions,
});

export function initialEntityState(): EntityState {
  return { v: 1, signals: {}, prev: {}, held: {} };
}

function describe(name: SignalName, h: SignalHealth): string {
  const r = h.reason;
  if (!r) return `${name} unhealthy`;
  const dev = Math.abs(r.deviations);
  const since = h.faultSince !== undefined ? `, unhealthy since ${new Date(h.faultSince).toISOString()}` : '';
  return `${name} ${r.direction} its ${r.baseline} baseline by ${dev.toFixed(1)} robust deviations (${r.timescale}; expected ${Number(r.expected.toPrecision(4))}${since})`;
}

function healthFromRarity(rarity: number, scorer: ScorerOptions): number {
  const r = Math.max(0, rarity);
  return 1 - r / (r + scorer.halfScoreLog10);
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
  const signals: Partial<Record<SignalName, SignalHealth>> = {};
  const prev: Partial<Record<SignalName, number>> = {};
  const held: Partial<Record<SignalName, HeldFault>> = {};
  for (const name of signalNames) {
    const value = observation.values[name];
    const prior = state.signals[name];
    const unknownBecause =
      value === undefined || !Number.isFinite(value) ? 'no data' : signalDefinitions[name].needsTraffic && !enoughTraffic ? 'low traffic' : undefined;
    if (unknownBecause || value === undefined) {
      signals[name] = { status: 'unknown', score: null, rarity: null, onset: 0, reason: null, unknownBecause: unknownBecause ?? 'no data' };
      // A gap in the data does not end a held fault.
      const keep = state.held?.[name];
      if (keep) held[name] = keep;
      continue;
    }
    const scorerOptions = signalScorerOptions(name, options.scorer);
    const result = step(prior ?? initialState(), observation.timestampMs, value, scorerOptions);
    nextSignals[name] = result.state;
    const s = result.score;
    if (s.status === 'unknown') {
      signals[name] = { status: 'unknown', score: null, rarity: null, onset: 0, reason: null, unknownBecause: 'warming up' };
    } else {
      // One anomalous cycle is a blip; the signal counts once the deviation lasted `confirmCycles` cycles.
      const before = state.prev?.[name];
      const rarity = options.confirmCycles === 2 ? Math.min(s.rarity, before ?? 0) : s.rarity;
      prev[name] = s.rarity;
      let live: SignalHealth = { status: 'healthy', score: healthFromRarity(rarity, options.scorer), rarity, onset: s.alarm, reason: s.reason };
      if ((live.score ?? 1) < options.unhealthyBelow) live = { ...live, status: 'unhealthy' };
      const hold = holdFault(state.held?.[name], prior, live, observation.timestampMs, value, scorerOptions, options);
      if (hold.held) held[name] = hold.held;
      signals[name] = hold.health;
    }
  }
  return { state: { v: 1, signals: nextSignals, prev, held }, health: combineSignals(signals, options) };
}

/**
 * Keeps a fault from being learned as normal: once a signal is unhealthy, it is also judged against its
 * frozen pre-fault state (scored, never updated), and stays unhealthy while that says so, for at most
 * `maxHoldMs`.
 */
function holdFault(
  current: HeldFault | undefined,
  prior: SignalState | undefined,
  live: SignalHealth,
  timestampMs: number,
  value: number,
  scorerOptions: ScorerOptions,
  options: EntityOptions,
): { held?: HeldFault; health: SignalHealth } {
  if (!current) {
    if (live.status === 'unhealthy' && prior) return { held: { since: timestampMs, base: prior, quiet: 0 }, health: { ...live, faultSince: timestampMs } };
    return { health: live };
  }
  if (timestampMs - current.since > options.maxHoldMs) return { health: live };
  const stepped = step(current.base, timestampMs, value, scorerOptions);
  const judged = stepped.score;
  if (judged.status !== 'scored') return { health: live };
  const againstBase = healthFromRarity(judged.rarity, options.scorer);
  // This cycle's own deviation from the pre-fault baseline (recovered from the sustained mean's update):
  // once values are back inside the clip, the fading sustained mean does not hold the fault any longer.
  const rate = scorerOptions.sustainedRate;
  const zNow = (stepped.state.sus - (1 - rate) * current.base.sus) / rate;
  const badNow = scorerOptions.direction === 'up' ? zNow : scorerOptions.direction === 'down' ? -zNow : Math.abs(zNow);
  const looksNormal = againstBase >= options.unhealthyBelow || badNow < scorerOptions.clip;
  const quiet = looksNormal ? current.quiet + 1 : 0;
  if (quiet >= options.releaseCycles && live.status !== 'unhealthy') return { health: live };
  // The frozen baselines do not learn; only the sustained deviation runs on, so a fault that persists
  // keeps (or gains) its weight against the pre-fault behaviour.
  const next: HeldFault = { ...current, quiet, base: { ...current.base, sus: stepped.state.sus } };
  if (againstBase >= (live.score ?? 1)) return { held: next, health: { ...live, faultSince: current.since } };
  return {
    held: next,
    health: {
      ...live,
      status: againstBase < options.unhealthyBelow ? 'unhealthy' : live.status,
      score: againstBase,
      rarity: judged.rarity,
      reason: judged.reason,
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
