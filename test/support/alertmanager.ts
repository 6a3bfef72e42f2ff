import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, startUntilReady, tempDir, type RunningProcess } from './processes.js';

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
}

export interface GettableAlert {
  labels: Record<string, string>;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[]; silencedBy: string[] };
  receivers: Array<{ name: string }>;
}

export interface RunningAlertmanager {
  readonly url: string;
  readonly port: number;
  readonly process: RunningProcess;
  /** POST /api/v2/alerts. */
  post(alerts: readonly AlertmanagerAlert[]): Promise<void>;
  /** GET /api/v2/alerts (active, silenced and inhibited). */
  alerts(): Promise<GettableAlert[]>;
  stop(): Promise<void>;
}

/** Starts the Debian `prometheus-alertmanager` on a random loopback port, clustering off, with the given config. */
export async function startAlertmanager(configYaml: string): Promise<RunningAlertmanager> {
  const dir = await tempDir('alertmanager');
  const port = await freePort();
  const configPath = join(dir.path, 'alertmanager.yml');
  await writeFile(configPath, configYaml);
  const url = `http://127.0.0.1:${port}`;
  const proc = await startUntilReady(
    'alertmanager',
    'prometheus-alertmanager',
    [`--config.file=${configPath}`, `--storage.path=${join(dir.path, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    `${url}/-/ready`,
    dir,
  );
  return {
    url,
    port,
    process: proc,
    async post(alerts) {
      const response = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
      if (!response.ok) throw new Error(`POST /api/v2/alerts: ${response.status} ${await response.text()}`);
    },
    async alerts() {
      return (await (await fetch(`${url}/api/v2/alerts`)).json()) as GettableAlert[];
    },
    async stop() {
      await proc.stop();
      await dir.remove();
    },
  };
}
