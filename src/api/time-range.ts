/**
 * Time range parameters of the time-series routes, checked before Prometheus is asked: times are RFC 3339
 * or Unix seconds, the range is at most `maxRangeSeconds` (90 d), and the step at least `minStepSeconds`
 * (15 s) and at least range / `maxPoints` (11,000, Prometheus's own limit per series).
 */
import { parseDuration } from '../model/duration.js';
import { apiError } from './errors.js';

export interface RangeLimits {
  readonly maxRangeSeconds: number;
  readonly minStepSeconds: number;
  readonly maxPoints: number;
  /** Points of the default step (range / this). */
  readonly defaultPoints: number;
}

export const defaultRangeLimits: RangeLimits = { maxRangeSeconds: 90 * 86_400, minStepSeconds: 15, maxPoints: 11_000, defaultPoints: 250 };

export interface TimeRange {
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

function parseTime(name: string, text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(ms)) throw apiError('INVALID_TIME', `${name} "${text}" is neither RFC 3339 (2026-11-22T03:00:00Z) nor Unix seconds`);
  return ms / 1000;
}

export function parseRange(query: { start?: string; end?: string; step?: string }, nowMs: number, limits: RangeLimits = defaultRangeLimits): TimeRange {
  const end = query.end === undefined ? Math.floor(nowMs / 1000) : parseTime('end', query.end);
  const start = query.start === undefined ? end - 86_400 : parseTime('start', query.start);
  if (!(end > start)) throw apiError('INVALID_RANGE', `start (${new Date(start * 1000).toISOString()}) must be before end (${new Date(end * 1000).toISOString()})`);
  const span = end - start;
  if (span > limits.maxRangeSeconds) {
    throw apiError('RANGE_TOO_LARGE', `the range is ${Math.round(span / 86_400)} days; at most ${limits.maxRangeSeconds / 86_400} days per request`);
  }
  const minStep = Math.max(limits.minStepSeconds, Math.ceil(span / limits.maxPoints));
  let step: number;
  if (query.step === undefined) {
    step = Math.max(minStep, Math.ceil(span / limits.defaultPoints));
  } else {
    const duration = parseDuration(query.step);
    const parsed = /^\d+(\.\d+)?$/.test(query.step) ? Number(query.step) : duration.ok ? duration.ms / 1000 : undefined;
    if (parsed === undefined) throw apiError('INVALID_REQUEST', `step "${query.step}" is not a duration (e.g. 1m, 1h) or a number of seconds`);
    if (parsed < minStep) throw apiError('STEP_TOO_SMALL', `step ${query.step} is too small for this range: at least ${minStep}s (≥ ${limits.minStepSeconds}s and ≤ ${limits.maxPoints} points)`);
    step = parsed;
  }
  return { start, end, step };
}
