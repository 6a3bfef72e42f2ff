/**
 * One budget job: read the SLO from the catalog, fetch its rows of the cycle's shared query results,
 * compute its budget state (pure, src/budget/) and store the compact result in Redis.
 */
import type { Redis } from 'ioredis';
import { budgetState, coverageRatio, objectiveFromGoal, policyAlertStates } from '../budget/budget.js';
import { queriesForSlo, type PeriodTiles } from '../budget/query-plan.js';
import { encodeResult } from '../budget/result.js';
import { defaultWindows } from '../budget/series-names.js';
import { sloPeriod } from '../budget/slo.js';
import { readSloCatalogEntry } from '../catalog/slo-catalog.js';
import type { CycleQueryCache, TileStats } from './cycle-cache.js';
import { fillPeriodGaps, type GapFillContext } from './gap-fill.js';
import { redisKeys } from '../redis/redis-keys.js';

export type BudgetJobOutcome = { readonly status: 'computed'; readonly bytes: number } | { readonly status: 'deleted' };

export interface BudgetJobContext {
  readonly redis: Redis;
  readonly cache: CycleQueryCache;
  readonly cycleMs: number;
  /** Wall clock; the evaluation time is its value rounded down to the cycle. */
  readonly now: () => number;
  /** Pins the evaluation instant (tests over synthetic history, backfills); computedAt stays the wall clock. */
  readonly evaluateAtMs?: number;
  /** Fills tiles the recordings lack from the raw series (absent: figures from the recordings alone). */
  readonly gapFill?: GapFillContext;
}

export function evaluationTime(nowMs: number, cycleMs: number): number {
  return Math.floor(nowMs / cycleMs) * cycleMs;
}

export async function runBudgetJob(ctx: BudgetJobContext, slo: string): Promise<BudgetJobOutcome> {
  const entry = await readSloCatalogEntry(ctx.redis, slo);
  if (!entry) {
    await ctx.redis.hdel(redisKeys.budgetResults, slo);
    return { status: 'deleted' };
  }
  const evalTimeMs = ctx.evaluateAtMs ?? evaluationTime(ctx.now(), ctx.cycleMs);
  const windowRatios: Record<string, number | undefined> = {};
  let periodErrorRatio: number | undefined;
  let alertSamples: Awaited<ReturnType<CycleQueryCache['alerts']>> = [];
  let tiles: { readonly plan: PeriodTiles; readonly stats: TileStats } | undefined;
  await Promise.all(
    queriesForSlo(entry, evalTimeMs, defaultWindows).map(async (q) => {
      if (q.kind === 'window') windowRatios[q.window] = await ctx.cache.value(q.expr, evalTimeMs, slo);
      else if (q.kind === 'alerts') alertSamples = await ctx.cache.alerts(q.expr, evalTimeMs, slo);
      else if (q.kind === 'period-tiles') tiles = { plan: q.tiles, stats: await ctx.cache.tileStats(q.expr, q.tiles.endMs, slo) };
      else periodErrorRatio = await ctx.cache.value(q.expr, evalTimeMs, slo);
    }),
  );
  const objective = objectiveFromGoal(entry.goal);
  const recordedCoverage = tiles ? coverageRatio(tiles.stats.count, tiles.plan.expected) : undefined;
  let coverage = recordedCoverage;
  if (tiles) {
    const filled = ctx.gapFill ? await fillPeriodGaps(ctx.gapFill, entry, tiles.plan, tiles.stats) : undefined;
    // Recorded and filled tiles are rates over equal tiles, so the ratio of their sums is the exact event
    // ratio, evaluated at the cycle's instant (the recorded period series may lag a rule evaluation).
    const good = tiles.stats.good + (filled?.good ?? 0);
    const total = tiles.stats.total + (filled?.total ?? 0);
    if (total > 0) periodErrorRatio = 1 - good / total;
    coverage = coverageRatio(tiles.stats.count + (filled?.count ?? 0), tiles.plan.expected);
  }
  const state = budgetState({ objective, period: sloPeriod(entry), periodErrorRatio, windowErrorRatios: windowRatios, coverage, recordedCoverage }, evalTimeMs);
  const encoded = encodeResult({
    service: entry.service,
    evaluatedAtMs: evalTimeMs,
    computedAtMs: ctx.now(),
    objective,
    state,
    alerts: policyAlertStates(entry.policies.map((p) => p.name), alertSamples),
  });
  // Write only if the SLO is still in the catalog (it may have been removed while we computed).
  const written = await ctx.redis.eval(
    "if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end return -1",
    2,
    redisKeys.sloCatalog,
    redisKeys.budgetResults,
    slo,
    encoded,
  );
  return written === -1 ? { status: 'deleted' } : { status: 'computed', bytes: encoded.length };
}
