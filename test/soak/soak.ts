/**
 * The chaos soak: `npm run soak` (full: 1,000 SLOs, 1,000 health entities, at least 20 minutes),
 * `npm run soak -- --short` (200 SLOs, faults within 2 minutes) or `npm run soak -- --ci` (40 SLOs, about
 * 2 minutes in all: what test/soak/soak-ci.test.ts runs in CI). Everything runs on
 * 127.0.0.1 with random ports and stops by itself: real Redis and Prometheus, `vigil controller` (directory
 * mode), two `vigil worker`s and `vigil api` as separate processes, and the soak mesh (the demo's traffic
 * model at constant rates, so the exact error ratio of every SLO is known).
 *
 * Faults, one after the other, each followed by a measured recovery: SIGKILL of each role in turn (worker,
 * controller, API, the other worker), Redis killed and restarted empty, Prometheus stopped (5 minutes; 20 s
 * in the short run). Throughout: SLO files edited, broken and fixed in a loop, and the API under load with
 * valid and invalid tokens.
 *
 * Checked continuously: every SLO's rule groups loaded by Prometheus, every SLO's result present and
 * fresh, the worker's 5m, 30m and 1h burn rates (the raw windows) against the exact ratio, no page for an
 * SLO that should not page, and the API's answers. Prints a summary and exits 1 when a goal is missed: an
 * SLO lost (rules or results missing at the end), a false page, an unexpected 5xx (any 5xx except the API's
 * documented 503 for the dependency that is down: REDIS_UNAVAILABLE during the Redis outage,
 * PROMETHEUS_UNAVAILABLE during the Prometheus one; OVERLOADED is never expected), a wrong figure, or a
 * fault the system did not recover from.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { decodeResult, type BudgetResult } from '../../src/budget/result.js';
import { healthKeys, redisKeys } from '../../src/redis/redis-keys.js';
import { freePort, startProcess, tempDir, waitFor, type RunningProcess } from '../support/processes.js';
import { startRedis, type RunningRedis } from '../support/redis.js';
import { BURNING_ERROR_RATIO, QUIET_ERROR_RATIO, SOAK_NAMESPACE, soakServiceName, startSoakTraffic } from './soak-mesh.js';

export interface SoakOptions {
  /** Wall-clock length of the fault schedule (ms); the run adds start-up and the final recovery. */
  readonly durationMs: number;
  readonly services: number;
  readonly burning: number;
  readonly prometheusOutageMs: number;
  readonly cycleMs: number;
  /** Longest wait for recovery after one fault. */
  readonly recoveryTimeoutMs: number;
  readonly label: string;
  readonly log: (line: string) => void;
}

export interface FaultRecovery {
  readonly fault: string;
  /** ms from the fault's end (process restarted, server back) until every check passed; undefined = never. */
  readonly recoveredMs: number | undefined;
}

export interface SoakReport {
  readonly slos: number;
  readonly entities: number;
  readonly ranMs: number;
  readonly lostSlos: string[];
  readonly falsePages: string[];
  readonly expectedPagesFiring: number;
  readonly expectedPages: number;
  readonly wrongFigures: number;
  readonly figuresChecked: number;
  readonly lateResults: number;
  readonly resultChecks: number;
  readonly recoveries: FaultRecovery[];
  readonly requests: number;
  readonly unexpected5xx: number;
  readonly expected503: number;
  readonly refusedWhileApiDown: number;
  readonly statusCounts: Record<string, number>;
  readonly fileEdits: number;
  readonly ok: boolean;
}

const repo = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(repo, 'src/cli/bin.ts');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The API's error code (`{"error": "REDIS_UNAVAILABLE", …}`), or undefined for another body. */
function errorCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

function sloYaml(service: string, name: string, goal: string, period: string, description: string): string {
  return [
    'apiVersion: sre.vigil.dev/v1alpha1',
    'kind: ServiceLevelObjective',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${SOAK_NAMESPACE}`,
    'spec:',
    `  description: ${JSON.stringify(description)}`,
    `  selector: {name: ${service}, namespace: ${SOAK_NAMESPACE}}`,
    '  sli:',
    '    templateRef: {name: http-requests-success-rate, namespace: vigil-system}',
    '  slo:',
    `    goal: "${goal}"`,
    `    rolling: {length: ${period}}`,
    '  alertingPolicySet: workbook',
  ].join('\n');
}

interface SloSpec {
  readonly name: string;
  readonly objective: number;
  readonly errorRatio: number;
  readonly pages: boolean;
}

/** Two SLOs per service: 99.9 % over 30 d (pages when the service burns) and 99 % over 28 d (never pages). */
function sloSpecs(services: number, burning: number): SloSpec[] {
  const out: SloSpec[] = [];
  for (let i = 0; i < services; i++) {
    const e = i < burning ? BURNING_ERROR_RATIO : QUIET_ERROR_RATIO;
    out.push({ name: `${soakServiceName(i)}-availability`, objective: 0.999, errorRatio: e, pages: e / 0.001 > 14.4 });
    out.push({ name: `${soakServiceName(i)}-availability-99`, objective: 0.99, errorRatio: e, pages: e / 0.01 > 14.4 });
  }
  return out;
}

const SLO_FILES = 10;
/** The windows whose burn rates are compared with the exact ratio, and how far they may be off (relative). */
const CHECKED_WINDOWS = ['5m', '30m', '1h'] as const;
const FIGURE_TOLERANCE = 0.01;

async function writeSloFiles(dir: string, services: number, revision: Map<number, number>): Promise<void> {
  const perFile = Math.ceil(services / SLO_FILES);
  for (let f = 0; f < SLO_FILES; f++) {
    const docs: string[] = [];
    for (let i = f * perFile; i < Math.min(services, (f + 1) * perFile); i++) {
      const rev = revision.get(f) ?? 0;
      docs.push(sloYaml(soakServiceName(i), `${soakServiceName(i)}-availability`, '99.9', '30d', `99.9% of requests succeed (revision ${rev})`));
      docs.push(sloYaml(soakServiceName(i), `${soakServiceName(i)}-availability-99`, '99', '28d', `99% of requests succeed (revision ${rev})`));
    }
    if (docs.length > 0) await writeFile(join(dir, `slos-${f}.yaml`), `${docs.join('\n---\n')}\n`);
  }
}

interface Role {
  readonly name: string;
  readonly args: readonly string[];
  readonly readyUrl: string;
  proc: RunningProcess | undefined;
}

async function startRole(role: Role, log: (line: string) => void): Promise<void> {
  role.proc = startProcess(process.execPath, ['--import', 'tsx', bin, ...role.args], { cwd: repo });
  await waitFor(
    `${role.name} ready`,
    async () => {
      if (role.proc!.child.exitCode !== null) throw new Error(`${role.name} exited: ${role.proc!.output().slice(-2000)}`);
      return (await fetch(role.readyUrl, { signal: AbortSignal.timeout(2000) })).ok;
    },
    { timeoutMs: 300_000, intervalMs: 250 },
  );
  log(`  ${role.name} up`);
}

interface PrometheusHandle {
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  up(): boolean;
}

async function prometheusServer(dir: string, port: number, config: string): Promise<PrometheusHandle> {
  const url = `http://127.0.0.1:${port}`;
  const configPath = join(dir, 'prometheus.yml');
  await writeFile(configPath, config);
  let proc: RunningProcess | undefined;
  const args = [
    `--config.file=${configPath}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-lifecycle',
    '--log.level=warn',
  ];
  return {
    url,
    async start() {
      proc = startProcess('prometheus', args);
      await waitFor('prometheus ready', async () => (await fetch(`${url}/-/ready`)).ok, { timeoutMs: 60_000, intervalMs: 250 });
    },
    async stop() {
      await proc?.stop();
      proc = undefined;
    },
    up: () => proc !== undefined,
  };
}

async function promQuery(url: string, expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  if (body.status !== 'success') throw new Error(`query ${expr} failed`);
  return body.data.result;
}

/** What one look at the system finds. Undefined fields: that part could not be looked at (its server is down). */
interface Observation {
  readonly rulesLoaded?: Set<string>;
  readonly results?: Map<string, BudgetResult>;
  readonly healthFresh?: number;
  readonly apiTotal?: number;
  readonly firingPages?: Set<string>;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const { log } = options;
  const began = Date.now();
  const specs = sloSpecs(options.services, options.burning);
  const byName = new Map(specs.map((s) => [s.name, s]));
  const entities = options.services * 2; // each service and its workload
  const cleanups: Array<() => Promise<unknown>> = [];
  const scratch = await tempDir('soak');
  cleanups.push(() => scratch.remove());
  const slosDir = join(scratch.path, 'slos');
  const rulesDir = join(scratch.path, 'rules');
  await mkdir(slosDir);
  await mkdir(rulesDir);
  const revision = new Map<number, number>();
  await writeSloFiles(slosDir, options.services, revision);
  const token = 'soak-token-0123456789abcdef';
  const tokensFile = join(scratch.path, 'tokens.yaml');
  await writeFile(tokensFile, `tokens:\n  - name: soak\n    token: ${token}\n    namespaces: ["*"]\n`);

  const report = {
    recoveries: [] as FaultRecovery[],
    wrongFigures: 0,
    figuresChecked: 0,
    lateResults: 0,
    resultChecks: 0,
    falsePages: new Set<string>(),
    requests: 0,
    unexpected5xx: 0,
    expected503: 0,
    refusedWhileApiDown: 0,
    statusCounts: {} as Record<string, number>,
    fileEdits: 0,
  };
  const wrongExamples: string[] = [];
  const unexpectedExamples: string[] = [];
  /** Unexpected 5xx per error code and the phase it fell in (start-up, or the last fault begun). */
  const unexpectedByPhase = new Map<string, number>();
  let phase = 'start-up';
  const countUnexpected = (what: string) => unexpectedByPhase.set(`${what} during ${phase}`, (unexpectedByPhase.get(`${what} during ${phase}`) ?? 0) + 1);

  try {
    log(`soak (${options.label}): ${specs.length} SLOs, ${entities} health entities, ${Math.round(options.durationMs / 1000)} s of faults, cycle ${options.cycleMs / 1000} s`);
    const traffic = await startSoakTraffic({ services: options.services, burning: options.burning, origin: Math.floor(Date.now() / 1000) - 7200 });
    cleanups.push(() => traffic.close());
    const redisServer: RunningRedis = await startRedis();
    cleanups.push(() => redisServer.stop());
    const [apiPort, controllerPort, workerAPort, workerBPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const promPort = await freePort();
    const prometheus = await prometheusServer(
      scratch.path,
      promPort,
      [
        'global:',
        '  scrape_interval: 5s',
        '  evaluation_interval: 5s',
        'rule_files:',
        `  - ${JSON.stringify(join(rulesDir, '*.yaml'))}`,
        'scrape_configs:',
        '  - job_name: mesh',
        `    static_configs: [{targets: ['127.0.0.1:${traffic.port}']}]`,
        '  - job_name: vigil-api',
        `    static_configs: [{targets: ['127.0.0.1:${apiPort}']}]`,
        '',
      ].join('\n'),
    );
    await prometheus.start();
    cleanups.push(() => prometheus.stop());
    const cycle = `${options.cycleMs / 1000}s`;
    const common = ['--redis-url', redisServer.url, '--prometheus-url', prometheus.url, '--log-level', 'warn'];
    const roles: Record<'controller' | 'workerA' | 'workerB' | 'api', Role> = {
      controller: {
        name: 'controller',
        args: ['controller', '--source', `dir:${slosDir}`, '--rules-dir', rulesDir, '--listen', `127.0.0.1:${controllerPort}`, '--budget-cycle', cycle, '--check-rules', 'none', ...common],
        readyUrl: `http://127.0.0.1:${controllerPort}/healthz`,
        proc: undefined,
      },
      workerA: {
        name: 'worker-a',
        args: ['worker', '--cycle', cycle, '--health-cycle', cycle, '--health-backfill', '10m', '--lock-duration', '10s', '--stalled-interval', '5s', '--metrics-listen', `127.0.0.1:${workerAPort}`, ...common],
        readyUrl: `http://127.0.0.1:${workerAPort}/healthz`,
        proc: undefined,
      },
      workerB: {
        name: 'worker-b',
        args: ['worker', '--cycle', cycle, '--health-cycle', cycle, '--health-backfill', '10m', '--lock-duration', '10s', '--stalled-interval', '5s', '--metrics-listen', `127.0.0.1:${workerBPort}`, ...common],
        readyUrl: `http://127.0.0.1:${workerBPort}/healthz`,
        proc: undefined,
      },
      api: {
        name: 'api',
        args: ['api', '--listen', `127.0.0.1:${apiPort}`, '--auth', `tokens:${tokensFile}`, '--cycle', cycle, ...common],
        readyUrl: `http://127.0.0.1:${apiPort}/healthz`,
        proc: undefined,
      },
    };
    for (const role of Object.values(roles)) cleanups.push(async () => role.proc?.stop());
    await Promise.all(Object.values(roles).map((role) => startRole(role, log)));
    const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
    redis.on('error', () => {});
    cleanups.push(async () => redis.disconnect());
    const api = `http://127.0.0.1:${apiPort}`;
    const auth = { authorization: `Bearer ${token}` };

    // Outage windows: while Redis or Prometheus is down (plus a grace period of 3 cycles) the API's documented
    // 503 for that dependency (REDIS_UNAVAILABLE, PROMETHEUS_UNAVAILABLE) is expected; any other 5xx, an
    // OVERLOADED included, is not.
    const outages: Array<{ code: 'REDIS_UNAVAILABLE' | 'PROMETHEUS_UNAVAILABLE'; from: number; to: number }> = [];
    let apiDown = false;
    const expected503 = (t: number, code: string | undefined) => outages.some((o) => o.code === code && t >= o.from && t <= o.to + 3 * options.cycleMs);

    const observe = async (): Promise<Observation> => {
      const obs: { -readonly [K in keyof Observation]: Observation[K] } = {};
      if (prometheus.up()) {
        try {
          // An SLO's rules are loaded and evaluating when both of its groups record: the short group's
          // vigil:sli_total:rate5m and the long group's vigil:slo_objective:ratio.
          const [short, long] = await Promise.all([
            promQuery(prometheus.url, `count by (slo) (vigil:sli_total:rate5m{namespace="${SOAK_NAMESPACE}"})`),
            promQuery(prometheus.url, `count by (slo) (vigil:slo_objective:ratio{namespace="${SOAK_NAMESPACE}"})`),
          ]);
          const loaded = new Set<string>();
          for (const g of short) loaded.add(`${g.metric.slo}.short`);
          for (const g of long) loaded.add(`${g.metric.slo}.long`);
          obs.rulesLoaded = loaded;
          const pages = await promQuery(prometheus.url, `ALERTS{alertname="VigilErrorBudgetBurn",severity="page",alertstate="firing",namespace="${SOAK_NAMESPACE}"}`);
          obs.firingPages = new Set(pages.map((p) => p.metric.slo!));
        } catch {
          // Prometheus restarting.
        }
      }
      try {
        const raw = await redis.hgetall(redisKeys.budgetResults);
        obs.results = new Map(Object.entries(raw).map(([k, v]) => [k, decodeResult(v)]));
        const health = await redis.hgetall(healthKeys.results);
        const now = Date.now();
        obs.healthFresh = Object.values(health).filter((text) => now - (JSON.parse(text) as { at: number }).at <= 3 * options.cycleMs).length;
      } catch {
        // Redis down.
      }
      try {
        const response = await fetch(`${api}/api/v1/slos?limit=1`, { headers: auth, signal: AbortSignal.timeout(5000) });
        if (response.ok) obs.apiTotal = ((await response.json()) as { total: number }).total;
      } catch {
        // API restarting.
      }
      return obs;
    };

    const diagnosed = new Set<string>();
    /** Prints what Prometheus holds around a wrong figure's evaluation: the recorded ratio and the raw counters. */
    const diagnose = async (slo: string, window: string, evalMs: number, burn: number) => {
      const svc = slo.replace(/-availability(-99)?$/, '');
      const at = (evalMs / 1000).toFixed(3);
      const lines: string[] = [`wrong figure ${slo} ${window} at ${at}: burn rate ${burn}; samples before it:`];
      for (const expr of [
        `vigil:slo_error_ratio:rate${window}{slo="${slo}"}[2m]`,
        `vigil:sli_good:rate${window}{slo="${slo}"}[2m]`,
        `vigil:sli_total:rate${window}{slo="${slo}"}[2m]`,
        `istio_requests_total{reporter="destination",destination_service_name="${svc}"}[1m]`,
      ]) {
        try {
          const response = await fetch(`${prometheus.url}/api/v1/query?${new URLSearchParams({ query: expr, time: at })}`);
          const body = (await response.json()) as { data?: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } };
          for (const series of body.data?.result ?? []) lines.push(`  ${expr.split('{')[0]} ${series.metric.response_code ?? ''} ${series.values.map(([t, v]) => `${t}=${v}`).join(' ')}`);
        } catch (error) {
          lines.push(`  ${expr}: ${(error as Error).message}`);
        }
      }
      log(lines.join('\n'));
    };

    /** Which checks fail now; empty = recovered. Also counts false pages and wrong figures. */
    const problems = (obs: Observation, since: number): string[] => {
      const out: string[] = [];
      const now = Date.now();
      if (!obs.rulesLoaded) out.push('prometheus unreachable');
      else {
        const missing = specs.filter((s) => !obs.rulesLoaded!.has(`${s.name}.short`) || !obs.rulesLoaded!.has(`${s.name}.long`)).length;
        if (missing > 0) out.push(`${missing} SLOs without loaded rules`);
      }
      if (obs.firingPages) for (const slo of obs.firingPages) if (!byName.get(slo)?.pages) report.falsePages.add(slo);
      if (!obs.results) out.push('redis unreachable');
      else {
        let stale = 0;
        let missing = 0;
        for (const spec of specs) {
          const r = obs.results.get(`${SOAK_NAMESPACE}/${spec.name}`);
          if (!r) {
            missing++;
            continue;
          }
          if (now - r.computedAtMs > 3 * options.cycleMs || r.computedAtMs < since) stale++;
          for (const [policy, state] of Object.entries(r.alerts)) if (state === 'firing' && policy.includes('page') && !spec.pages) report.falsePages.add(spec.name);
          // The windows Vigil reads raw (5m, 30m, 1h): constant rates make their exact ratio known at every
          // instant, young series and gaps included. Longer windows sum 5 m / 1 h tiles, which are exact only
          // once the tiles are whole, so they are not compared.
          if (now - r.computedAtMs <= 3 * options.cycleMs) {
            for (const window of CHECKED_WINDOWS) {
              const burn = r.state.burnRates[window];
              if (burn === undefined) continue;
              report.figuresChecked++;
              const exact = spec.errorRatio / (1 - spec.objective);
              if (Math.abs(burn / exact - 1) > FIGURE_TOLERANCE) {
                report.wrongFigures++;
                if (wrongExamples.length < 5) wrongExamples.push(`${spec.name}: ${window} burn rate ${burn} vs exact ${exact}`);
                if (diagnosed.size < 3 && !diagnosed.has(`${spec.name}@${r.evaluatedAtMs}`)) {
                  diagnosed.add(`${spec.name}@${r.evaluatedAtMs}`);
                  void diagnose(spec.name, window, r.evaluatedAtMs, burn);
                }
              }
            }
          }
        }
        if (missing > 0) out.push(`${missing} SLOs without results`);
        if (stale > 0) out.push(`${stale} SLOs with results older than the fault or 3 cycles`);
      }
      if (obs.healthFresh === undefined || obs.healthFresh < entities) out.push(`${obs.healthFresh ?? 0}/${entities} fresh health results`);
      if (obs.apiTotal !== specs.length) out.push(`API lists ${obs.apiTotal ?? 'nothing'} of ${specs.length} SLOs`);
      return out;
    };

    const awaitRecovery = async (fault: string, since: number, timeoutMs = options.recoveryTimeoutMs): Promise<void> => {
      let last: string[] = [];
      for (;;) {
        last = problems(await observe(), since);
        if (last.length === 0) {
          const ms = Date.now() - since;
          report.recoveries.push({ fault, recoveredMs: ms });
          log(`  ${fault}: recovered in ${(ms / 1000).toFixed(1)} s`);
          return;
        }
        if (Date.now() - since > timeoutMs) {
          report.recoveries.push({ fault, recoveredMs: undefined });
          log(`  ${fault}: NOT recovered after ${timeoutMs / 1000} s: ${last.join('; ')}`);
          for (const role of Object.values(roles)) log(`    ${role.name} output (tail): ${role.proc?.output().slice(-600).replace(/\n/g, ' | ')}`);
          return;
        }
        await sleep(1000);
      }
    };

    // Background: the API under load (about 6 requests a second, under the 600/min rate limit), mixed tokens.
    let stopping = false;
    const load = (async () => {
      let i = 0;
      while (!stopping) {
        i++;
        const spec = specs[i % specs.length]!;
        const requests: Array<[string, Record<string, string>]> = [
          [`/api/v1/slos?limit=50`, auth],
          [`/api/v1/slos/${SOAK_NAMESPACE}/${spec.name}`, auth],
          [`/api/v1/slos/${SOAK_NAMESPACE}/${spec.name}/burn-rates`, auth],
          [`/api/v1/health?namespace=${SOAK_NAMESPACE}&kind=service`, auth],
          [`/api/v1/slos?limit=10`, { authorization: 'Bearer not-a-valid-token-at-all' }],
          [`/api/v1/slos/${SOAK_NAMESPACE}/no-such-slo`, auth],
          ['/metrics', {}],
        ];
        const [path, headers] = requests[i % requests.length]!;
        const at = Date.now();
        try {
          const response = await fetch(`${api}${path}`, { headers, signal: AbortSignal.timeout(15_000) });
          const text = await response.text();
          report.requests++;
          report.statusCounts[response.status] = (report.statusCounts[response.status] ?? 0) + 1;
          if (response.status >= 500) {
            if (response.status === 503 && expected503(at, errorCode(text))) report.expected503++;
            else {
              report.unexpected5xx++;
              countUnexpected(`${response.status} ${errorCode(text) ?? ''}`.trim());
              if (unexpectedExamples.length < 5) unexpectedExamples.push(`${response.status} ${path} at +${Math.round((at - began) / 1000)} s: ${text.slice(0, 200)}`);
            }
          }
        } catch {
          if (apiDown) report.refusedWhileApiDown++;
          else {
            report.unexpected5xx++;
            countUnexpected('no answer');
            if (unexpectedExamples.length < 5) unexpectedExamples.push(`no answer ${path} at +${Math.round((at - began) / 1000)} s`);
          }
        }
        await sleep(160);
      }
    })();

    // Start-up: every role starting at once on a busy machine, then each SLO's long rule group evaluates
    // for the first time at its slot, up to one group interval (1 m) after the rules are loaded.
    await awaitRecovery('start-up', began, options.recoveryTimeoutMs + 120_000);

    // Background, from the end of start-up (a file broken before the controller ever read it has no last
    // good version to keep): SLO files edited, broken and fixed in a loop (a broken file keeps its SLOs'
    // last good rules).
    const editEvery = Math.max(10_000, Math.round(options.durationMs / 20));
    const edits = (async () => {
      let n = 0;
      while (!stopping) {
        await sleep(editEvery / 2);
        if (stopping) break;
        const file = n % SLO_FILES;
        revision.set(file, (revision.get(file) ?? 0) + 1);
        await writeSloFiles(slosDir, options.services, revision);
        await appendFile(join(slosDir, `slos-${file}.yaml`), '---\nkind: ServiceLevelObjective\nmetadata: {name: [broken\n');
        report.fileEdits++;
        await sleep(editEvery / 2);
        await writeSloFiles(slosDir, options.services, revision);
        report.fileEdits++;
        n++;
      }
    })();

    const scheduleStart = Date.now();
    const killRole = async (role: Role, fault: string) => {
      log(`fault: ${fault}`);
      if (role.name === 'api') apiDown = true;
      await role.proc!.stop('SIGKILL');
      await sleep(3000);
      try {
        await startRole(role, log);
      } catch (error) {
        report.recoveries.push({ fault, recoveredMs: undefined });
        log(`  ${fault}: the role did not come back: ${(error as Error).message.slice(0, 500)}`);
        return;
      } finally {
        apiDown = false;
      }
      await awaitRecovery(fault, Date.now());
    };
    const faults: Array<{ at: number; run: () => Promise<void> }> = [
      { at: 0.1, run: () => killRole(roles.workerA, 'SIGKILL worker-a') },
      { at: 0.2, run: () => killRole(roles.controller, 'SIGKILL controller') },
      { at: 0.3, run: () => killRole(roles.api, 'SIGKILL api') },
      { at: 0.4, run: () => killRole(roles.workerB, 'SIGKILL worker-b') },
      {
        at: 0.5,
        run: async () => {
          log('fault: SIGKILL redis, restarted empty');
          const outage = { code: 'REDIS_UNAVAILABLE' as const, from: Date.now(), to: Number.POSITIVE_INFINITY };
          outages.push(outage);
          await redisServer.restart();
          outage.to = Date.now();
          await awaitRecovery('redis killed and restarted empty', Date.now());
        },
      },
      {
        at: 0.6,
        run: async () => {
          log(`fault: prometheus stopped for ${options.prometheusOutageMs / 1000} s`);
          const outage = { code: 'PROMETHEUS_UNAVAILABLE' as const, from: Date.now(), to: Number.POSITIVE_INFINITY };
          outages.push(outage);
          await prometheus.stop();
          await sleep(options.prometheusOutageMs);
          await prometheus.start();
          outage.to = Date.now();
          await awaitRecovery(`prometheus stopped ${options.prometheusOutageMs / 1000} s`, Date.now());
        },
      },
    ];
    for (const fault of faults) {
      const due = scheduleStart + fault.at * options.durationMs;
      // Between faults: keep looking (late results, false pages, figures).
      while (Date.now() < due) {
        const obs = await observe();
        const now = Date.now();
        if (obs.results) {
          for (const spec of specs) {
            const r = obs.results.get(`${SOAK_NAMESPACE}/${spec.name}`);
            report.resultChecks++;
            if (!r || now - r.computedAtMs > 3 * options.cycleMs) report.lateResults++;
          }
        }
        problems(obs, 0);
        await sleep(Math.min(5000, Math.max(0, due - Date.now())));
      }
      phase = `fault ${faults.indexOf(fault) + 1} of ${faults.length}`;
      await fault.run();
    }
    while (Date.now() < scheduleStart + options.durationMs) {
      problems(await observe(), 0);
      await sleep(5000);
    }
    stopping = true;
    await Promise.all([load, edits]);
    // Final: the files are whole again; everything must be there.
    await writeSloFiles(slosDir, options.services, revision);
    await awaitRecovery('final check', Date.now() - 3 * options.cycleMs);
    const final = await observe();
    const lostSlos = specs
      .filter((s) => {
        const rules = final.rulesLoaded?.has(`${s.name}.short`) && final.rulesLoaded?.has(`${s.name}.long`);
        const result = final.results?.get(`${SOAK_NAMESPACE}/${s.name}`);
        return !rules || !result || Date.now() - result.computedAtMs > 3 * options.cycleMs;
      })
      .map((s) => s.name);
    const expected = specs.filter((s) => s.pages);
    const expectedPagesFiring = expected.filter((s) => final.firingPages?.has(s.name)).length;
    const recoveredAll = report.recoveries.every((r) => r.recoveredMs !== undefined);
    const result: SoakReport = {
      slos: specs.length,
      entities,
      ranMs: Date.now() - began,
      lostSlos,
      falsePages: [...report.falsePages],
      expectedPagesFiring,
      expectedPages: expected.length,
      wrongFigures: report.wrongFigures,
      figuresChecked: report.figuresChecked,
      lateResults: report.lateResults,
      resultChecks: report.resultChecks,
      recoveries: report.recoveries,
      requests: report.requests,
      unexpected5xx: report.unexpected5xx,
      expected503: report.expected503,
      refusedWhileApiDown: report.refusedWhileApiDown,
      statusCounts: report.statusCounts,
      fileEdits: report.fileEdits,
      ok: lostSlos.length === 0 && report.falsePages.size === 0 && report.unexpected5xx === 0 && report.wrongFigures === 0 && recoveredAll,
    };
    if (wrongExamples.length) log(`wrong figures, e.g.: ${wrongExamples.join('; ')}`);
    if (unexpectedExamples.length) log(`unexpected 5xx, e.g.: ${unexpectedExamples.join('; ')}`);
    if (unexpectedByPhase.size) log(`unexpected 5xx by phase: ${[...unexpectedByPhase].map(([k, n]) => `${n}× ${k}`).join('; ')}`);
    return result;
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // Keep cleaning up.
      }
    }
  }
}

export function formatReport(r: SoakReport, label: string): string {
  const rows: Array<[string, string, string]> = [
    ['SLOs / health entities', `${r.slos} / ${r.entities}`, '—'],
    ['ran for', `${(r.ranMs / 60_000).toFixed(1)} min`, '—'],
    ['SLOs lost (rules or results missing at the end)', String(r.lostSlos.length), '0'],
    ['false pages', String(r.falsePages.length), '0'],
    ['expected pages firing at the end', `${r.expectedPagesFiring} of ${r.expectedPages}`, '—'],
    [`wrong figures (${CHECKED_WINDOWS.join('/')} burn rates vs exact ratio, > ${FIGURE_TOLERANCE * 100} %)`, `${r.wrongFigures} of ${r.figuresChecked} checked`, '0'],
    ['late results between faults (older than 3 cycles)', `${r.lateResults} of ${r.resultChecks} checked`, '—'],
    ['API requests (mixed valid/invalid tokens)', String(r.requests), '—'],
    ['unexpected 5xx', String(r.unexpected5xx), '0'],
    ['503 REDIS_/PROMETHEUS_UNAVAILABLE during that outage (expected)', String(r.expected503), '—'],
    ['refused while the API process was killed', String(r.refusedWhileApiDown), '—'],
    ['SLO file edits (half of them breaking a file)', String(r.fileEdits), '—'],
    ...r.recoveries.map((x): [string, string, string] => [`recovery: ${x.fault}`, x.recoveredMs === undefined ? 'NEVER' : `${(x.recoveredMs / 1000).toFixed(1)} s`, 'recovers']),
  ];
  const width = Math.max(...rows.map((row) => row[0].length));
  const lines = [`soak summary (${label})`, ...rows.map(([k, v, goal]) => `  ${k.padEnd(width)}  ${v.padStart(22)}   goal ${goal}`)];
  lines.push(`  statuses: ${Object.entries(r.statusCounts).map(([s, n]) => `${s}×${n}`).join(' ')}`);
  if (r.lostSlos.length) lines.push(`  lost: ${r.lostSlos.slice(0, 10).join(', ')}`);
  if (r.falsePages.length) lines.push(`  false pages: ${r.falsePages.slice(0, 10).join(', ')}`);
  lines.push(r.ok ? 'soak: every goal met' : 'soak: GOALS MISSED');
  return lines.join('\n');
}

/** The CI version (test/soak/soak-ci.test.ts, `npm run soak -- --ci`): 40 SLOs, 40 entities, about 2 minutes. */
export function ciSoakOptions(log: (line: string) => void): SoakOptions {
  return { durationMs: 40_000, services: 20, burning: 1, prometheusOutageMs: 10_000, cycleMs: 5_000, recoveryTimeoutMs: 60_000, label: 'ci: 40 SLOs, 40 entities, faults compressed', log };
}

export function soakOptions(argv: readonly string[], log: (line: string) => void): SoakOptions {
  if (argv.includes('--ci')) return ciSoakOptions(log);
  const short = argv.includes('--short');
  const durationArg = argv[argv.indexOf('--duration') + 1];
  const minutes = argv.includes('--duration') && durationArg ? Number(durationArg.replace(/m$/, '')) : short ? 2 : 20;
  if (!Number.isFinite(minutes) || minutes <= 0) throw new Error(`--duration must be minutes like 20m, got ${durationArg}`);
  return short
    ? { durationMs: minutes * 60_000, services: 100, burning: 2, prometheusOutageMs: 20_000, cycleMs: 10_000, recoveryTimeoutMs: 90_000, label: 'short: 200 SLOs, 200 entities, faults compressed', log }
    : { durationMs: minutes * 60_000, services: 500, burning: 5, prometheusOutageMs: 5 * 60_000, cycleMs: 15_000, recoveryTimeoutMs: 5 * 60_000, label: 'full: 1,000 SLOs, 1,000 entities', log };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const log = (line: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const options = soakOptions(process.argv.slice(2), log);
  // Bounded: the whole run stops by itself even if a recovery hangs.
  const hardStop = setTimeout(() => {
    log('soak: hard time limit reached');
    process.exit(2);
  }, options.durationMs + 10 * options.recoveryTimeoutMs + 10 * 60_000);
  hardStop.unref();
  const report = await runSoak(options);
  process.stdout.write(`${formatReport(report, options.label)}\n`);
  process.exit(report.ok ? 0 : 1);
}
