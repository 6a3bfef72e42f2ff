import { describe, expect, it } from 'vitest';
import { calendarPeriod, isValidTimeZone, localMidnight, zoneOffsetMs, type CalendarLength } from '../../src/budget/calendar.js';

const iso = (ms: number) => new Date(ms).toISOString();
const hours = (p: { startMs: number; endMs: number }) => (p.endMs - p.startMs) / 3_600_000;

describe('calendarPeriod', () => {
  it.each<[string, CalendarLength, string, string, string, string, number]>([
    // name, length, zone, now (UTC), expected start (UTC), expected end (UTC), hours
    ['Berlin day of the October change is 25 h', 'day', 'Europe/Berlin', '2026-10-25T12:00:00Z', '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', 25],
    ['Berlin day of the March change is 23 h', 'day', 'Europe/Berlin', '2026-03-29T12:00:00Z', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', 23],
    ['Berlin ordinary summer day', 'day', 'Europe/Berlin', '2026-07-01T21:59:59Z', '2026-06-30T22:00:00.000Z', '2026-07-01T22:00:00.000Z', 24],
    ['Berlin local midnight belongs to the new day', 'day', 'Europe/Berlin', '2026-07-01T22:00:00Z', '2026-07-01T22:00:00.000Z', '2026-07-02T22:00:00.000Z', 24],
    ['Berlin October month spans the change (745 h)', 'month', 'Europe/Berlin', '2026-10-28T09:00:00Z', '2026-09-30T22:00:00.000Z', '2026-10-31T23:00:00.000Z', 745],
    ['Berlin March month (743 h)', 'month', 'Europe/Berlin', '2026-03-31T21:59:00Z', '2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z', 743],
    ['Berlin December month rolls the year', 'month', 'Europe/Berlin', '2026-12-31T22:59:00Z', '2026-11-30T23:00:00.000Z', '2026-12-31T23:00:00.000Z', 744],
    ['Berlin ISO week with the October change (169 h)', 'week', 'Europe/Berlin', '2026-10-25T10:00:00Z', '2026-10-18T22:00:00.000Z', '2026-10-25T23:00:00.000Z', 169],
    ['Berlin week: Sunday evening is still the week begun Monday', 'week', 'Europe/Berlin', '2026-11-22T22:30:00Z', '2026-11-15T23:00:00.000Z', '2026-11-22T23:00:00.000Z', 168],
    ['Berlin week: Monday 00:00 local starts a new one', 'week', 'Europe/Berlin', '2026-11-22T23:00:00Z', '2026-11-22T23:00:00.000Z', '2026-11-29T23:00:00.000Z', 168],
    ['UTC month of February 2028 (leap)', 'month', 'UTC', '2028-02-15T00:00:00Z', '2028-02-01T00:00:00.000Z', '2028-03-01T00:00:00.000Z', 696],
    ['New York day of the November change', 'day', 'America/New_York', '2026-11-01T12:00:00Z', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z', 25],
    ['Kolkata half-hour offset', 'day', 'Asia/Kolkata', '2026-05-05T20:00:00Z', '2026-05-05T18:30:00.000Z', '2026-05-06T18:30:00.000Z', 24],
    ['Santiago: midnight skipped on the September change, day starts 01:00', 'day', 'America/Santiago', '2026-09-06T12:00:00Z', '2026-09-06T04:00:00.000Z', '2026-09-07T03:00:00.000Z', 23],
  ])('%s', (_name, length, zone, now, start, end, h) => {
    const p = calendarPeriod(length, zone, Date.parse(now));
    expect([iso(p.startMs), iso(p.endMs)]).toEqual([start, end]);
    expect(hours(p)).toBe(h);
  });

  it('always contains now, for every hour across two years in Berlin', () => {
    for (let t = Date.parse('2026-01-01T00:00:00Z'); t < Date.parse('2028-01-01T00:00:00Z'); t += 3_600_000 * 7) {
      for (const length of ['day', 'week', 'month'] as const) {
        const p = calendarPeriod(length, 'Europe/Berlin', t);
        expect(p.startMs <= t && t < p.endMs, `${length} ${iso(t)}`).toBe(true);
      }
    }
  });
});

describe('zone helpers', () => {
  it('reads offsets and rejects unknown zones', () => {
    expect(zoneOffsetMs(Date.parse('2026-07-01T00:00:00Z'), 'Europe/Berlin')).toBe(7_200_000);
    expect(zoneOffsetMs(Date.parse('2026-01-01T00:00:00Z'), 'Europe/Berlin')).toBe(3_600_000);
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(iso(localMidnight({ year: 2026, month: 10, day: 26 }, 'Europe/Berlin'))).toBe('2026-10-25T23:00:00.000Z');
  });
});
