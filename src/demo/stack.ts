/**
 * The demo stack on loopback: Redis, Prometheus (with backfilled history), Alertmanager (routing of
 * deploy/alertmanager/alertmanager.yml, webhooks to a printing receiver), the synthetic Istio mesh, and
 * `vigil all` in directory mode on deploy/demo/resources. Used by `bash deploy/demo/run.sh` and by the
 * end-to-end smoke test. Everything is a child process or a server of this process, stopped by `stop()`.
 *
 * With `engine: 'victoriametrics'` VictoriaMetrics takes Prometheus's place (it scrapes the same targets
 * with `-promscrape.config`, holds the imported history and answers the worker's and API's queries) and
 * vmalert evaluates the rules, sending to the same Alertmanager; `vigil all` reloads vmalert.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDuration } from '../model/duration.js';
import { loadResources } from '../resources/load-resources.js';
import { compile } from '../rules/compile.js';
import { renderOutput } from '../rules/render-output.js';
import { startAlertReceiver, type AlertReceiver } from './alert-receiver.js';
import { freePort, portFree } from '../runtime/ports.js';
import { answersOk, startProcess, waitFor, type RunningProcess } from '../runtime/process.js';
import { backfillTsdb, backfillVictoriaMetrics } from './backfill.js';
import { demoIncidents, demoMesh, type DemoIncidentOptions } from './mesh.js';
import { backfillPasses, backfillRecordingRules } from '../history/rules-backfill.js';
import { startTrafficServer, type TrafficServer } from './traffic-server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface DemoPorts {
  /** Prometheus, or VictoriaMetrics on `engine: 'victoriametrics'`. */
  readonly prometheus: number;
  /** vmalert (`engine: 'victoriametrics'` only). */
  readonly vmalert: number;
  readonly alertmanager: number;
  readonly redis: number;
  readonly api: number;
  readonly traffic: number;
  readonly receiver: number;
}

/** Fixed ports make the printed URLs stable between runs; a busy one is replaced by a free one. */
export const defaultDemoPorts: DemoPorts = { prometheus: 19090, vmalert: 18880, alertmanager: 19093, redis: 16379, api: 18080, traffic: 19101, receiver: 19095 };

/** What stores the metrics and evaluates the rules. */
export type DemoEngine = 'prometheus' | 'victoriametrics';
export const demoEngines: readonly DemoEngine[] = ['prometheus', 'victoriametrics'];

export interface DemoStackOptions {
  /** Days of history to backfill (default 30). */
  readonly backfillDays?: number;
  readonly incidents?: Partial<Omit<DemoIncidentOptions, 'from'>>;
  readonly ports?: Partial<DemoPorts>;
  /** Resource directory for `vigil all` (default deploy/demo/resources). */
  readonly resources?: string;
  /** Scrape and evaluation interval of the demo Prometheus (default 15s). */
  readonly scrapeInterval?: string;
  /** Worker cycles (default 30s; the smoke test uses less). */
  readonly cycle?: string;
  /** Prometheus (default), or VictoriaMetrics with vmalert. */
  readonly engine?: DemoEngine;
  readonly log?: (line: string) => void;
}

export interface DemoStack {
  readonly engine: DemoEngine;
  /** `prometheus` is the query endpoint: Prometheus, or VictoriaMetrics; `vmalert` only on VictoriaMetrics. */
  readonly urls: { readonly prometheus: string; readonly vmalert?: string; readonly alertmanager: string; readonly api: string; readonly traffic: string; readonly receiver: string; readonly redis: string };
  /** The alert and rule pages of what evaluates the rules: Prometheus's where it serves them (see prometheusPages), or vmalert's. */
  readonly prometheusPages: { readonly alerts: string; readonly rules: string };
  readonly receiver: AlertReceiver;
  readonly workDir: string;
  /** Output of a child process ('vigil', 'prometheus' or 'victoria-metrics' and 'vmalert', 'alertmanager', 'redis'), for diagnostics. */
  output(name: string): string;
  stop(): Promise<void>;
}

async function choosePorts(wanted: DemoPorts): Promise<DemoPorts> {
  const chosen: Record<string, number> = {};
  // 0 asks for any free port (tests); a busy fixed port is replaced the same way.
  for (const [name, port] of Object.entries(wanted)) chosen[name] = port !== 0 && (await portFree(port)) ? port : await freePort();
  return chosen as unknown as DemoPorts;
}

/** GET …/backtest for each SLO until it answers (the catalog reaches the API a moment after start); logs a line each. */
async function backtestEach(api: string, slos: readonly string[], range: string, log: (line: string) => void, signal: AbortSignal): Promise<void> {
  for (const slo of slos) {
    for (let attempt = 0; attempt < 60 && !signal.aborted; attempt++) {
      const res = await fetch(`${api}/api/v1/slos/${slo}/backtest?range=${range}`, { signal }).catch(() => undefined);
      if (res?.ok) {
        const body = (await res.json()) as { sets: Array<{ policies: Array<{ policy: { name: string }; alerts: unknown[] }> }> };
        log(`backtest ${slo} over ${range}: ${body.sets[0]?.policies.map((p) => `${p.policy.name} ${p.alerts.length}`).join(', ')} alert(s) (SLO detail dashboard)`);
        break;
      }
      await res?.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

/**
 * Prometheus's /alerts and /rules pages. Debian's Prometheus 2.x is built without the React UI, so only
 * /classic/alerts and /classic/rules answer there; upstream builds answer both (Prometheus 3 has no /classic).
 */
export async function prometheusPages(prometheusUrl: string): Promise<{ alerts: string; rules: string }> {
  const page = async (name: string) => {
    for (const path of [`/${name}`, `/classic/${name}`]) {
      const res = await fetch(`${prometheusUrl}${path}`).catch(() => undefined);
      await res?.body?.cancel();
      if (res?.ok) return `${prometheusUrl}${path}`;
    }
    return `${prometheusUrl}/${name}`;
  };
  return { alerts: await page('alerts'), rules: await page('rules') };
}

export async function startDemoStack(options: DemoStackOptions = {}): Promise<DemoStack> {
  const log = options.log ?? (() => undefined);
  const engine = options.engine ?? 'prometheus';
  const victoria = engine === 'victoriametrics';
  const ports = await choosePorts({ ...defaultDemoPorts, ...options.ports });
  const work = await mkdtemp(join(tmpdir(), 'vigil-demo-'));
  const children: Record<string, RunningProcess> = {};
  // Output is kept generously: the smoke test prints it when something goes wrong.
  const start = (command: string, args: readonly string[]) => startProcess(command, args, { cwd: root, keepChars: 50_000 });
  let receiver: AlertReceiver | undefined;
  let traffic: TrafficServer | undefined;
  const backtests = new AbortController();
  const stop = async () => {
    // Vigil first (it writes rules and reloads Prometheus or vmalert), then what it talks to.
    backtests.abort();
    for (const name of ['vigil', 'vmalert', 'prometheus', 'victoria-metrics', 'alertmanager', 'redis']) await children[name]?.stop('SIGTERM', 15_000);
    await traffic?.close();
    await receiver?.close();
    await rm(work, { recursive: true, force: true });
  };
  try {
    const now = Math.floor(Date.now() / 1000 / 60) * 60;
    // checkout runs a canary (10 % of its traffic, `checkout-canary`) for the release-gate step.
    // Two views of one mesh: history (recurring incidents after `now` only, so never in it) and the live
    // generator, whose recurring incidents start once Prometheus scrapes it. Traffic between the end of the
    // backfilled history and the first scrape reaches Prometheus only as a counter jump that no 5-minute
    // tile holds, so an incident there would be in the raw counters and never in the budget figures.
    // The past incidents stay anchored to `now` in both views: moved with `from`, they would fall at another
    // hour of the diurnal traffic, the live counters would start below history's last values, and Prometheus
    // would read a counter reset (a false page on payments in one smoke run).
    const incidentsFrom = (from: number) => demoIncidents({ from, ...options.incidents });
    const past = incidentsFrom(now).filter((incident) => incident.schedule.every === undefined);
    const meshFrom = (from: number) =>
      demoMesh({ incidents: [...incidentsFrom(from).filter((incident) => incident.schedule.every !== undefined), ...past], canary: true });
    const config = meshFrom(now);
    const resources = options.resources ?? join(root, 'deploy/demo/resources');
    const rulesDir = join(work, 'rules');
    const dataDir = join(work, 'data');
    await mkdir(rulesDir);
    await mkdir(dataDir);

    const interval = options.scrapeInterval ?? '15s';
    const scrapeConfigs = [
      'scrape_configs:',
      '  - job_name: mesh',
      `    static_configs: [{ targets: ["127.0.0.1:${ports.traffic}"] }]`,
      // `vigil all` serves every role's metrics; alert-rules/vigil-self-monitoring.yaml knows this job name.
      '  - job_name: vigil-all',
      `    static_configs: [{ targets: ["127.0.0.1:${ports.api}"] }]`,
    ];
    const selfMonitoringRules = join(root, 'alert-rules/vigil-self-monitoring.yaml');
    const urls = {
      prometheus: `http://127.0.0.1:${ports.prometheus}`,
      ...(victoria ? { vmalert: `http://127.0.0.1:${ports.vmalert}` } : {}),
      alertmanager: `http://127.0.0.1:${ports.alertmanager}`,
      api: `http://127.0.0.1:${ports.api}`,
      traffic: `http://127.0.0.1:${ports.traffic}`,
      redis: `redis://127.0.0.1:${ports.redis}`,
    };
    const ready = { timeoutMs: 60_000, intervalMs: 250 };
    const days = options.backfillDays ?? 30;
    // History must carry the labels the store adds when it scrapes the live generator (job, instance), or
    // history and live data become separate series.
    const history = { config, start: now - days * 86_400, end: now, log, labels: { job: 'mesh', instance: `127.0.0.1:${ports.traffic}` } };
    const ruleYaml = () => renderOutput(compile(loadResources([resources], root).resources).slos, 'rule-file');

    if (victoria) {
      // VictoriaMetrics scrapes from the start (the targets answer once they are up); the history goes in
      // through its import API before the live mesh starts, the recording rules over it the same way.
      await writeFile(join(work, 'scrape.yml'), ['global:', `  scrape_interval: ${interval}`, ...scrapeConfigs, ''].join('\n'));
      children['victoria-metrics'] = start('victoria-metrics', [
        `-httpListenAddr=127.0.0.1:${ports.prometheus}`,
        `-storageDataPath=${dataDir}`,
        '-retentionPeriod=400d',
        `-promscrape.config=${join(work, 'scrape.yml')}`,
        // Queries at "now" read the latest samples, as on Prometheus (the default hides the last 30 s).
        '-search.latencyOffset=0s',
        // The history and its recordings are imported into the past; a cached rollup would hide them.
        '-search.disableCache',
        '-loggerLevel=ERROR',
      ]);
      await waitFor('VictoriaMetrics', () => answersOk(`${urls.prometheus}/health`), { ...ready, process: children['victoria-metrics'] });
      if (days > 0) {
        log(`importing ${days} days of mesh traffic into VictoriaMetrics…`);
        await backfillVictoriaMetrics({ ...history, url: urls.prometheus });
        log('backfilling the recording rules over that history…');
        await backfillRecordingRules({ ruleYaml: ruleYaml(), victoriaMetricsUrl: urls.prometheus, passes: backfillPasses({ start: history.start, end: history.end }), log });
      }
    } else if (days > 0) {
      // History first, so budgets and health baselines mean something from the first minute.
      log(`backfilling ${days} days of mesh traffic into Prometheus's storage…`);
      await backfillTsdb({ ...history, tsdbDir: dataDir });
      log('backfilling the recording rules over that history…');
      await backfillRecordingRules({ ruleYaml: ruleYaml(), dataDir, passes: backfillPasses({ start: history.start, end: history.end }), log });
    }

    receiver = await startAlertReceiver({ port: ports.receiver, log: (line) => log(`alert: ${line}`) });
    const amConfig = (await readFile(join(root, 'deploy/alertmanager/alertmanager.yml'), 'utf8')).replaceAll('http://127.0.0.1:9095/', `${receiver.url}/`);
    await writeFile(join(work, 'alertmanager.yml'), amConfig);
    children.alertmanager = start('prometheus-alertmanager', [
      `--config.file=${join(work, 'alertmanager.yml')}`,
      `--storage.path=${join(work, 'alertmanager')}`,
      `--web.listen-address=127.0.0.1:${ports.alertmanager}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ]);
    children.redis = start('redis-server', ['--port', String(ports.redis), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', work]);

    if (victoria) {
      // vmalert evaluates Vigil's rule files (written by `vigil all`, which reloads it) and the
      // self-monitoring rules against VictoriaMetrics, writes recordings back and sends alerts to Alertmanager.
      children.vmalert = start('vmalert', [
        `-rule=${join(rulesDir, '*.yaml')}`,
        `-rule=${selfMonitoringRules}`,
        `-datasource.url=${urls.prometheus}`,
        `-remoteWrite.url=${urls.prometheus}`,
        `-notifier.url=${urls.alertmanager}`,
        `-evaluationInterval=${interval}`,
        `-httpListenAddr=127.0.0.1:${ports.vmalert}`,
        '-loggerLevel=WARN',
      ]);
      await waitFor('vmalert', () => answersOk(`${urls.vmalert}/health`), { ...ready, process: children.vmalert });
    } else {
      await writeFile(
        join(work, 'prometheus.yml'),
        [
          'global:',
          `  scrape_interval: ${interval}`,
          `  evaluation_interval: ${interval}`,
          'rule_files:',
          `  - ${JSON.stringify(join(rulesDir, '*.yaml'))}`,
          `  - ${JSON.stringify(selfMonitoringRules)}`,
          'alerting:',
          '  alertmanagers:',
          `    - static_configs: [{ targets: ["127.0.0.1:${ports.alertmanager}"] }]`,
          ...scrapeConfigs,
          '',
        ].join('\n'),
      );
      children.prometheus = start('prometheus', [
        `--config.file=${join(work, 'prometheus.yml')}`,
        `--storage.tsdb.path=${dataDir}`,
        '--storage.tsdb.retention.time=400d',
        `--web.listen-address=127.0.0.1:${ports.prometheus}`,
        '--web.enable-lifecycle',
        '--log.level=error', // backfilled blocks overlap the head at first: harmless, loud warnings
      ]);
      await waitFor('Prometheus', () => answersOk(`${urls.prometheus}/-/ready`), { ...ready, process: children.prometheus });
    }
    // The live mesh starts now that the store scrapes (its first scrape of the target comes within one
    // interval); its recurring incidents begin two scrape intervals later, wholly inside scraped time.
    const scrapeEvery = parseDuration(interval);
    if (!scrapeEvery.ok) throw new Error(`scrapeInterval: ${scrapeEvery.message}`);
    const intervalSeconds = Math.ceil(scrapeEvery.ms / 1000);
    const liveFrom = Math.ceil(Date.now() / 1000) + 2 * intervalSeconds;
    traffic = await startTrafficServer({ config: meshFrom(liveFrom), host: '127.0.0.1', port: ports.traffic });
    await waitFor('Alertmanager', () => answersOk(`${urls.alertmanager}/-/ready`), { ...ready, process: children.alertmanager });

    const cycle = options.cycle ?? '30s';
    children.vigil = start(process.execPath, [
      '--import',
      'tsx',
      join(root, 'src/cli/bin.ts'),
      'all',
      `--source=dir:${resources}`,
      `--rules-dir=${rulesDir}`,
      `--prometheus-url=${urls.prometheus}`,
      ...(urls.vmalert ? [`--rules-reload=vmalert:${urls.vmalert}`] : []),
      `--redis-url=${urls.redis}`,
      `--listen=127.0.0.1:${ports.api}`,
      `--cycle=${cycle}`,
      `--health-cycle=${cycle}`,
      '--health-backfill=1d',
      '--log-level=warn',
    ]);
    await waitFor('vigil all', () => answersOk(`${urls.api}/readyz`), { ...ready, timeoutMs: 120_000, process: children.vigil });
    // The SLO detail dashboard shows each SLO's last backtest: run one per demo SLO over the backfilled
    // history once the API knows them (in the background; stop() cancels it).
    if (days > 0) {
      const slos = compile(loadResources([resources], root).resources).slos.map((s) => `${s.namespace}/${s.name}`);
      void backtestEach(urls.api, slos, `${Math.min(days, 90)}d`, log, backtests.signal).catch((error: Error) => {
        if (!backtests.signal.aborted) log(`backtest: ${error.message}`);
      });
    }
    const pages = urls.vmalert ? { alerts: `${urls.vmalert}/vmalert/alerts`, rules: `${urls.vmalert}/vmalert/groups` } : await prometheusPages(urls.prometheus);
    return { engine, urls: { ...urls, receiver: receiver.url }, prometheusPages: pages, receiver, workDir: work, output: (name) => children[name]?.output() ?? '', stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
