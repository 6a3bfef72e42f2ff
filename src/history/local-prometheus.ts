/**
 * A throw-away Prometheus on a TSDB directory, on a free loopback port, for the history commands to query
 * blocks they have just written (tier n of the recording rules reads the blocks of tier n - 1).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../runtime/ports.js';
import { answersOk, startProcess, waitFor } from '../runtime/process.js';

/** Runs `body` against a Prometheus serving `dataDir` (started and stopped around it). */
export async function withLocalPrometheus<T>(dataDir: string, workDir: string, binary: string, body: (url: string) => Promise<T>): Promise<T> {
  const port = await freePort();
  const config = join(workDir, 'prometheus.yml');
  await writeFile(config, 'global:\n  scrape_interval: 1m\n');
  const prometheus = startProcess(binary, [`--config.file=${config}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=400d', '--log.level=warn'], { keepChars: 5_000 });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor('prometheus (history backfill) ready', () => answersOk(`${url}/-/ready`), { timeoutMs: 60_000, process: prometheus });
    return await body(url);
  } finally {
    await prometheus.stop();
  }
}
