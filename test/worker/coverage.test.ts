/**
 * Coverage and raw gap filling against real Redis and Prometheus. Raw request counters for a month, and
 * Vigil's tile recordings for only part of it: a gap of three days (with an incident inside), a new
 * calendar SLO recorded for six hours over a month of raw history, and a brand-new SLO with two hours of
 * anything. The worker must report each period's coverage and, where raw data exists, budget figures
 * equal to the exact ratio of the raw counters within 0.1 %, from its first cycle, with one raw query
 * per SLO and gap however many cycles run.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BudgetResult } from '../../src/budget/result.js';
import type { SloCatalogEntry } from '../../src/budget/slo.js';
import { createResultsRegistry } from '../../src/export/results-registry.js';
import { createLogger } from '../../src/observability/logger.js';
import { startBudgetWorker, type BudgetWorker } from '../../src/worker/budget-worker.js';
import { upsertSloCatalog } from '../../src/catalog/slo-catalog.js';
import { gapFillKey } from '../../src/redis/redis-keys.js';
import { tempDir, waitFor } from '../support/processes.js';

type TempDir = Awaited<ReturnType<typeof tempDir>>;
import { promtool, startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { startRedis, type RunningRedis } from '../support/redis.js';
import { readResults, samples } from './support/results.js';

const M = 60_000;
const H = 60 * M;
const D = 24 * H;
const TILE = 5 * M;
const T = Date.parse('2026-10-28T09:00:00Z');
const EVAL = T + M;

interface Case {
  readonly name: string;
  readonly rate: number;
  readonly base: number;
  readonly incidents: ReadonlyArray<{ fromMs: number; toMs: number; errorRatio: number }>;
  /** Raw counters from here. */
  readonly rawFromMs: number;
  /** Which tile recordings exist, by tile end time. */
  readonly recorded: (endMs: number) => boolean;
}

const cases = {
  gap: {
    name: 'gap',
    rate: 10,
    base: 0.0002,
    incidents: [{ fromMs: T - 10 * D, toMs: T - 10 * D + 2 * H, errorRatio: 0.2 }],
    rawFromMs: T - 31 * D,
    // Rule evaluation stopped for three days, around the incident.
    recorded: (t) => !(t > T - 12 * D && t <= T - 9 * D),
  },
  newMonth: {
    name: 'new-month',
    rate: 4,
    base: 0.0001,
    incidents: [{ fromMs: Date.parse('2026-10-05T10:00:00Z'), toMs: Date.parse('2026-10-05T11:00:00Z'), errorRatio: 0.1 }],
    rawFromMs: T - 31 * D,
    // Created six hours ago: its rules have run since.
    recorded: (t) => t > T - 6 * H,
  },
  brandNew: {
    name: 'brand-new',
    rate: 2,
    base: 0.001,
    incidents: [],
    rawFromMs: T - 2 * H,
    recorded: (t) => t > T - 2 * H,
  },
} satisfies Record<string, Case>;

const errorRatioAt = (c: Case, ms: number) => c.incidents.find((i) => ms >= i.fromMs && ms < i.toMs)?.errorRatio ?? c.base;

/** Exact bad and total events in (fromMs, toMs] from the counter model (rates constant per 5m tile). */
function events(c: Case, fromMs: number, toMs: number): { bad: number; total: number } {
  let bad = 0;
  let total = 0;
  for (let t = Math.max(fromMs, c.rawFromMs); t < toMs; t += TILE) {
    total += c.rate * 300;
    bad += c.rate * 300 * errorRatioAt(c, t + TILE / 2);
  }
  return { bad, total };
}
const exactRatio = (c: Case, fromMs: number, toMs: number) => {
  const { bad, total } = events(c, fromMs, toMs);
  return bad / total;
};

const raw = (c: Case, windowLabel: string) => ({
  good: `sum(rate(test_requests_total{case="${c.name}", code="ok"}[${windowLabel}])) or vector(0)`,
  total: `sum(rate(test_requests_total{case="${c.name}"}[${windowLabel}]))`,
});
const entry = (c: Case, period: SloCatalogEntry['period']): SloCatalogEntry => ({
  namespace: 'shop',
  name: c.name,
  service: c.name,
  goal: '99.9',
  period,
  policies: [],
  rawTiles: { '300': raw(c, '5m'), '3600': raw(c, '1h') },
});
const catalog = [
  entry(cases.gap, { rollingSeconds: 30 * 86_400 }),
  entry(cases.newMonth, { calendar: { length: 'month', timeZone: 'UTC' } }),
  entry(cases.brandNew, { rollingSeconds: 30 * 86_400 }),
];

/** Raw counters every 5 minutes, and the tile recordings where `recorded` says, as TSDB blocks. */
async function writeHistory(dir: TempDir, dataDir: string): Promise<void> {
  const lines: string[] = ['# TYPE test_requests counter'];
  for (const c of Object.values(cases)) {
    for (const code of ['ok', 'err'] as const) {
      let value = 0;
      for (let t = c.rawFromMs; t <= T + 5 * M; t += TILE) {
        lines.push(`test_requests_total{case="${c.name}",code="${code}"} ${value} ${t / 1000}`);
        const e = errorRatioAt(c, t + TILE / 2);
        value += c.rate * 300 * (code === 'ok' ? 1 - e : e);
      }
    }
  }
  for (const [tileMs, suffix] of [[TILE, '5m'], [H, '1h']] as const) {
    for (const kind of ['good', 'total'] as const) {
      lines.push(`# TYPE vigil:sli_${kind}:rate${suffix} gauge`);
      for (const c of Object.values(cases)) {
        for (let t = Math.ceil((T - 31 * D) / tileMs) * tileMs; t <= T; t += tileMs) {
          if (!c.recorded(t) || t - tileMs < c.rawFromMs) continue;
          const { bad, total } = events(c, t - tileMs, t);
          const value = (kind === 'total' ? total : total - bad) / (tileMs / 1000);
          lines.push(`vigil:sli_${kind}:rate${suffix}{slo="${c.name}",namespace="shop",service="${c.name}"} ${value} ${t / 1000}`);
        }
      }
    }
  }
  const file = join(dir.path, 'history.om');
  await writeFile(file, `${lines.join('\n')}\n# EOF\n`);
  const result = await promtool(['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', '--max-block-duration=2232h', file, dataDir]);
  if (result.code !== 0) throw new Error(`promtool failed: ${result.stderr}`);
}

let dir: TempDir;
let redisServer: RunningRedis;
let prometheus: RunningPrometheus;
let redis: Redis;
let worker: BudgetWorker;
let first: Map<string, BudgetResult>;

beforeAll(async () => {
  dir = await tempDir('coverage');
  const dataDir = join(dir.path, 'data');
  await writeHistory(dir, dataDir);
  [redisServer, prometheus] = await Promise.all([startRedis(), startPrometheus({ dataDir })]);
  redis = new Redis(redisServer.url);
  expect((await upsertSloCatalog(redis, catalog)).rejected).toEqual([]);
  worker = await startBudgetWorker({ redisUrl: redisServer.url, prometheusUrl: prometheus.url, cycleMs: 1000, evaluateAtMs: EVAL, logger: createLogger({ level: 'warn' }) });
  first = await waitFor('three budget results', async () => {
    const results = await readResults(redis);
    return results.size === 3 ? results : undefined;
  });
});

afterAll(async () => {
  await worker?.close();
  redis?.disconnect();
  await Promise.all([redisServer?.stop(), prometheus?.stop()]);
  await dir?.remove();
});

function expectRelative(actual: number | undefined, expected: number, what: string): void {
  expect(actual, what).toBeTypeOf('number');
  expect(Math.abs(actual! - expected) / Math.abs(expected), `${what}: ${actual} vs ${expected}`).toBeLessThan(0.001);
}

describe('period coverage and raw gap filling', () => {
  it('a three-day gap in the recordings: the incident inside it still counts, and the gap is reported', () => {
    const r = first.get('shop/gap')!;
    const ratio = exactRatio(cases.gap, T - 30 * D, T);
    expectRelative(r.state.consumed, ratio / 0.001, 'consumed');
    expectRelative(r.state.compliance, 1 - ratio, 'compliance');
    // Without the incident (lost in the gap) the figure would be under a third of that.
    expect(ratio).toBeGreaterThan(3 * cases.gap.base);
    expect(r.state.recordedCoverage).toBeCloseTo(1 - 72 / 720, 9);
    expect([r.state.coverage, r.state.partial]).toEqual([1, false]);
  });

  it('a new calendar SLO with a month of raw history is right on its first cycle', () => {
    const r = first.get('shop/new-month')!;
    const start = Date.parse('2026-10-01T00:00:00Z');
    const elapsed = (EVAL - start) / (Date.parse('2026-11-01T00:00:00Z') - start);
    const ratio = exactRatio(cases.newMonth, start, T);
    expectRelative(r.state.compliance, 1 - ratio, 'compliance');
    expectRelative(r.state.consumed, (ratio * elapsed) / 0.001, 'consumed');
    expect(r.state.recordedCoverage).toBeCloseTo(72 / ((T - start) / TILE), 9);
    expect([r.state.coverage, r.state.partial]).toEqual([1, false]);
  });

  it('a new SLO without raw history: figures over what exists, marked partial', () => {
    const r = first.get('shop/brand-new')!;
    expectRelative(r.state.compliance, 1 - exactRatio(cases.brandNew, T - 2 * H, T), 'compliance');
    expect(r.state.coverage).toBeCloseTo(2 / 720, 9);
    expect(r.state.partial).toBe(true);
  });

  it('queries the raw series once per SLO and gap, not per cycle', async () => {
    const since = Date.now();
    await waitFor('three more cycles', async () => [...(await readResults(redis)).values()].every((r) => r.computedAtMs > since + 2000), { timeoutMs: 10_000 });
    const sent = (await worker.metrics.gapFillQueries.get()).values[0]?.value;
    expect(sent).toBe(3);
    const ledger = JSON.parse((await redis.get(gapFillKey('shop/gap')))!) as { filled: unknown[]; empty: unknown[] };
    expect([ledger.filled.length, ledger.empty.length]).toEqual([72, 0]);
    // Later cycles give the same figures from the ledger.
    const now = await readResults(redis);
    for (const [key, r] of first) expect(now.get(key)?.state.consumed, key).toBeCloseTo(r.state.consumed!, 12);
  });

  it('exports coverage per SLO', async () => {
    const text = await createResultsRegistry(redis, { cycleMs: 1000, staleCycles: 3600 }).metrics();
    const coverage = new Map(samples(text, 'vigil_slo_period_coverage_ratio'));
    const recorded = new Map(samples(text, 'vigil_slo_period_recorded_coverage_ratio'));
    expect(coverage.get('{slo="gap",namespace="shop",service="gap"}')).toBe(1);
    expect(recorded.get('{slo="gap",namespace="shop",service="gap"}')).toBeCloseTo(0.9, 9);
    expect(coverage.get('{slo="brand-new",namespace="shop",service="brand-new"}')).toBeCloseTo(2 / 720, 9);
  });
});
