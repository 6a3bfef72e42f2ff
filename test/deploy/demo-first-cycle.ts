/**
 * The demo's first worker cycle against the store's raw counters, for the demo tests on either engine: each
 * demo SLO's figures as the API first served them, and the check that they equal the exact error ratio of
 * the raw counters over the same tiles (queried from the store the demo runs on: Prometheus or VictoriaMetrics).
 */
import { expect } from 'vitest';
import type { HistorySlo } from '../../src/cli/history-slo.js';
import { waitFor } from '../support/processes.js';

export interface FirstFigures {
  evaluatedAt: string;
  periodStart: string;
  periodEnd: string;
  compliance: number | null;
  budgetConsumed: number | null;
  coverage: number | null;
  recordedCoverage: number | null;
  partial: boolean;
}

/** Polls the API until every SLO has figures and keeps the first ones seen (cycles must be a few seconds apart). */
export async function collectFirstFigures(api: string, slos: readonly HistorySlo[], timeoutMs = 60_000): Promise<Map<string, FirstFigures>> {
  const first = new Map<string, FirstFigures>();
  await waitFor(
    "every demo SLO's first figures",
    async () => {
      for (const slo of slos) {
        if (first.has(slo.entry.name)) continue;
        const body = (await (await fetch(`${api}/api/v1/slos/${slo.entry.namespace}/${slo.entry.name}`)).json()) as { current: FirstFigures | null };
        if (body.current) first.set(slo.entry.name, body.current);
      }
      return first.size === slos.length ? true : undefined;
    },
    { timeoutMs, intervalMs: 200 },
  );
  return first;
}

/**
 * Each SLO's first-cycle budget consumed and compliance equal the raw counters' exact error ratio over the
 * same tiles within 0.1 %, and its coverage is the backfilled share of the period.
 */
export async function expectFirstCycleMatchesRawCounters(queryUrl: string, slos: readonly HistorySlo[], first: ReadonlyMap<string, FirstFigures>, backfillDays: number): Promise<void> {
  for (const slo of slos) {
    const name = slo.entry.name;
    const figures = first.get(name)!;
    const at = Date.parse(figures.evaluatedAt) / 1000;
    const start = Date.parse(figures.periodStart) / 1000;
    const calendar = 'calendar' in slo.entry.period;
    // The figure sums whole tiles (README "History"): a calendar period's 5m tiles of the elapsed part, a
    // rolling period's hourly tiles, so it ends at the last tile boundary, not at the evaluation instant.
    const tileEnd = calendar ? start + Math.floor((at - start) / 300) * 300 : Math.floor(at / 3600) * 3600;
    const tileStart = calendar ? start : tileEnd - slo.periodSeconds;
    // The tile recordings' raw expressions (rates over 5m) as increases over exactly those tiles.
    const raw = slo.entry.rawTiles!['300']!;
    const over = (expr: string) => `(${expr.replaceAll('rate(', 'increase(').replaceAll('[5m]', `[${tileEnd - tileStart}s]`)})`;
    const response = await fetch(`${queryUrl}/api/v1/query?${new URLSearchParams({ query: `1 - ${over(raw.good)} / ${over(raw.total)}`, time: String(tileEnd) })}`);
    const body = (await response.json()) as { data: { result: Array<{ value: [number, string] }> } };
    const exact = Number(body.data.result[0]?.value[1]);
    expect(exact, `${name}: raw error ratio`).toBeGreaterThan(0);
    const elapsed = calendar ? (at - start) / (Date.parse(figures.periodEnd) / 1000 - start) : 1;
    const expected = (exact * elapsed) / (1 - slo.objective);
    console.info(`${name}: first cycle consumed ${figures.budgetConsumed} vs ${expected} from the raw counters (${((figures.budgetConsumed! / expected - 1) * 100).toFixed(4)} %), coverage ${figures.coverage}`);
    expect(Math.abs(figures.budgetConsumed! - expected) / expected, `${name}: consumed ${figures.budgetConsumed} vs ${expected} from the raw counters`).toBeLessThan(0.001);
    expect(Math.abs(1 - figures.compliance! - exact) / exact, `${name}: compliance ${figures.compliance} vs ${1 - exact}`).toBeLessThan(0.001);
    // Coverage: periods longer than the backfilled days are partly covered, and say so.
    const covered = Math.min(1, (backfillDays * 86_400) / (at - start));
    expect(Math.abs(figures.coverage! - covered), `${name}: coverage ${figures.coverage} vs ${covered} backfilled`).toBeLessThanOrEqual(0.01);
    expect(figures.partial, `${name}: partial`).toBe(covered < 0.99);
  }
}
