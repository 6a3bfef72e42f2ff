/**
 * A Prometheus loaded with synthetic history for four SLOs (30d rolling, Berlin month across the
 * October DST change, New York ISO week, Tokyo day), evaluated at one pinned instant, plus the derived
 * series backfilled from the contract rules with `promtool tsdb create-blocks-from rules`.
 */
import { readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { SloCatalogEntry } from '../../../src/budget/slo.js';
import { startProcess, tempDir, waitFor, type RunningProcess } from '../../support/processes.js';
import { promtool, startPrometheus, type RunningPrometheus } from '../../support/prometheus.js';
import { writeContractRules } from './contract-rules.js';
import { writeGeneratedDerivedRules } from './generated-rules.js';
import { backfillHistory, type SyntheticSlo } from './synthetic.js';

/** End of the synthetic history (on a 5m and 1h boundary). */
export const T = Date.parse('2026-10-28T09:00:00Z');
/**
 * The instant the worker evaluates at. promtool evaluates the backfilled rules at instants offset by a
 * hash of the group (here T + ~47 s); subquery tiles are aligned to absolute 5m/1h steps, so any
 * evaluation in [T, T + 5m) sums exactly the tiles ending at or before T. The worker reads the latest
 * recorded sample at EVAL.
 */
export const EVAL = T + 60_000;
const H = 3_600_000;
const D = 24 * H;
const at = (iso: string) => Date.parse(iso);

export const synthetic = {
  rolling: {
    namespace: 'shop',
    slo: 'checkout-30d',
    service: 'checkout',
    fiveMinuteFromMs: T - 7 * H,
    totalRate: 10,
    baseErrorRatio: 0.0001,
    incidents: [
      { fromMs: T - 10 * D, toMs: T - 10 * D + 2 * H, errorRatio: 0.2 },
      { fromMs: T - 30 * 60_000, toMs: T, errorRatio: 0.003 },
    ],
  },
  month: {
    namespace: 'eu',
    slo: 'payments-month',
    service: 'payments',
    fiveMinuteFromMs: at('2026-09-30T18:00:00Z'),
    totalRate: 5,
    baseErrorRatio: 0.0002,
    incidents: [
      // Sep 30 in UTC but already October in Berlin (CEST, UTC+2): inside the period.
      { fromMs: at('2026-09-30T22:00:00Z'), toMs: at('2026-10-01T00:00:00Z'), errorRatio: 0.1 },
      // Still September in Berlin: outside the period.
      { fromMs: at('2026-09-30T20:00:00Z'), toMs: at('2026-09-30T22:00:00Z'), errorRatio: 0.5 },
      // The night the clocks go back (02:00–03:00 local happens twice).
      { fromMs: at('2026-10-25T00:00:00Z'), toMs: at('2026-10-25T02:00:00Z'), errorRatio: 0.05 },
    ],
  },
  week: {
    namespace: 'us',
    slo: 'search-week',
    service: 'search',
    fiveMinuteFromMs: at('2026-10-25T20:00:00Z'),
    totalRate: 20,
    baseErrorRatio: 0.0005,
    incidents: [
      // Sunday night in New York, before the ISO week began (Mon 00:00 EDT = 04:00Z).
      { fromMs: at('2026-10-26T02:00:00Z'), toMs: at('2026-10-26T04:00:00Z'), errorRatio: 0.5 },
      { fromMs: at('2026-10-26T04:00:00Z'), toMs: at('2026-10-26T05:00:00Z'), errorRatio: 0.02 },
    ],
  },
  day: {
    namespace: 'jp',
    slo: 'login-day',
    service: 'login',
    fiveMinuteFromMs: at('2026-10-27T08:00:00Z'),
    totalRate: 2,
    baseErrorRatio: 0.001,
    incidents: [
      { fromMs: at('2026-10-27T14:00:00Z'), toMs: at('2026-10-27T15:00:00Z'), errorRatio: 0.5 },
      { fromMs: at('2026-10-28T01:00:00Z'), toMs: at('2026-10-28T01:30:00Z'), errorRatio: 0.1 },
    ],
  },
} satisfies Record<string, SyntheticSlo>;

const pageFast = { name: 'page-fast', threshold: 14.4, lookBackWindow: '1h', secondaryWindow: '5m', severity: 'page' as const, for: '2m' };
const ticket = { name: 'ticket-slow', threshold: 1, lookBackWindow: '3d', secondaryWindow: '6h', severity: 'ticket' as const };

export const catalog: SloCatalogEntry[] = [
  { namespace: 'shop', name: 'checkout-30d', service: 'checkout', goal: '99.9', period: { rollingSeconds: 30 * 86_400 }, policies: [pageFast, ticket] },
  { namespace: 'eu', name: 'payments-month', service: 'payments', goal: '99.5', period: { calendar: { length: 'month', timeZone: 'Europe/Berlin' } }, policies: [ticket] },
  { namespace: 'us', name: 'search-week', service: 'search', goal: '99', period: { calendar: { length: 'week', timeZone: 'America/New_York' } }, policies: [ticket] },
  { namespace: 'jp', name: 'login-day', service: 'login', goal: '99.9', period: { calendar: { length: 'day', timeZone: 'Asia/Tokyo' } }, policies: [] },
];

/** ALERTS samples around T: checkout's page-fast fires, search's ticket is pending. */
function alerts() {
  const out: Array<{ name: string; labels: string; value: number; ms: number }> = [];
  for (let ms = T - 4 * 60_000; ms <= T; ms += 30_000) {
    out.push({ name: 'ALERTS', labels: 'alertname="VigilErrorBudgetBurn",alertstate="firing",slo="checkout-30d",namespace="shop",service="checkout",policy="page-fast",severity="page",long_window="1h",short_window="5m",burn_rate="14.4"', value: 1, ms });
    out.push({ name: 'ALERTS', labels: 'alertname="VigilErrorBudgetBurn",alertstate="pending",slo="search-week",namespace="us",service="search",policy="ticket-slow",severity="ticket",long_window="3d",short_window="6h",burn_rate="1"', value: 1, ms });
  }
  return out;
}

export interface HistoryFixture {
  readonly prometheus: RunningPrometheus;
  /** Stops the Prometheus process (the data stays). */
  pause(): Promise<void>;
  /** Starts Prometheus again on the same port and data. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrometheusWithHistory(): Promise<HistoryFixture> {
  const dir = await tempDir('budget-history');
  const dataDir = join(dir.path, 'data');
  await backfillHistory(dir.path, dataDir, Object.values(synthetic), T - 31 * D, T, alerts());
  let prometheus = await startPrometheus({ dataDir });
  try {
    // Raw windows from the contract emulation; derived windows and the period from the generator itself.
    const rulesFile = join(dir.path, 'contract-rules.yml');
    await writeContractRules(rulesFile, ['5m', '30m', '1h'], undefined);
    const generatedFile = join(dir.path, 'generated-rules.yml');
    const generated = await writeGeneratedDerivedRules(dir.path, generatedFile, catalog);
    const expected = ['vigil:slo_error_ratio:period', ...['2h', '6h', '1d', '3d'].map((w) => `vigil:slo_error_ratio:rate${w}`)];
    if (expected.some((name) => !generated.includes(name))) throw new Error(`generator output lacks derived rules: has ${generated.join(', ')}`);
    const rulesOut = join(dir.path, 'rules-out');
    const result = await promtool([
      'tsdb', 'create-blocks-from', 'rules', '--quiet',
      `--start=${(T - 4 * 60_000) / 1000}`, `--end=${(T + 5 * 60_000) / 1000}`,
      `--url=${prometheus.url}`, `--output-dir=${rulesOut}`, '--eval-interval=1m', rulesFile, generatedFile,
    ]);
    if (result.code !== 0) throw new Error(`promtool create-blocks-from rules failed: ${result.stderr}`);
    await prometheus.process.stop();
    for (const block of await readdir(rulesOut)) await rename(join(rulesOut, block), join(dataDir, block));
    await prometheus.stop();
    prometheus = await startPrometheus({ dataDir });
  } catch (error) {
    await prometheus.stop();
    await dir.remove();
    throw error;
  }
  let restarted: RunningProcess | undefined;
  const running = prometheus;
  return {
    prometheus,
    async pause() {
      await (restarted ?? running.process).stop();
    },
    async resume() {
      restarted = startProcess('prometheus', [
        `--config.file=${running.configPath}`,
        `--storage.tsdb.path=${dataDir}`,
        '--storage.tsdb.retention.time=400d',
        `--web.listen-address=127.0.0.1:${running.port}`,
        '--log.level=warn',
      ]);
      await waitFor('prometheus ready again', async () => (await fetch(`${running.url}/-/ready`)).ok, { timeoutMs: 30_000 });
    },
    async stop() {
      await restarted?.stop();
      await running.stop();
      await dir.remove();
    },
  };
}
