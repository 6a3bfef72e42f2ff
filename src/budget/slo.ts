/**
 * The SLO as the budget worker sees it: one entry of the SLO catalog the controller keeps in Redis.
 * Plain data; `parseCatalogEntry` checks an entry read back from Redis and returns issues, not throws.
 */
import { isValidTimeZone, type CalendarLength } from './calendar.js';
import { objectiveFromGoal, type SloPeriod } from './budget.js';
import { canonicalDuration, parseDuration } from '../model/duration.js';

export interface SloPolicy {
  /** AlertingPolicy name (the `policy` label of `VigilErrorBudgetBurn`). */
  readonly name: string;
  /** Burn-rate factor, e.g. 14.4. */
  readonly threshold: number;
  readonly lookBackWindow: string;
  readonly secondaryWindow: string;
  readonly severity: 'page' | 'ticket';
  /** conditionMetDuration (`for`), e.g. "2m". */
  readonly for?: string;
}

export interface SloCatalogEntry {
  readonly namespace: string;
  readonly name: string;
  /** The selected service's name (`service` label). */
  readonly service: string;
  /** The selected service's namespace; absent in entries written before it existed (then the SLO's). */
  readonly serviceNamespace?: string;
  /** Goal in percent as written in the SLO, e.g. "99.9". */
  readonly goal: string;
  /** Rolling: length in seconds. Calendar: day|week|month in an IANA zone. */
  readonly period: { readonly rollingSeconds: number } | { readonly calendar: { readonly length: CalendarLength; readonly timeZone: string } };
  readonly policies: readonly SloPolicy[];
  /**
   * The raw expressions of the SLO's tile recordings, by tile length in seconds ("300" → the
   * `vigil:sli_*:rate5m` rules, "3600" → `rate1h`): what the worker evaluates over the raw series to fill
   * tiles missing from the recordings. Absent in entries written before gap filling existed.
   */
  readonly rawTiles?: Readonly<Record<string, { readonly good: string; readonly total: string }>>;
}

/** The SLO's identity in Redis and in query results: `namespace/name`. */
export function sloKey(entry: { readonly namespace: string; readonly name: string }): string {
  return `${entry.namespace}/${entry.name}`;
}

export function sloPeriod(entry: SloCatalogEntry): SloPeriod {
  return 'rollingSeconds' in entry.period
    ? { kind: 'rolling', seconds: entry.period.rollingSeconds }
    : { kind: 'calendar', length: entry.period.calendar.length, timeZone: entry.period.calendar.timeZone };
}

/** Canonical windows whose burn rate this SLO reports: the defaults plus every policy's windows. */
export function sloWindows(entry: SloCatalogEntry, defaults: readonly string[]): string[] {
  const windows = new Set(defaults.map(canonicalDuration));
  for (const p of entry.policies) {
    windows.add(canonicalDuration(p.lookBackWindow));
    windows.add(canonicalDuration(p.secondaryWindow));
  }
  const ms = (window: string): number => {
    const parsed = parseDuration(window);
    return parsed.ok ? parsed.ms : 0;
  };
  return [...windows].sort((a, b) => ms(a) - ms(b));
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: string[] };

const isName = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= 253;

/** Validates an untrusted catalog entry (e.g. JSON from Redis). Issues carry dot paths. */
export function parseCatalogEntry(input: unknown): Parsed<SloCatalogEntry> {
  const issues: string[] = [];
  if (typeof input !== 'object' || input === null) return { ok: false, issues: ['entry: must be an object'] };
  const e = input as Record<string, unknown>;
  for (const field of ['namespace', 'name', 'service'] as const) if (!isName(e[field])) issues.push(`${field}: must be a non-empty string`);
  try {
    objectiveFromGoal(e.goal as string);
  } catch (error) {
    issues.push(`goal: ${(error as Error).message}`);
  }
  const period = e.period as Record<string, unknown> | undefined;
  if (period && typeof period.rollingSeconds === 'number') {
    if (!(Number.isInteger(period.rollingSeconds) && period.rollingSeconds >= 300)) issues.push('period.rollingSeconds: must be a whole number of seconds ≥ 300');
  } else if (period && typeof period.calendar === 'object' && period.calendar !== null) {
    const c = period.calendar as Record<string, unknown>;
    if (c.length !== 'day' && c.length !== 'week' && c.length !== 'month') issues.push('period.calendar.length: must be day, week or month');
    if (typeof c.timeZone !== 'string' || !isValidTimeZone(c.timeZone)) issues.push('period.calendar.timeZone: must be an IANA time zone');
  } else {
    issues.push('period: must be {rollingSeconds} or {calendar: {length, timeZone}}');
  }
  if (!Array.isArray(e.policies)) issues.push('policies: must be an array');
  else
    e.policies.forEach((p: Record<string, unknown>, i: number) => {
      if (!isName(p?.name)) issues.push(`policies.${i}.name: must be a non-empty string`);
      if (typeof p?.threshold !== 'number' || !(p.threshold > 0)) issues.push(`policies.${i}.threshold: must be a positive number`);
      for (const w of ['lookBackWindow', 'secondaryWindow'] as const)
        if (typeof p?.[w] !== 'string' || !parseDuration(p[w] as string).ok) issues.push(`policies.${i}.${w}: must be a Prometheus duration`);
      if (p?.severity !== 'page' && p?.severity !== 'ticket') issues.push(`policies.${i}.severity: must be page or ticket`);
    });
  if (e.rawTiles !== undefined) {
    const tiles = e.rawTiles as Record<string, Record<string, unknown>> | null;
    if (typeof tiles !== 'object' || tiles === null) issues.push('rawTiles: must be an object');
    else
      for (const [tile, q] of Object.entries(tiles))
        if (typeof q?.good !== 'string' || typeof q?.total !== 'string') issues.push(`rawTiles.${tile}: must have good and total queries`);
  }
  return issues.length ? { ok: false, issues } : { ok: true, value: input as SloCatalogEntry };
}
