import { describe, expect, it } from 'vitest';
import { calendarPeriodQuery, cyclePlan, periodTiles, periodTilesQuery, queriesForSlo } from '../../src/budget/query-plan.js';
import { defaultWindows } from '../../src/budget/series-names.js';
import { parseCatalogEntry, sloWindows, type SloCatalogEntry } from '../../src/budget/slo.js';

const baseSlo = (i = 0): SloCatalogEntry => ({
  namespace: `ns-${i % 7}`,
  name: `slo-${i}`,
  service: `svc-${i}`,
  goal: '99.9',
  period: { rollingSeconds: 30 * 86_400 },
  policies: [{ name: 'page-fast', threshold: 14.4, lookBackWindow: '1h', secondaryWindow: '5m', severity: 'page' }],
});
const now = Date.parse('2026-10-28T09:00:00Z');

describe('query plan', () => {
  it('needs the same number of queries for 10 and 10,000 SLOs', () => {
    const mixed = (n: number) =>
      Array.from({ length: n }, (_, i): SloCatalogEntry => {
        const slo = baseSlo(i);
        if (i % 3 === 1) return { ...slo, period: { calendar: { length: 'month', timeZone: 'Europe/Berlin' } } };
        if (i % 3 === 2) return { ...slo, period: { calendar: { length: 'week', timeZone: 'UTC' } }, policies: [{ ...slo.policies[0]!, lookBackWindow: '90m' }] };
        return slo;
      });
    const small = cyclePlan(mixed(10), now, defaultWindows);
    const large = cyclePlan(mixed(10_000), now, defaultWindows);
    // 7 default windows + 90m, the rolling period, the alerts, and one tiles query per period shape (the
    // rolling 30d and the two calendar starts), which gives the calendar periods' figures too.
    expect(large.length).toBe(13);
    expect(small.map((q) => q.expr)).toEqual(large.map((q) => q.expr));
  });

  it('sums 5m tiles of the elapsed calendar period', () => {
    const start = Date.parse('2026-09-30T22:00:00Z');
    expect(calendarPeriodQuery(start, start + 3600_000)?.expr).toBe(
      '1 - sum by (slo, namespace) (sum_over_time(vigil:sli_good:rate5m[3599s:5m])) / sum by (slo, namespace) (sum_over_time(vigil:sli_total:rate5m[3599s:5m]))',
    );
    expect(calendarPeriodQuery(start, start + 299_000)).toBeUndefined();
  });

  it.each([
    ['rolling 30d: 720 hourly tiles', { kind: 'rolling', seconds: 30 * 86_400 } as const, now, { tileSeconds: 3600, rangeSeconds: 720 * 3600 - 1800, expected: 720 }],
    ['rolling 2h: 24 five-minute tiles', { kind: 'rolling', seconds: 7200 } as const, now + 90_000, { tileSeconds: 300, rangeSeconds: 7050, expected: 24 }],
    // Berlin month from Sep 30 22:00Z: 27 days 11 hours (659 h) elapsed at Oct 28 09:00Z.
    ['calendar month', { kind: 'calendar', length: 'month', timeZone: 'Europe/Berlin' } as const, now, { tileSeconds: 300, rangeSeconds: 659 * 3600 - 1, expected: 659 * 12 }],
  ])('period tiles: %s', (_name, period, at, expected) => {
    expect(periodTiles(period, at)).toMatchObject(expected);
  });

  it('counts and sums the recorded tiles of a period for all SLOs in one query', () => {
    const tiles = periodTiles({ kind: 'rolling', seconds: 7 * 86_400 }, now)!;
    expect(periodTilesQuery(tiles).expr).toBe(
      'label_replace(count_over_time((sum by (slo, namespace) (vigil:sli_total:rate1h))[6d23h30m:1h]), "vigil_tile_stat", "count", "", "")' +
        ' or label_replace(sum_over_time((sum by (slo, namespace) (vigil:sli_total:rate1h))[6d23h30m:1h]), "vigil_tile_stat", "total", "", "")' +
        ' or label_replace(sum_over_time((sum by (slo, namespace) (vigil:sli_good:rate1h))[6d23h30m:1h]), "vigil_tile_stat", "good", "", "")',
    );
    expect(periodTiles({ kind: 'calendar', length: 'day', timeZone: 'UTC' }, Date.parse('2026-10-28T00:04:00Z'))).toBeUndefined();
  });

  it('windows are canonical and ordered; no alerts query without policies', () => {
    const slo = { ...baseSlo(), policies: [{ ...baseSlo().policies[0]!, lookBackWindow: '60m', secondaryWindow: '4d' }] };
    expect(sloWindows(slo, ['5m', '1d'])).toEqual(['5m', '1h', '1d', '4d']);
    expect(queriesForSlo({ ...slo, policies: [] }, now, ['5m']).map((q) => q.kind)).toEqual(['window', 'rolling-period', 'period-tiles']);
  });
});

describe('parseCatalogEntry', () => {
  it.each<[string, (e: Record<string, unknown>) => unknown, string[] | undefined]>([
    ['valid rolling', (e) => e, undefined],
    ['valid calendar', (e) => ({ ...e, period: { calendar: { length: 'month', timeZone: 'Europe/Berlin' } } }), undefined],
    ['bad zone', (e) => ({ ...e, period: { calendar: { length: 'month', timeZone: 'Europe/Atlantis' } } }), ['period.calendar.timeZone: must be an IANA time zone']],
    ['bad goal and window', (e) => ({ ...e, goal: '100', policies: [{ ...baseSlo().policies[0], secondaryWindow: 'soon' }] }), [
      'goal: goal must be a percentage in (0, 100), got "100"',
      'policies.0.secondaryWindow: must be a Prometheus duration',
    ]],
    ['not an object', () => 'x', ['entry: must be an object']],
  ])('%s', (_name, edit, issues) => {
    const result = parseCatalogEntry(edit({ ...baseSlo() }));
    if (issues) expect(result).toEqual({ ok: false, issues });
    else expect(result.ok).toBe(true);
  });
});
