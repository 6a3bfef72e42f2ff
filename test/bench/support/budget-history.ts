/**
 * The budget benchmarks' synthetic catalog and history (shared by `budget-cycle` and `worker-scale`):
 * SLO i is 70 % rolling 30d, 10 % each Berlin month, UTC week, New York day, with its recorded window ratios,
 * period ratio, 5m tiles for the calendar ones, and a firing page alert for every hundredth.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { defaultWindows } from '../../../src/budget/series-names.js';
import { canonicalDuration } from '../../../src/model/duration.js';
import type { SloCatalogEntry } from '../../../src/budget/slo.js';

/** End of the synthetic history; workers evaluate at this instant. */
export const T = Date.parse('2026-10-28T09:00:00Z');

export function entry(i: number): SloCatalogEntry {
  const base = {
    namespace: `ns-${i % 50}`,
    name: `slo-${i}`,
    service: `svc-${i}`,
    goal: '99.9',
    policies: [
      { name: 'page', threshold: 14.4, lookBackWindow: '1h', secondaryWindow: '5m', severity: 'page' as const },
      { name: 'ticket', threshold: 1, lookBackWindow: '3d', secondaryWindow: '6h', severity: 'ticket' as const },
    ],
  };
  const kind = i % 10;
  if (kind === 7) return { ...base, period: { calendar: { length: 'month', timeZone: 'Europe/Berlin' } } };
  if (kind === 8) return { ...base, period: { calendar: { length: 'week', timeZone: 'UTC' } } };
  if (kind === 9) return { ...base, period: { calendar: { length: 'day', timeZone: 'America/New_York' } } };
  return { ...base, period: { rollingSeconds: 30 * 86_400 } };
}

/** OpenMetrics history for SLOs 0..n-1, for `promtool tsdb create-blocks-from openmetrics`. */
export async function writeHistory(file: string, N: number): Promise<void> {
  const out = createWriteStream(file);
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, 'drain');
  };
  const labels = (i: number) => `slo="slo-${i}",namespace="ns-${i % 50}",service="svc-${i}"`;
  const names = [...defaultWindows.map((w) => `vigil:slo_error_ratio:rate${canonicalDuration(w)}`), 'vigil:slo_error_ratio:period'];
  for (const name of names) {
    for (let i = 0; i < N; i++) {
      const v = 0.0001 * (1 + (i % 17));
      await write(`${name}{${labels(i)}} ${v} ${(T - 120_000) / 1000}\n${name}{${labels(i)}} ${v} ${(T - 60_000) / 1000}\n${name}{${labels(i)}} ${v} ${T / 1000}\n`);
    }
  }
  for (const [name, value] of [['vigil:sli_good:rate5m', 9.99], ['vigil:sli_total:rate5m', 10]] as const) {
    for (let i = 0; i < N; i++) {
      if (i % 10 < 7) continue;
      let lines = '';
      for (let t = T - 2 * 3_600_000; t <= T; t += 300_000) lines += `${name}{${labels(i)}} ${value} ${t / 1000}\n`;
      await write(lines);
    }
  }
  for (let i = 0; i < N; i += 100) {
    await write(`ALERTS{alertname="VigilErrorBudgetBurn",alertstate="firing",policy="page",severity="page",${labels(i)}} 1 ${T / 1000}\n`);
  }
  await write('# EOF\n');
  out.end();
  await once(out, 'finish');
}
