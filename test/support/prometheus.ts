import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, runCommand, startUntilReady, tempDir, type RunningProcess } from './processes.js';

export interface PrometheusOptions {
  /** Rule files (absolute paths or globs) loaded by this Prometheus. */
  ruleFiles?: readonly string[];
  /** An existing TSDB directory (e.g. filled by `promtool tsdb create-blocks-from`). */
  dataDir?: string;
  evaluationInterval?: string;
  /** Extra scrape configs, as YAML list items. */
  scrapeConfigsYaml?: string;
  retention?: string;
  /** More command-line flags (e.g. --rules.alert.for-grace-period=0s). */
  extraArgs?: readonly string[];
}

export interface RunningPrometheus {
  readonly url: string;
  readonly port: number;
  readonly configPath: string;
  readonly process: RunningProcess;
  query(expr: string, time?: number): Promise<PromVectorSample[]>;
  stop(): Promise<void>;
}

export interface PromVectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * Instant query of `expr` at `time` (seconds) on any Prometheus-compatible API at `baseUrl` (Prometheus,
 * VictoriaMetrics); throws on a query error.
 */
export async function instantQuery(baseUrl: string, expr: string, time?: number): Promise<PromVectorSample[]> {
  const params = new URLSearchParams({ query: expr });
  if (time !== undefined) params.set('time', String(time));
  const response = await fetch(`${baseUrl}/api/v1/query?${params}`);
  const body = (await response.json()) as { status: string; error?: string; data: { result: PromVectorSample[] } };
  if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error}`);
  return body.data.result;
}

/** Starts the Debian `prometheus` binary on a random loopback port with lifecycle API enabled. */
export async function startPrometheus(options: PrometheusOptions = {}): Promise<RunningPrometheus> {
  const dir = await tempDir('prometheus');
  const port = await freePort();
  const configPath = join(dir.path, 'prometheus.yml');
  const rules = (options.ruleFiles ?? []).map((f) => `  - ${JSON.stringify(f)}`).join('\n');
  await writeFile(
    configPath,
    [
      'global:',
      `  evaluation_interval: ${options.evaluationInterval ?? '1s'}`,
      '  scrape_interval: 1s',
      rules ? `rule_files:\n${rules}` : '',
      options.scrapeConfigsYaml ? `scrape_configs:\n${options.scrapeConfigsYaml}` : '',
    ].join('\n'),
  );
  const url = `http://127.0.0.1:${port}`;
  const proc = await startUntilReady(
    'prometheus',
    'prometheus',
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${options.dataDir ?? join(dir.path, 'data')}`,
      `--storage.tsdb.retention.time=${options.retention ?? '400d'}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--log.level=warn',
      ...(options.extraArgs ?? []),
    ],
    `${url}/-/ready`,
    dir,
  );
  return {
    url,
    port,
    configPath,
    process: proc,
    query: (expr, time) => instantQuery(url, expr, time),
    async stop() {
      await proc.stop();
      await dir.remove();
    },
  };
}

/** Runs `promtool` with the given arguments. */
export function promtool(args: readonly string[], cwd?: string) {
  return runCommand('promtool', args, { cwd });
}
