/** Tiering of the recording rules for backfill, and the passes (src/history/rules-backfill.ts). */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.js';
import { backfillPasses, recordingTiers } from '../../src/history/rules-backfill.js';

describe('recording-rule tiers', () => {
  it('puts raw-window rates first, then what reads them: 6h rates, 1d rates, the ratios over them, the budget after the period', async () => {
    let out = '';
    const io = { stdout: (s: string) => void (out += s), stderr: () => undefined, env: process.env, cwd: process.cwd() };
    expect(await main(['generate', '-f', 'deploy/demo/resources', '-o', '-'], io)).toBe(0);
    const tiers = recordingTiers(parse(out).groups);
    const names = tiers.map((t) => [...new Set(t.flatMap((g) => g.rules.map((r) => r.record!)))].sort());
    expect(names.length).toBe(4);
    expect(names[0]).toContain('vigil:sli_good:rate1h');
    expect(names[0]).toContain('vigil:slo_objective:ratio');
    // A raw window's error ratio reads the raw series in one query (src/rules/build-rules.ts), like its rates.
    expect(names[0]!.filter((n) => n.startsWith('vigil:slo_error_ratio')).sort()).toEqual(['vigil:slo_error_ratio:rate1h', 'vigil:slo_error_ratio:rate30m', 'vigil:slo_error_ratio:rate5m']);
    expect(names[1]).toContain('vigil:slo_error_ratio:period');
    expect(names[1]).toContain('vigil:sli_total:rate6h');
    expect(names[2]).toEqual(['vigil:sli_good:rate1d', 'vigil:sli_total:rate1d', 'vigil:slo_error_budget_remaining:ratio', 'vigil:slo_error_ratio:rate6h']);
    expect(names[3]).toEqual(['vigil:slo_error_ratio:rate1d', 'vigil:slo_error_ratio:rate3d']);
    // No alerting rules are backfilled.
    expect(tiers.flat().flatMap((g) => g.rules).every((r) => r.record !== undefined)).toBe(true);
  });

  it('the passes cover the history with 5m and hourly tiles, the 3 days before the last hours with rolling rates, the last hours with everything, without a shared timestamp', () => {
    const end = 30 * 86400 + 1234;
    const [fiveMinute, hourly, rolling, recent] = backfillPasses({ start: 0, end });
    expect(fiveMinute!.select!.test('vigil:sli_total:rate5m')).toBe(true);
    expect(fiveMinute!.select!.test('vigil:sli_total:rate1h')).toBe(false);
    expect([fiveMinute!.start, fiveMinute!.evalInterval]).toEqual([300, 300]);
    expect(hourly!.select!.test('vigil:sli_good:rate1h')).toBe(true);
    expect([hourly!.start, hourly!.evalInterval]).toEqual([3600, 3600]);
    // The live rules read the 1h, 6h and 1d rates at offsets from any evaluation time: every 5 minutes.
    expect(['rate1h', 'rate6h', 'rate1d', 'rate5m'].map((r) => rolling!.select!.test(`vigil:sli_good:${r}`))).toEqual([true, true, true, false]);
    expect(rolling!.evalInterval).toBe(300);
    expect(recent!.select).toBeUndefined();
    // The recent pass starts on the hour six hours back; the rolling pass covers the 3 days before it; the
    // tile passes end just before them.
    expect(recent!.start).toBe(Math.floor((end - 6 * 3600) / 3600) * 3600);
    expect([rolling!.start, rolling!.end]).toEqual([recent!.start - 3 * 86400, recent!.start - 1]);
    expect([fiveMinute!.end, hourly!.end]).toEqual([recent!.start - 1, rolling!.start - 1]);
    // A history shorter than the recent span is one pass.
    expect(backfillPasses({ start: 0, end: 3 * 3600 })).toHaveLength(1);
  });
});
