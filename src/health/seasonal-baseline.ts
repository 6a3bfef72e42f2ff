/**
 * The seasonal baseline: a robust level and scale for each hour of the day (UTC) times a multiplicative
 * day-of-week factor. Learning rates are set by time, not by sample count, so the memory is the same in
 * days whether a signal is sampled every minute or every five: an hour bucket remembers about
 * `memoryDays` days and a weekday factor about `memoryWeeks` occurrences of that weekday. Plain arrays, so
 * the scorer's state stays JSON.
 */
import { robustUpdate } from './robust-baseline.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** 24 × [level, scale, samples] and 7 × [factor, samples], flattened. */
export interface SeasonalArrays {
  readonly tod: readonly number[];
  readonly dow: readonly number[];
}

export function initialSeasonal(): SeasonalArrays {
  return { tod: new Array<number>(24 * 3).fill(0), dow: new Array<number>(7 * 2).fill(0) };
}

export interface SeasonalExpectation {
  readonly expected: number;
  readonly scale: number;
  readonly trusted: boolean;
}

function factorOf(s: SeasonalArrays, day: number): number {
  const count = s.dow[day * 2 + 1] ?? 0;
  return count > 0 ? (s.dow[day * 2] ?? 1) : 1;
}

export function seasonalExpectation(s: SeasonalArrays, hour: number, day: number, minSamples: number, floor: number): SeasonalExpectation {
  const level = s.tod[hour * 3] ?? 0;
  const scale = s.tod[hour * 3 + 1] ?? 0;
  const count = s.tod[hour * 3 + 2] ?? 0;
  const factor = level > 0 ? factorOf(s, day) : 1;
  return { expected: level * factor, scale: Math.max(scale * factor, floor), trusted: count >= minSamples };
}

export interface SeasonalLearning {
  readonly hour: number;
  readonly day: number;
  readonly value: number;
  /** Typical time between observations (ms). */
  readonly intervalMs: number;
  /** Outlier weight of this point (1 = normal). */
  readonly weight: number;
  readonly clip: number;
  readonly floor: number;
  /** Scale to start a new hour bucket with. */
  readonly initialScale: number;
  readonly memoryDays: number;
  readonly memoryWeeks: number;
  readonly minSamples: number;
}

export function seasonalLearn(s: SeasonalArrays, p: SeasonalLearning): SeasonalArrays {
  const tod = s.tod.slice();
  const dow = s.dow.slice();
  const b = p.hour * 3;
  const level = tod[b] ?? 0;
  const scale = tod[b + 1] ?? 0;
  const count = tod[b + 2] ?? 0;
  const factor = level > 0 ? factorOf(s, p.day) : 1;
  // The hour bucket learns the value with the weekday factor taken out.
  const deseasonalised = p.value / factor;
  if (count === 0) {
    tod[b] = deseasonalised;
    tod[b + 1] = p.initialScale;
  } else {
    const rate = Math.max(1 / (count + 1), Math.min(1, p.intervalMs / (HOUR_MS * p.memoryDays))) * p.weight;
    const u = robustUpdate(level, Math.max(scale, p.floor), deseasonalised, rate, p.clip);
    tod[b] = u.level;
    tod[b + 1] = u.scale;
  }
  tod[b + 2] = count + 1;
  // The weekday factor learns value / hour level, once the hour bucket is trusted and positive.
  if (count >= p.minSamples && level > 0) {
    const d = p.day * 2;
    const dCount = dow[d + 1] ?? 0;
    const current = dCount > 0 ? (dow[d] ?? 1) : 1;
    const spread = (p.clip * Math.max(scale, p.floor)) / level;
    const ratio = Math.max(current - spread, Math.min(current + spread, p.value / level));
    const rate = Math.max(1 / (dCount + 1), Math.min(1, p.intervalMs / (DAY_MS * p.memoryWeeks))) * p.weight;
    dow[d] = Math.max(0.05, Math.min(20, current + rate * (ratio - current)));
    dow[d + 1] = dCount + 1;
  }
  return { tod, dow };
}
