/**
 * Recording rules written as the rule-generator contract states them (traffic-weighted tile sums: 5m
 * tiles up to 6h, 1h tiles beyond, the rolling period from 1h tiles), used to backfill the derived
 * series a test's worker reads. When src/rules lands, tests can switch to its output.
 *
 * Subquery ranges are one second short of the window (`[3599s:5m]`, not `[1h:5m]`): Prometheus 2.x
 * range selectors include their left end, so `[1h:5m]` sums 13 tiles (65 minutes) and `[30d:1h]` 721.
 */
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { canonicalDuration, parseDuration } from '../../../src/model/duration.js';

/** Whole seconds of a duration the test wrote itself. */
function seconds(window: string): number {
  const parsed = parseDuration(window);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.ms / 1000;
}

export function contractRules(windows: readonly string[], rollingPeriod: string | undefined): string {
  const ratio = (window: string, tile: '5m' | '1h') => {
    const range = `${seconds(window) - 1}s`;
    return `1 - sum by (slo, namespace, service) (sum_over_time(vigil:sli_good:rate${tile}[${range}:${tile}])) / sum by (slo, namespace, service) (sum_over_time(vigil:sli_total:rate${tile}[${range}:${tile}]))`;
  };
  const rules = windows.map((w) => {
    const length = seconds(w);
    const name = canonicalDuration(w);
    const expr = length === 300 ? '1 - vigil:sli_good:rate5m / vigil:sli_total:rate5m' : ratio(name, length <= 6 * 3600 ? '5m' : '1h');
    return { record: `vigil:slo_error_ratio:rate${name}`, expr };
  });
  if (rollingPeriod) rules.push({ record: 'vigil:slo_error_ratio:period', expr: ratio(rollingPeriod, '1h') });
  return stringify({ groups: [{ name: 'vigil-contract', interval: '1m', rules }] });
}

export async function writeContractRules(path: string, windows: readonly string[], rollingPeriod: string | undefined): Promise<void> {
  await writeFile(path, contractRules(windows, rollingPeriod));
}
