/**
 * Debian's VictoriaMetrics single-node server and vmalert, started on random loopback ports for the tests.
 * Historic data goes in through VictoriaMetrics' import API; vmalert's replay mode evaluates rule files over
 * a past range and writes the results back by remote write, so hours of rule evaluation take seconds.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, runCommand, startUntilReady, tempDir, type RunningProcess } from './processes.js';
import { instantQuery, type PromVectorSample } from './prometheus.js';
import { flushVictoriaMetrics, importLines } from '../../src/prometheus/victoria-metrics-import.js';

export interface RunningVictoriaMetrics {
  /** Base URL; the Prometheus query API is at `${url}/api/v1/...`, as on Prometheus. */
  readonly url: string;
  readonly port: number;
  readonly process: RunningProcess;
  /** Instant query at `time` (seconds); throws on a query error. */
  query(expr: string, time?: number): Promise<PromVectorSample[]>;
  /** Imports Prometheus exposition lines with millisecond timestamps (`name{labels} value ts`). */
  importLines(lines: readonly string[]): Promise<void>;
  /** Makes everything ingested so far visible to queries (VictoriaMetrics buffers new rows for about a second). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export async function startVictoriaMetrics(): Promise<RunningVictoriaMetrics> {
  const dir = await tempDir('victoria-metrics');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startUntilReady(
    'victoria-metrics',
    'victoria-metrics',
    [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${join(dir.path, 'data')}`,
      '-retentionPeriod=1y',
      // Imported history and replayed rule results land in the past; a cached rollup would hide them.
      '-search.disableCache',
      '-loggerLevel=ERROR',
    ],
    `${url}/health`,
    dir,
  );
  return {
    url,
    port,
    process: proc,
    query: (expr, time) => instantQuery(url, expr, time),
    importLines: (lines) => importLines(url, lines),
    flush: () => flushVictoriaMetrics(url),
    async stop() {
      await proc.stop();
      await dir.remove();
    },
  };
}

/**
 * Runs vmalert's replay over [from, to] (seconds) for the given rule files against `vm` (datasource and
 * remote write), then flushes VictoriaMetrics so the results are queryable. Throws with vmalert's output
 * when it fails or reports a failed rule.
 */
export async function vmalertReplay(vm: RunningVictoriaMetrics, ruleFiles: readonly string[], from: number, to: number): Promise<string> {
  const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
  const result = await runCommand('vmalert', [
    ...ruleFiles.map((f) => `-rule=${f}`),
    `-datasource.url=${vm.url}`,
    `-remoteWrite.url=${vm.url}`,
    `-replay.timeFrom=${iso(from)}`,
    `-replay.timeTo=${iso(to)}`,
    // Rules that read other rules' results are replayed in separate runs (see replayInDependencyOrder),
    // so no rule waits for a sibling's writes inside one run.
    '-replay.rulesDelay=0s',
    // Evaluate every group at its own interval, as Prometheus does. vmalert's default query step (5m) would
    // make replay's range queries return one point per 5 minutes.
    '-datasource.queryStep=0s',
    '-replay.disableProgressBar',
    '-replay.maxDatapointsPerQuery=20000',
    '-loggerLevel=WARN',
  ]);
  const output = result.stdout + result.stderr;
  // vmalert logs a failed rule evaluation at error level and still exits 0.
  if (result.code !== 0 || /\t(error|fatal|panic)\t/.test(output)) {
    throw new Error(`vmalert replay failed (exit ${result.code}):\n${output}`);
  }
  await vm.flush();
  return output;
}

/** `vmalert -dryRun`: parses the rule files and checks every expression against MetricsQL. */
export function vmalertDryRun(ruleFiles: readonly string[]) {
  return runCommand('vmalert', ['-dryRun', ...ruleFiles.map((f) => `-rule=${f}`), '-loggerLevel=WARN']);
}

export async function writeRuleFile(dir: string, name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

export interface RunningVmalert {
  readonly url: string;
  readonly process: RunningProcess;
  stop(): Promise<void>;
}

/**
 * vmalert evaluating `ruleGlob` live against `vm` (datasource and remote write), on a random loopback port,
 * sending alerts to `notifierUrl` (vmalert refuses alerting rules without a notifier).
 */
export async function startVmalert(vm: RunningVictoriaMetrics, ruleGlob: string, notifierUrl: string, evaluationInterval = '5s'): Promise<RunningVmalert> {
  const dir = await tempDir('vmalert');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startUntilReady(
    'vmalert',
    'vmalert',
    [
      `-rule=${ruleGlob}`,
      `-datasource.url=${vm.url}`,
      `-remoteWrite.url=${vm.url}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      `-notifier.url=${notifierUrl}`,
      `-evaluationInterval=${evaluationInterval}`,
      '-loggerLevel=WARN',
    ],
    `${url}/health`,
    dir,
  );
  return {
    url,
    process: proc,
    async stop() {
      await proc.stop();
      await dir.remove();
    },
  };
}
