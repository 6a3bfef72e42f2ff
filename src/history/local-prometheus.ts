/**
 * A throw-away Prometheus on a TSDB directory, on a free loopback port, for the history commands to query
 * blocks they have just written (tier n of the recording rules reads the blocks of tier n - 1).
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../runtime/ports.js';

/** Runs `body` against a Prometheus serving `dataDir` (started and stopped around it). */
export async function withLocalPrometheus<T>(dataDir: string, workDir: string, binary: string, body: (url: string) => Promise<T>): Promise<T> {
  const port = await freePort();
  const config = join(workDir, 'prometheus.yml');
  await writeFile(config, 'global:\n  scrape_interval: 1m\n');
  const child = spawn(binary, [`--config.file=${config}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=400d', '--log.level=warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-5_000)));
  const started = new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (error) => reject(new Error(`cannot start ${binary}: ${error.message}`)));
  });
  const exited = new Promise<void>((r) => child.once('close', () => r()));
  await started;
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${log.trim()}`);
      try {
        if ((await fetch(`${url}/-/ready`)).ok) break;
      } catch {
        // not listening yet
      }
      if (i > 600) throw new Error(`prometheus not ready after 60 s: ${log.trim()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return await body(url);
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  }
}
