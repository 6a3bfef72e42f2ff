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
