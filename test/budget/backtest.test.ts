import { describe, expect, it } from 'vitest';
import { backtest, type BacktestPolicy, type BacktestSeries } from '../../src/budget/backtest.js';

const STEP = 30_000;
const START = Date.parse('2026-10-01T00:00:00Z');
const RATE = 10;

/** rate5m samples of a service at RATE req/s whose requests all fail inside `outages` ([from, to) ms). */
function series(hours: number, outages: ReadonlyArray<readonly [number, number]>): BacktestSeries {
  const n = (hours * 3_600_000) / STEP + 1;
  const good: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = START + i * STEP;
    // Share of (t - 5m, t] inside an outage.
    const failed = outages.reduce((s, [a, b]) => s + Math.max(0, Math.min(b, t) - Math.max(a, t - 300_000)), 0) / 300_000;
    total.push(RATE);
    good.push(RATE * (1 - failed));
  }
  return { startMs: START, stepMs: STEP, good, total };
}

const pageFast: BacktestPolicy = { name: 'page-fast', severity: 'page', threshold: 14.4, longWindowSeconds: 3600, shortWindowSeconds: 300, forSeconds: 120 };
const ticket: BacktestPolicy = { name: 'ticket', severity: 'ticket', threshold: 1, longWindowSeconds: 6 * 3600, shortWindowSeconds: 1800, forSeconds: 0 };
const options = { objective: 0.999, periodSeconds: 30 * 86_400, fromMs: START + 3_600_000 };
const H = 3_600_000;

describe('backtest', () => {
  const outage = [START + 2 * H, START + 2 * H + 30 * 60_000] as const;
  const report = backtest(series(6, [outage]), [pageFast, ticket], options);

  it('fires when both windows pass the threshold and `for` has elapsed, and resolves when the short window recovers', () => {
    // 1h window: 60 s of total outage is 1/60 > 14.4 × 0.001 first at +60 s; firing 2 min later.
    const [interval] = report.policies[0]!.intervals;
    expect(report.policies[0]!.intervals).toHaveLength(1);
    expect(interval!.startMs - outage[0]).toBe(180_000);
    // The 5m window is clean again 5 minutes after the outage ends.
    expect(interval!.endMs - outage[1]).toBe(300_000);
    expect(interval!.open).toBe(false);
    // 30 minutes of total outage are 1800 / (0.001 × 30 d) of the budget, all inside the interval.
    expect(interval!.budgetConsumed).toBeCloseTo(1800 / 2592, 9);
  });

  it('finds the incident, its budget and its detection delay', () => {
    expect(report.incidents).toHaveLength(1);
    const [incident] = report.incidents;
    expect([incident!.startMs, incident!.endMs]).toEqual([outage[0], outage[1]]);
    expect(incident!.budgetConsumed).toBeCloseTo(1800 / 2592, 9);
    expect(incident!.pagedBy).toEqual({ policy: 'page-fast', delaySeconds: 180 });
    expect(incident!.ticketedBy?.policy).toBe('ticket');
    expect(report.detectionDelaysSeconds).toEqual([180]);
    expect(report.missed).toEqual([]);
    expect(report.coverage).toBe(1);
  });

  it('counts intervals per week over the replayed range', () => {
    expect(report.rangeSeconds).toBe(5 * 3600);
    expect(report.policies[0]!.perWeek).toBeCloseTo(604_800 / (5 * 3600), 9);
  });

  it('reports an incident no page caught as missed (a policy set compared with another)', () => {
    const lax = { ...pageFast, name: 'lax', threshold: 1000 };
    const other = backtest(series(6, [outage]), [lax], options);
    expect(other.policies[0]!.intervals).toEqual([]);
    expect(other.missed.map((x) => x.startMs)).toEqual([outage[0]]);
    expect(other.detectionDelaysSeconds).toEqual([]);
  });

  it('leaves a small blip below the significance share out of the delays', () => {
    const blip = [START + 2 * H, START + 2 * H + 30_000] as const;
    const r = backtest(series(6, [blip]), [pageFast], options);
    expect(r.incidents).toHaveLength(1);
    expect(r.incidents[0]!.budgetConsumed).toBeLessThan(0.02);
    expect([r.missed, r.detectionDelaysSeconds]).toEqual([[], []]);
  });

  it('an alert still firing at the end is open', () => {
    const r = backtest(series(3, [[START + 2 * H, START + 4 * H]]), [pageFast], options);
    expect(r.policies[0]!.intervals[0]).toMatchObject({ open: true, endMs: START + 3 * H });
  });

  it('rejects steps that do not divide 5 minutes', () => {
    expect(() => backtest({ ...series(1, []), stepMs: 7000 }, [pageFast], options)).toThrow(RangeError);
  });
});
