/**
 * Backfill adapter: writes the traffic model's history as OpenMetrics and turns it into TSDB blocks with
 * `promtool tsdb create-blocks-from openmetrics`, or imports it into VictoriaMetrics (`backfillVictoriaMetrics`).
 *
 * promtool (2.42) re-reads its whole input once per 2-hour block, so one 30-day file costs 360 passes over
 * a gigabyte. The history is therefore cut into files of one aligned 2-hour block each: every file is read
 * once, memory and disk stay bounded (one block's file at a time), and progress is reported per block.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importExposition } from '../prometheus/victoria-metrics-import.js';
import { runCommand } from '../runtime/process.js';
import type { MeshConfig } from './mesh.js';
import { backfillTimestamps, openMetricsChunks } from './exposition.js';
import { meshSeries, type SeriesSpec } from './traffic-model.js';

/** promtool's block length, to which its blocks are aligned. */
export const BLOCK_SECONDS = 2 * 3600;

export interface BackfillOptions {
  readonly config: MeshConfig;
  /** Unix seconds; history covers [start, end]. */
  readonly start: number;
  readonly end: number;
  /** Seconds between samples of older history (default 300) and of the last `recentWindow` (default 60 over 6 h). */
  readonly step?: number;
  readonly recentStep?: number;
  readonly recentWindow?: number;
  /**
   * Target labels Prometheus adds when it scrapes the live server — `{job, instance}` exactly as in its
   * scrape config. History must carry them too, or history and live scrapes are different series and
   * every rate across the boundary loses the increase in between.
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export interface BackfillResult {
  readonly series: number;
  readonly samples: number;
  readonly bytes: number;
  readonly blocks: number;
}

function timestampsOf(options: BackfillOptions): number[] {
  return backfillTimestamps({
    start: options.start,
    end: options.end,
    step: options.step ?? 300,
    recentStep: options.recentStep ?? 60,
    recentWindow: options.recentWindow ?? 6 * 3600,
  });
}

async function writeChunks(file: string, chunks: Iterable<string>): Promise<number> {
  const out = createWriteStream(file);
  const failed = once(out, 'error').then(([e]) => Promise.reject(e as Error));
  failed.catch(() => undefined);
  let bytes = 0;
  for (const chunk of chunks) {
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
  }
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
  return bytes;
}

/** Writes the whole history as one OpenMetrics file (for inspection or other importers). */
export async function writeOpenMetricsHistory(file: string, options: BackfillOptions): Promise<BackfillResult> {
  const series = meshSeries(options.config);
  const timestamps = timestampsOf(options);
  const bytes = await writeChunks(file, openMetricsChunks(series, timestamps, { ...(options.labels ? { labels: options.labels } : {}) }));
  return { series: series.length, samples: series.length * timestamps.length, bytes, blocks: 0 };
}

/** Runs `promtool tsdb create-blocks-from openmetrics FILE DIR`; rejects with promtool's output on failure. */
export async function createBlocksFromOpenMetrics(file: string, tsdbDir: string, promtool = 'promtool'): Promise<void> {
  const { code, stdout, stderr } = await runCommand(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', file, tsdbDir]);
  if (code !== 0) throw new Error(`promtool create-blocks-from openmetrics exited ${code}: ${`${stdout}${stderr}`.slice(-10_000)}`);
}

/** The sample times grouped by aligned 2-hour block. */
export function blockWindows(timestamps: readonly number[]): number[][] {
  const windows: number[][] = [];
  let current: number[] = [];
  let block: number | undefined;
  for (const t of timestamps) {
    const b = Math.floor(t / BLOCK_SECONDS);
    if (b !== block && current.length > 0) {
      windows.push(current);
      current = [];
    }
    block = b;
    current.push(t);
  }
  if (current.length > 0) windows.push(current);
  return windows;
}

/**
 * Loads the history into TSDB blocks under `tsdbDir` (Prometheus's --storage.tsdb.path), one promtool run
 * per 2-hour block, `concurrency` at a time (default 2).
 */
export async function backfillTsdb(
  options: BackfillOptions & { tsdbDir: string; promtool?: string; workDir?: string; concurrency?: number },
): Promise<BackfillResult> {
  const series: SeriesSpec[] = meshSeries(options.config);
  const windows = blockWindows(timestampsOf(options));
  const work = options.workDir ?? (await mkdtemp(join(tmpdir(), 'vigil-backfill-')));
  let next = 0;
  let done = 0;
  let bytes = 0;
  let samples = 0;
  let lastPct = -1;
  const started = Date.now();
  const runOne = async (slot: number): Promise<void> => {
    for (;;) {
      const index = next++;
      const window = windows[index];
      if (window === undefined) return;
      const file = join(work, `block-${slot}.om`);
      bytes += await writeChunks(file, openMetricsChunks(series, window, { ...(options.labels ? { labels: options.labels } : {}) }));
      samples += series.length * window.length;
      await createBlocksFromOpenMetrics(file, options.tsdbDir, options.promtool);
      done++;
      const pct = Math.floor((done / windows.length) * 10) * 10;
      if (pct !== lastPct) {
        lastPct = pct;
        const secs = ((Date.now() - started) / 1000).toFixed(0);
        options.log?.(`backfill: ${pct}% (${done}/${windows.length} blocks, ${samples} samples, ${secs} s)`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, (_, slot) => runOne(slot)));
  } finally {
    if (options.workDir === undefined) await rm(work, { recursive: true, force: true });
  }
  return { series: series.length, samples, bytes, blocks: windows.length };
}

/** Imports the history into VictoriaMetrics at `url` through its import API, in requests of about 4 MB. */
export async function backfillVictoriaMetrics(options: BackfillOptions & { url: string }): Promise<BackfillResult> {
  const series = meshSeries(options.config);
  const timestamps = timestampsOf(options);
  const started = Date.now();
  let lastPct = -1;
  const onSeries = (done: number, total: number) => {
    const pct = Math.floor((done / total) * 10) * 10;
    if (pct === lastPct) return;
    lastPct = pct;
    options.log?.(`backfill: ${pct}% (${done}/${total} series, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  };
  let bytes = 0;
  function* counted(): Generator<string> {
    for (const chunk of openMetricsChunks(series, timestamps, { chunkBytes: 4 << 20, onSeries, ...(options.labels ? { labels: options.labels } : {}) })) {
      bytes += Buffer.byteLength(chunk);
      yield chunk;
    }
  }
  await importExposition(options.url, counted());
  return { series: series.length, samples: series.length * timestamps.length, bytes, blocks: 0 };
}
