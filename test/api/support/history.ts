/**
 * The set-up shared by the API tests that read the metrics store: recorded series backfilled into a real
 * Prometheus (`promtool tsdb create-blocks-from openmetrics`), and the API fixture on a real Redis.
 */
import { join } from 'node:path';
import { tempDir } from '../../support/processes.js';
import { startPrometheus, type RunningPrometheus } from '../../support/prometheus.js';
import { backfillHistory } from '../../worker/support/synthetic.js';
import { startAppFixture, type AppFixture } from './app.js';

const H = 3_600_000;
/** End of the history: two days ago on an hour boundary (well inside retention, clear of the head block). */
export const HISTORY_END_MS = Math.floor(Date.now() / H) * H - 48 * H;

export interface RecordedSample {
  readonly name: string;
  readonly labels: string;
  readonly value: number;
  readonly ms: number;
}

export interface RecordedHistory {
  /** A scratch directory, removed by stop(). */
  readonly dir: string;
  readonly prometheus: RunningPrometheus;
  readonly fx: AppFixture;
  stop(): Promise<void>;
}

/** `samples` from `fromMs` to HISTORY_END_MS in a started Prometheus, and the API fixture beside it. */
export async function startRecordedHistory(name: string, fromMs: number, samples: readonly RecordedSample[]): Promise<RecordedHistory> {
  const dir = await tempDir(name);
  let prometheus: RunningPrometheus | undefined;
  try {
    const dataDir = join(dir.path, 'data');
    await backfillHistory(dir.path, dataDir, [], fromMs, HISTORY_END_MS, samples);
    const started = await startPrometheus({ dataDir });
    prometheus = started;
    const fx = await startAppFixture();
    return {
      dir: dir.path,
      prometheus: started,
      fx,
      async stop() {
        await fx.stop();
        await started.stop();
        await dir.remove();
      },
    };
  } catch (error) {
    await prometheus?.stop();
    await dir.remove();
    throw error;
  }
}

const CHECKOUT = 'slo="checkout",namespace="shop",service="checkout"';
/** shop/checkout's period error ratio m minutes before the end: rising by 1e-6 a minute, so consumed = ratio / 0.001. */
export const checkoutPeriodRatio = (minutesBeforeEnd: number) => 0.0005 - minutesBeforeEnd * 1e-6;
/** shop/checkout's outage: every request fails for 20 minutes from an hour before the end. */
export const CHECKOUT_OUTAGE = [HISTORY_END_MS - H, HISTORY_END_MS - H + 20 * 60_000] as const;

/**
 * The recorded series the routes that read the metrics store are tested on, for shop/checkout: the period
 * error ratio over 2 h, a 2h error ratio over the last 10 minutes (a window the worker's result lacks), the
 * service's health score (`healthScore(m)`, m minutes before the end) over 2 h, and 5m tile rates every 30 s
 * over 3 h, 10 req/s, failing through CHECKOUT_OUTAGE: what the backtest replays.
 */
export function checkoutHistory(healthScore: (minutesBeforeEnd: number) => number): RecordedSample[] {
  const T = HISTORY_END_MS;
  const samples: RecordedSample[] = [];
  for (let m = 120; m >= 0; m--) samples.push({ name: 'vigil:slo_error_ratio:period', labels: CHECKOUT, value: checkoutPeriodRatio(m), ms: T - m * 60_000 });
  for (let m = 10; m >= 0; m--) samples.push({ name: 'vigil:slo_error_ratio:rate2h', labels: CHECKOUT, value: 0.0036, ms: T - m * 60_000 });
  for (let m = 120; m >= 0; m--) samples.push({ name: 'vigil_health_score', labels: 'kind="service",namespace="shop",name="checkout"', value: healthScore(m), ms: T - m * 60_000 });
  const [from, to] = CHECKOUT_OUTAGE;
  for (let ms = T - 3 * H; ms <= T; ms += 30_000) {
    const failed = Math.max(0, Math.min(to, ms) - Math.max(from, ms - 300_000)) / 300_000;
    samples.push({ name: 'vigil:sli_total:rate5m', labels: CHECKOUT, value: 10, ms }, { name: 'vigil:sli_good:rate5m', labels: CHECKOUT, value: 10 * (1 - failed), ms });
  }
  return samples;
}
