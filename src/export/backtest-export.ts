/**
 * The last backtest of each SLO's current alerting policies as Prometheus metrics, for the SLO detail
 * dashboard: how many pages and tickets each policy would have raised over the replayed range, how much of
 * it they fired, the incidents no page caught and the slowest page. `GET /slos/{ns}/{name}/backtest`
 * stores a summary in one Redis hash (a few hundred bytes per SLO); every API replica exports the hash on
 * its `/metrics`, so the figures are the same whichever replica ran the backtest. Nothing replays on a
 * scrape: a backtest costs range queries and runs only when asked. A summary older than `maxAgeMs`
 * (default 7 days) is left out of the exposition (and pruned on the next write).
 */
import type { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import type { BacktestReport } from '../budget/backtest.js';
import { lastKnown, readFailuresCounter } from '../observability/last-known.js';
import { redisKeys } from '../redis/redis-keys.js';

export const BACKTEST_SUMMARY_MAX_AGE_MS = 7 * 86_400_000;

export interface BacktestSummary {
  /** When the backtest ran (epoch ms). */
  readonly at: number;
  readonly rangeSeconds: number;
  /** Share of the range with recorded tiles. */
  readonly coverage: number;
  readonly policies: ReadonlyArray<{ readonly name: string; readonly severity: string; readonly alerts: number; readonly perWeek: number; readonly firingSeconds: number }>;
  readonly incidents: number;
  /** Incidents consuming ≥ the significant share of the budget that no page caught. */
  readonly missed: number;
  /** The longest detection delay of a significant incident that paged; null when none paged. */
  readonly slowestPageSeconds: number | null;
}

export function summarizeBacktest(report: BacktestReport, atMs: number): BacktestSummary {
  return {
    at: atMs,
    rangeSeconds: report.rangeSeconds,
    coverage: report.coverage,
    policies: report.policies.map((p) => ({ name: p.policy.name, severity: p.policy.severity, alerts: p.intervals.length, perWeek: p.perWeek, firingSeconds: p.firingSeconds })),
    incidents: report.incidents.length,
    missed: report.missed.length,
    slowestPageSeconds: report.detectionDelaysSeconds.length > 0 ? Math.max(...report.detectionDelaysSeconds) : null,
  };
}

/** Stores an SLO's summary (`sloKey` = namespace/name) and drops summaries past `maxAgeMs`. */
export async function storeBacktestSummary(redis: Redis, sloKey: string, summary: BacktestSummary, maxAgeMs = BACKTEST_SUMMARY_MAX_AGE_MS): Promise<void> {
  await redis.hset(redisKeys.backtestSummaries, sloKey, JSON.stringify(summary));
  const all = await redis.hgetall(redisKeys.backtestSummaries);
  const old = Object.entries(all)
    .filter(([, text]) => {
      const at = parseSummary(text)?.at;
      return at === undefined || at < summary.at - maxAgeMs;
    })
    .map(([key]) => key);
  if (old.length > 0) await redis.hdel(redisKeys.backtestSummaries, ...old);
}

function parseSummary(text: string): BacktestSummary | undefined {
  try {
    const s = JSON.parse(text) as BacktestSummary;
    return typeof s.at === 'number' && Array.isArray(s.policies) ? s : undefined;
  } catch {
    return undefined;
  }
}

export function registerBacktestMetrics(registry: Registry, redis: Redis, options: { now?: () => number; maxAgeMs?: number; readTimeoutMs?: number } = {}): void {
  const now = options.now ?? Date.now;
  const maxAgeMs = options.maxAgeMs ?? BACKTEST_SUMMARY_MAX_AGE_MS;
  const readFailures = readFailuresCounter(registry);
  const read = lastKnown(() => redis.hgetall(redisKeys.backtestSummaries), { timeoutMs: options.readTimeoutMs ?? 2000, onFailure: () => readFailures.inc({ source: 'backtest' }) });
  const summaries = async () => {
    const { value } = await read();
    const out: Array<{ namespace: string; slo: string; summary: BacktestSummary }> = [];
    for (const [key, text] of Object.entries(value ?? {})) {
      const summary = parseSummary(text);
      const slash = key.indexOf('/');
      if (!summary || slash < 0 || now() - summary.at > maxAgeMs) continue;
      out.push({ namespace: key.slice(0, slash), slo: key.slice(slash + 1), summary });
    }
    return out;
  };
  const perPolicy = (name: string, help: string, pick: (p: BacktestSummary['policies'][number], s: BacktestSummary) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['slo', 'namespace', 'policy', 'severity'],
      registers: [registry],
      async collect() {
        const all = await summaries();
        this.reset();
        for (const { namespace, slo, summary } of all) for (const p of summary.policies) this.set({ slo, namespace, policy: p.name, severity: p.severity }, pick(p, summary));
      },
    });
  const perSlo = (name: string, help: string, pick: (s: BacktestSummary) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['slo', 'namespace'],
      registers: [registry],
      async collect() {
        const all = await summaries();
        this.reset();
        for (const { namespace, slo, summary } of all) {
          const value = pick(summary);
          if (value !== null) this.set({ slo, namespace }, value);
        }
      },
    });
  perPolicy('vigil_backtest_alerts', 'Last backtest: alerts the policy would have raised over the replayed range.', (p) => p.alerts);
  perPolicy('vigil_backtest_alerts_per_week', 'Last backtest: alerts the policy would have raised per week.', (p) => p.perWeek);
  perPolicy('vigil_backtest_firing_ratio', 'Last backtest: share of the replayed range the policy would have been firing.', (p, s) => (s.rangeSeconds > 0 ? p.firingSeconds / s.rangeSeconds : 0));
  perSlo('vigil_backtest_incidents', 'Last backtest: incidents in the range (runs of 5m tiles burning faster than the budget).', (s) => s.incidents);
  perSlo('vigil_backtest_missed_incidents', 'Last backtest: incidents that consumed a significant share of the budget (2 %) and that no page caught.', (s) => s.missed);
  perSlo('vigil_backtest_slowest_page_seconds', 'Last backtest: the longest delay from the start of a significant incident to its page.', (s) => s.slowestPageSeconds);
  perSlo('vigil_backtest_range_seconds', 'Last backtest: length of the replayed range.', (s) => s.rangeSeconds);
  perSlo('vigil_backtest_coverage_ratio', 'Last backtest: share of the replayed range with recorded tiles.', (s) => s.coverage);
  perSlo('vigil_backtest_timestamp_seconds', 'When the last backtest ran (Unix seconds).', (s) => s.at / 1000);
}
