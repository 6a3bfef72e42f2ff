import { describe, expect, it } from 'vitest';
import { alertingStrategy, detection } from '../../src/budget/alerting-strategy.js';

const H = 3600;
const slo = { objective: 0.999, periodSeconds: 30 * 24 * H };
const workbook = [
  { name: 'page-1h', threshold: 14.4, longWindowSeconds: H, shortWindowSeconds: 300, forSeconds: 0, seconds: 51.84, consumed: 0.02 },
  { name: 'page-6h', threshold: 6, longWindowSeconds: 6 * H, shortWindowSeconds: 1800, forSeconds: 0, seconds: 129.6, consumed: 0.05 },
  { name: 'ticket-3d', threshold: 1, longWindowSeconds: 72 * H, shortWindowSeconds: 6 * H, forSeconds: 0, seconds: 259.2, consumed: 0.1 },
];

describe('alerting strategy (SRE workbook, 99.9 % over 30 d)', () => {
  it.each(workbook)('$name: total outage fires after $seconds s; the long window consumes $consumed of the budget', (p) => {
    const [strategy] = alertingStrategy({ ...slo, policies: [p] });
    expect(strategy!.totalOutage.detectionSeconds).toBeCloseTo(p.seconds, 9);
    expect(strategy!.budgetConsumedOverLongWindow).toBeCloseTo(p.consumed, 12);
    // At detection (no `for`) the outage has consumed exactly the long window's share at the threshold.
    expect(strategy!.totalOutage.budgetConsumed).toBeCloseTo(p.consumed, 12);
    expect(strategy!.minErrorRate).toBeCloseTo(p.threshold * 0.001, 12);
  });

  it('the workbook 14.4x page at 10 % errors fires after 8.64 minutes, plus for', () => {
    const p = { ...workbook[0]!, forSeconds: 120 };
    const point = detection(slo, p, 0.1);
    expect(point.conditionSeconds).toBeCloseTo(518.4, 9);
    expect(point.detectionSeconds).toBeCloseTo(638.4, 9);
    expect(point.budgetConsumed).toBeCloseTo((0.1 * 638.4) / (0.001 * slo.periodSeconds), 12);
  });

  it('never fires at or below threshold × budget', () => {
    const point = detection(slo, workbook[0]!, 0.0144);
    expect(point).toEqual({ errorRate: 0.0144, detectionSeconds: null, conditionSeconds: null, budgetConsumed: null });
  });

  it('the curve runs from a total outage down, detection time growing as the error rate falls', () => {
    const [s] = alertingStrategy({ ...slo, policies: [workbook[1]!] }, [0.01, 1, 0.1]);
    expect(s!.curve.map((c) => c.errorRate)).toEqual([1, 0.1, 0.01]);
    expect(s!.curve[1]!.detectionSeconds).toBeCloseTo(1296, 9);
    expect(s!.curve[2]!.detectionSeconds).toBeCloseTo(12960, 9);
  });

  it('rejects error rates outside (0, 1]', () => {
    expect(() => detection(slo, workbook[0]!, 0)).toThrow(RangeError);
    expect(() => detection(slo, workbook[0]!, 1.5)).toThrow(RangeError);
  });
});
