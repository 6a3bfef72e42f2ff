/**
 * Calendar period boundaries (day, ISO week starting Monday, month) in an IANA time zone, via Intl.
 * Pure: the instant is an argument. A period's length follows the wall clock, so a day in Europe/Berlin
 * is 23 h on the March change and 25 h on the October one.
 */
export type CalendarLength = 'day' | 'week' | 'month';

export interface CalendarPeriod {
  /** Inclusive start, epoch milliseconds (local midnight of the first day). */
  readonly startMs: number;
  /** Exclusive end, epoch milliseconds (local midnight after the last day). */
  readonly endMs: number;
}

interface LocalDate {
  readonly year: number;
  readonly month: number; // 1..12
  readonly day: number; // 1..31
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Throws RangeError for an unknown zone, which is what callers want.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock fields of an instant in a zone. */
export function localParts(epochMs: number, timeZone: string): LocalDate & { hour: number; minute: number; second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(epochMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute!, second: parts.second! };
}

/** The zone's offset from UTC at an instant, in milliseconds (Berlin summer: +7,200,000). */
export function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const p = localParts(epochMs, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/**
 * The first instant at which the local wall clock in `timeZone` reads `date` 00:00. If midnight does not
 * exist that day (a DST gap at midnight), the first instant of the day after the gap.
 */
export function localMidnight(date: LocalDate, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day);
  // Two candidate offsets: the one just before and just after the wall time read as UTC.
  const candidates = new Set([zoneOffsetMs(wall - 86_400_000, timeZone), zoneOffsetMs(wall + 86_400_000, timeZone), zoneOffsetMs(wall, timeZone)]);
  let best: number | undefined;
  for (const offset of candidates) {
    const instant = wall - offset;
    if (zoneOffsetMs(instant, timeZone) === offset && (best === undefined || instant < best)) best = instant;
  }
  if (best !== undefined) return best;
  // Midnight falls in a gap: the day starts when the gap ends.
  const before = wall - Math.max(...candidates);
  const after = wall - Math.min(...candidates);
  let lo = Math.min(before, after);
  let hi = Math.max(before, after);
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2);
    const p = localParts(mid, timeZone);
    if (Date.UTC(p.year, p.month - 1, p.day) < wall) lo = mid;
    else hi = mid;
  }
  return hi;
}

function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function firstDay(length: CalendarLength, today: LocalDate): { first: LocalDate; next: LocalDate } {
  switch (length) {
    case 'day':
      return { first: today, next: addDays(today, 1) };
    case 'week': {
      const weekday = new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay(); // 0 = Sunday
      const first = addDays(today, -((weekday + 6) % 7));
      return { first, next: addDays(first, 7) };
    }
    case 'month': {
      const next = today.month === 12 ? { year: today.year + 1, month: 1, day: 1 } : { year: today.year, month: today.month + 1, day: 1 };
      return { first: { year: today.year, month: today.month, day: 1 }, next };
    }
  }
}

/** The calendar period of `length` in `timeZone` that contains the instant `nowMs`. */
export function calendarPeriod(length: CalendarLength, timeZone: string, nowMs: number): CalendarPeriod {
  const today = localParts(nowMs, timeZone);
  const { first, next } = firstDay(length, today);
  return { startMs: localMidnight(first, timeZone), endMs: localMidnight(next, timeZone) };
}

/** Nominal period lengths in seconds, as the rule generator uses them for `vigil:slo_error_ratio:period`. */
export const nominalCalendarSeconds: Readonly<Record<CalendarLength, number>> = { day: 86_400, week: 604_800, month: 2_592_000 };
