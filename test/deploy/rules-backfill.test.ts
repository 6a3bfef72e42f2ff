/** Tiering of the demo's recording rules for backfill (src/demo/rules-backfill.ts). */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.js';
import { demoRulePasses, recordingTiers } from '../../src/demo/rules-backfill.js';

describe('recording-rule tiers', () => {
  it('puts raw-window rates first, ratios derived from them next, the budget last', async () => {
    let out = '';
    const io = { stdout: (s: string) => void (out += s), stderr: () => undefined, env: process.env, cwd: process.cwd() };
    expect(await main(['generate', '-f', 'deploy/demo/resources', '-o', '-'], io)).toBe(0);
    const tiers = recordingTiers(parse(out).groups);
    const names = tiers.map((t) => [...new Set(t.flatMap((g) => g.rules.map((r) => r.record!)))].sort());
    expect(names.length).toBe(3);
    expect(names[0]).toContain('vigil:sli_good:rate1h');
    expect(names[0]).toContain('vigil:slo_objective:ratio');
    expect(names[0]!.every((n) => !n.startsWith('vigil:slo_error_ratio'))).toBe(true);
    expect(names[1]).toContain('vigil:slo_error_ratio:period');
    expect(names[1]).toContain('vigil:slo_error_ratio:rate5m');
    expect(names[2]).toEqual(['vigil:slo_error_budget_remaining:ratio']);
    // No alerting rules are backfilled.
    expect(tiers.flat().flatMap((g) => g.rules).every((r) => r.record !== undefined)).toBe(true);
  });

  it('the demo passes cover the month with hourly tiles and the last hours with everything, without overlap', () => {
    const [month, recent] = demoRulePasses({ start: 0, end: 30 * 86400 });
    expect(month!.select!.test('vigil:sli_total:rate1h')).toBe(true);
    expect(month!.select!.test('vigil:sli_total:rate5m')).toBe(false);
    expect(month!.evalInterval).toBe(3600);
    expect(recent!.select).toBeUndefined();
    expect(recent!.start).toBe(30 * 86400 - 6 * 3600);
    expect(month!.end).toBeLessThan(recent!.start);
  });
});
