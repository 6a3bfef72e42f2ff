/**
 * Rule-engine benchmark (`npm run bench rule-engines`): the rules `vigil generate` writes for N availability
 * SLOs (workbook policies: a 30 s group of 12 rules and a 1 m group of 10 per SLO) evaluated live by
 * Prometheus, then by vmalert against VictoriaMetrics, each alone on the machine, on the same data: the same
 * synthetic Istio exposition (two `istio_requests_total` series per service, counters that are a fixed
 * function of time) scraped every 15 s by Prometheus, then by VictoriaMetrics' own scraper.
 *
 * Per engine, over a measured window after a warm-up (both counted from the first scrape, so the raw windows
 * hold the same minutes of data):
 * - evaluation time: wall time of rule-group evaluations summed over all groups, per minute and per 30 s cycle
 *   (Prometheus `prometheus_rule_group_duration_seconds_sum`; vmalert `vmalert_iteration_duration_seconds_sum`
 *   summed over groups — both time each group's evaluation, queries and result handling included);
 * - group iterations run and missed (`prometheus_rule_group_iterations_total` / `_missed_total`,
 *   `vmalert_iteration_total`);
 * - CPU seconds per minute of the engine's processes (`process_cpu_seconds_total`: Prometheus alone; VictoriaMetrics
 *   plus vmalert), scraping included on both;
 * - samples read per cycle: Prometheus 2.42 exposes no per-rule sample counter, so both engines answer the rule
 *   expressions of a sample of SLOs (one short cycle and one long cycle of each) as instant queries at the
 *   same instant, and the figure is scaled to N: Prometheus `stats=all` `totalQueryableSamples`, VictoriaMetrics
 *   the increase of `vm_rows_read_per_query_sum` (raw rows read from storage). VictoriaMetrics' live figure
 *   (the same counter over vmalert's own queries) is printed too.
 *
 * BENCH_SLOS (default 1,000), BENCH_WARMUP / BENCH_MEASURE (seconds, default 90 / 120), BENCH_SAMPLE_SLOS
 * (default 100). Why not 10,000 at the generated intervals: at 200 SLOs vmalert + VictoriaMetrics already spend
 * about 6.5 CPU seconds a minute, so 10,000 would need about five cores busy for vmalert alone to keep up; on
 * the 2-core development machine the run would measure missed iterations rather than evaluation.
 *
 * Per-cycle figures at 10,000 SLOs do not need real-time intervals: BENCH_INTERVAL (e.g. `5m`) stretches every
 * group's interval to it (the rules are otherwise unchanged: same expressions, windows, thresholds and `for`),
 * so one full cycle — every group evaluated once — fits on the machine. The measured window then starts after
 * the warm-up and ends once every group has been evaluated again (Δ iterations ≥ groups; at most
 * BENCH_CYCLE_TIMEOUT seconds, default 3 intervals), and the figures per cycle are the window's totals scaled
 * to one evaluation of every group (× groups / Δ iterations): evaluation time, CPU seconds and, on
 * VictoriaMetrics, rows read by vmalert's queries. Recorded series are written once per stretched interval
 * rather than every 30 s or 1 m, which changes nothing the rules read within a cycle (they read recorded
 * series as instant vectors, or at offsets that find no data in a run this short).
 * `BENCH_SLOS=10000 BENCH_INTERVAL=5m nice -n 10 npm run bench rule-engines`.
 */
import { createServer } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.js';
import { parseDuration } from '../../src/model/duration.js';
import { answersOk } from '../../src/runtime/process.js';
import { freePort, startProcess, tempDir, waitFor, type RunningProcess } from '../support/processes.js';

const N = Number(process.env.BENCH_SLOS ?? 1_000);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 90);
const MEASURE_S = Number(process.env.BENCH_MEASURE ?? 120);
const SAMPLE_SLOS = Math.min(N, Number(process.env.BENCH_SAMPLE_SLOS ?? 100));
const SCRAPE_S = 15;
/** Every group's interval (stretched), or undefined for the generated 30 s and 1 m. */
const INTERVAL = process.env.BENCH_INTERVAL;
const intervalParsed = INTERVAL === undefined ? undefined : parseDuration(INTERVAL);
if (intervalParsed && !intervalParsed.ok) throw new Error(`BENCH_INTERVAL: ${intervalParsed.message}`);
const INTERVAL_S = intervalParsed?.ok ? intervalParsed.ms / 1000 : undefined;
const CYCLE_TIMEOUT_S = Number(process.env.BENCH_CYCLE_TIMEOUT ?? 3 * (INTERVAL_S ?? 60));

const namespaceOf = (i: number) => `team-${i % 50}`;
function sloYaml(i: number): string {
  return `apiVersion: sre.vigil.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: svc-${i}-slo
  namespace: ${namespaceOf(i)}
spec:
  selector: {name: svc-${i}, namespace: ${namespaceOf(i)}}
  sli:
    templateRef: {name: http-requests-success-rate, namespace: vigil-system}
  slo:
    goal: "99.9"
    rolling: {length: 30d}
  alertingPolicySet: workbook
`;
}

/** The synthetic mesh: per service, 10 req/s answered 200 and 0.01 req/s answered 503, from `startMs`. */
function exposition(startMs: number): string {
  const elapsed = (Date.now() - startMs) / 1000;
  const lines: string[] = ['# TYPE istio_requests_total counter'];
  for (let i = 0; i < N; i++) {
    const base = `reporter="destination",destination_service_namespace="${namespaceOf(i)}",destination_service_name="svc-${i}"`;
    lines.push(`istio_requests_total{${base},response_code="200"} ${Math.floor(10 * elapsed)}`);
    lines.push(`istio_requests_total{${base},response_code="503"} ${Math.floor(0.01 * elapsed)}`);
  }
  return lines.join('\n') + '\n';
}

/** Sums every sample of `name` (any labels) in a Prometheus exposition. */
function sum(text: string, name: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

const scrape = async (url: string) => (await fetch(`${url}/metrics`)).text();
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

interface Figures {
  /** Window totals scaled to one evaluation of every group (× groups / Δ iterations), and the Δ iterations themselves. */
  evalSecondsPerCycle: number;
  cpuSecondsPerCycle: number;
  liveRowsPerCycle?: number;
  iterationsMeasured: number;
  windowSeconds: number;
  evalSecondsPerMinute: number;
  evalSecondsPerShortCycle: number;
  iterationsPerMinute: number;
  missedPerMinute: number;
  cpuSecondsPerMinute: number;
  liveRowsPerMinute?: number;
  sampledSamplesPerCycle: number;
  /** The sampled expressions' query time, one at a time with rule evaluation stopped, scaled to every group once. */
  serialSecondsPerCycle: number;
  failures: number;
}

/**
 * One engine's figures from its measured window (`eval`, `iterations`, `cpu`, `failures`, optional `missed` and
 * `rows`, `seconds`) and its sampled expressions (samples read, serial query time), scaled to every group once.
 */
function figuresFrom(w: Record<string, number>, groups: number, sampledSamples: number, sampledSeconds: number): Figures {
  const minutes = w.seconds! / 60;
  const cycles = w.iterations! / groups;
  return {
    evalSecondsPerCycle: w.eval! / cycles,
    cpuSecondsPerCycle: w.cpu! / cycles,
    ...(w.rows === undefined ? {} : { liveRowsPerCycle: w.rows / cycles, liveRowsPerMinute: w.rows / minutes }),
    iterationsMeasured: w.iterations!,
    windowSeconds: w.seconds!,
    evalSecondsPerMinute: w.eval! / minutes,
    evalSecondsPerShortCycle: w.eval! / minutes / 2,
    iterationsPerMinute: w.iterations! / minutes,
    missedPerMinute: w.missed === undefined ? Number.NaN : w.missed / minutes,
    cpuSecondsPerMinute: w.cpu! / minutes,
    sampledSamplesPerCycle: (sampledSamples * N) / SAMPLE_SLOS,
    serialSecondsPerCycle: (sampledSeconds * N) / SAMPLE_SLOS,
    failures: w.failures!,
  };
}

/**
 * The counters' increase over the measured window (plus `seconds`, its length): MEASURE_S after the warm-up,
 * or with BENCH_INTERVAL from the warm-up until `groups` more iterations have run (every group once).
 */
async function measureWindow(read: () => Promise<Record<string, number>>, groups: number): Promise<Record<string, number>> {
  await sleep(WARMUP_S);
  const before = await read();
  const started = performance.now();
  let after: Record<string, number>;
  if (INTERVAL_S === undefined) {
    await sleep(MEASURE_S);
    after = await read();
  } else {
    // Not too often: at 10,000 SLOs each engine's /metrics is tens of megabytes, and serving it costs CPU the window counts.
    for (;;) {
      await sleep(Math.min(60, Math.max(15, INTERVAL_S / 5)));
      after = await read();
      const elapsed = (performance.now() - started) / 1000;
      if (after.iterations! - before.iterations! >= groups || elapsed > CYCLE_TIMEOUT_S) break;
    }
  }
  const delta = Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - before[k]!]));
  return { ...delta, seconds: (performance.now() - started) / 1000 };
}

/** Starts a server and waits (up to 10 minutes: 10,000 SLOs' rules take a while to load) until `readyUrl` answers. */
async function startServer(command: string, args: readonly string[], readyUrl: string): Promise<RunningProcess> {
  const proc = startProcess(command, args, { keepChars: 20_000 });
  procs.push(proc);
  await waitFor(`${command} ready`, () => answersOk(readyUrl), { timeoutMs: 600_000, intervalMs: 1000, process: proc });
  return proc;
}

/**
 * Instant-query every expression at `time` on `url`, one at a time; `samples` reads what the engine counted,
 * `seconds` is the wall time of the queries (one after the other: the evaluation time without contention).
 */
async function runExpressions(url: string, exprs: readonly string[], time: number, stats: boolean): Promise<{ samples: number; seconds: number }> {
  let samples = 0;
  const started = performance.now();
  for (const expr of exprs) {
    const params = new URLSearchParams({ query: expr, time: String(time) });
    if (stats) params.set('stats', 'all');
    const response = await fetch(`${url}/api/v1/query`, { method: 'POST', body: params });
    const body = (await response.json()) as { status: string; error?: string; data: { stats?: { samples?: { totalQueryableSamples?: number } } } };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    samples += body.data.stats?.samples?.totalQueryableSamples ?? 0;
  }
  return { samples, seconds: (performance.now() - started) / 1000 };
}

const dir = await tempDir('bench-rule-engines');
const procs: RunningProcess[] = [];
const startMs = Date.now();
const target = createServer((req, res) => {
  if (req.url === '/metrics') res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(exposition(startMs));
  else if (req.method === 'POST') req.resume().on('end', () => res.writeHead(200).end('{}')); // vmalert's notifier
  else res.writeHead(404).end();
});
await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
const targetPort = (target.address() as { port: number }).port;
try {
  // Rules, as users get them.
  const input = join(dir.path, 'slos');
  mkdirSync(input);
  for (let f = 0; f < 100; f++) {
    const from = Math.floor((f * N) / 100);
    const to = Math.floor(((f + 1) * N) / 100);
    if (to > from) writeFileSync(join(input, `slos-${f}.yaml`), Array.from({ length: to - from }, (_, k) => sloYaml(from + k)).join('---\n'));
  }
  const rulesFile = join(dir.path, 'rules.yaml');
  const generated = await main(['generate', '-f', input, '-o', rulesFile], { stdout() {}, stderr: (s: string) => process.stderr.write(s), env: {}, cwd: process.cwd() });
  if (generated !== 0) throw new Error(`vigil generate exited ${generated}`);
  // Stretched: every group's interval (the writer puts it on its own line under the group's name).
  if (INTERVAL !== undefined) writeFileSync(rulesFile, readFileSync(rulesFile, 'utf8').replace(/^( {4}interval: ).*$/gm, `$1${INTERVAL}`));
  const groups = (parse(readFileSync(rulesFile, 'utf8')) as { groups: Array<{ name: string; interval: string; rules: Array<{ expr: string }> }> }).groups;
  const ruleCount = groups.reduce((s, g) => s + g.rules.length, 0);
  // The sampled SLOs' expressions: one evaluation of each of their groups.
  const sampledNames = new Set(Array.from({ length: SAMPLE_SLOS }, (_, k) => Math.floor((k * N) / SAMPLE_SLOS)).map((i) => `vigil.${namespaceOf(i)}.svc-${i}-slo.`));
  const sampledExprs = groups.filter((g) => [...sampledNames].some((p) => g.name.startsWith(p))).flatMap((g) => g.rules.map((r) => r.expr));
  process.stdout.write(`${N} SLOs: ${groups.length} groups, ${ruleCount} rules (${(readFileSync(rulesFile).length / 1e6).toFixed(0)} MB); ${2 * N} raw series scraped every ${SCRAPE_S} s\n`);
  const intervals = [...new Set(groups.map((g) => g.interval))].join(', ');
  process.stdout.write(`group intervals ${intervals}; warm-up ${WARMUP_S} s, measured ${INTERVAL === undefined ? `${MEASURE_S} s` : 'until every group has been evaluated once more'} per engine; samples read from ${sampledExprs.length} expressions of ${SAMPLE_SLOS} SLOs, scaled ×${(N / SAMPLE_SLOS).toFixed(0)}\n`);
  const scrapeJob = `  - job_name: mesh\n    scrape_interval: ${SCRAPE_S}s\n    scrape_timeout: ${SCRAPE_S}s\n    static_configs:\n      - targets: ['127.0.0.1:${targetPort}']\n`;

  // Prometheus alone.
  const promPort = await freePort();
  const promUrl = `http://127.0.0.1:${promPort}`;
  writeFileSync(join(dir.path, 'prometheus.yml'), `global:\n  scrape_interval: ${SCRAPE_S}s\n  evaluation_interval: 30s\nrule_files:\n  - ${JSON.stringify(rulesFile)}\nscrape_configs:\n${scrapeJob}`);
  const loadStarted = performance.now();
  const prometheus = await startServer('prometheus', [
    `--config.file=${join(dir.path, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir.path, 'prom-data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn',
  ], `${promUrl}/-/ready`);
  const promLoadS = (performance.now() - loadStarted) / 1000;
  const prom = await measureWindow(async () => {
    const text = await scrape(promUrl);
    return {
      eval: sum(text, 'prometheus_rule_group_duration_seconds_sum'),
      iterations: sum(text, 'prometheus_rule_group_iterations_total'),
      missed: sum(text, 'prometheus_rule_group_iterations_missed_total'),
      failures: sum(text, 'prometheus_rule_evaluation_failures_total'),
      cpu: sum(text, 'process_cpu_seconds_total'),
    };
  }, groups.length);
  const promRss = sum(await scrape(promUrl), 'process_resident_memory_bytes');
  // Rule evaluation stopped first (the configuration reloaded without rules, in-flight evaluations drained),
  // so the sampled queries neither wait behind 20,000 groups nor count their work, as on vmalert below.
  writeFileSync(join(dir.path, 'prometheus.yml'), `global:\n  scrape_interval: ${SCRAPE_S}s\nscrape_configs:\n${scrapeJob}`);
  prometheus.child.kill('SIGHUP');
  await waitFor('Prometheus rule evaluation stopped', async () => {
    const text = await scrape(promUrl);
    return sum(text, 'prometheus_rule_group_rules') === 0 && sum(text, 'prometheus_engine_queries') === 0;
  }, { timeoutMs: 600_000, intervalMs: 2000 });
  const promEvalAt = Math.floor(Date.now() / 1000) - 60;
  const promSampled = await runExpressions(promUrl, sampledExprs, promEvalAt, true);
  await prometheus.stop();
  procs.length = 0;
  const promFigures = figuresFrom(prom, groups.length, promSampled.samples, promSampled.seconds);

  // VictoriaMetrics (scraping the same target) and vmalert alone.
  const vmPort = await freePort();
  const vmUrl = `http://127.0.0.1:${vmPort}`;
  writeFileSync(join(dir.path, 'scrape.yml'), `scrape_configs:\n${scrapeJob}`);
  const vmStarted = performance.now();
  await startServer('victoria-metrics', [
    `-httpListenAddr=127.0.0.1:${vmPort}`, `-storageDataPath=${join(dir.path, 'vm-data')}`, `-promscrape.config=${join(dir.path, 'scrape.yml')}`,
    '-search.disableCache', '-loggerLevel=ERROR',
  ], `${vmUrl}/health`);
  const vmalertPort = await freePort();
  const vmalertUrl = `http://127.0.0.1:${vmalertPort}`;
  const vmalert = await startServer('vmalert', [
    `-rule=${rulesFile}`, `-datasource.url=${vmUrl}`, `-remoteWrite.url=${vmUrl}`, `-httpListenAddr=127.0.0.1:${vmalertPort}`,
    `-notifier.url=http://127.0.0.1:${targetPort}`, '-evaluationInterval=30s', '-remoteWrite.maxQueueSize=2000000', '-remoteWrite.concurrency=4',
    '-loggerLevel=ERROR',
  ], `${vmalertUrl}/health`);
  const vmLoadS = (performance.now() - vmStarted) / 1000;
  const vmw = await measureWindow(async () => {
    const [a, v] = await Promise.all([scrape(vmalertUrl), scrape(vmUrl)]);
    return {
      eval: sum(a, 'vmalert_iteration_duration_seconds_sum'),
      iterations: sum(a, 'vmalert_iteration_total'),
      failures: sum(a, 'vmalert_recording_rules_errors_total') + sum(a, 'vmalert_alerting_rules_errors_total'),
      cpu: sum(a, 'process_cpu_seconds_total') + sum(v, 'process_cpu_seconds_total'),
      rows: sum(v, 'vm_rows_read_per_query_sum'),
    };
  }, groups.length);
  const vmRss = sum(await scrape(vmUrl), 'process_resident_memory_bytes') + sum(await scrape(vmalertUrl), 'process_resident_memory_bytes');
  // vmalert stopped first, so the counter moves only for the sampled expressions.
  await vmalert.stop();
  const rowsBefore = sum(await scrape(vmUrl), 'vm_rows_read_per_query_sum');
  const vmSampled = await runExpressions(vmUrl, sampledExprs, Math.floor(Date.now() / 1000) - 60, false);
  const sampleWindowRows = sum(await scrape(vmUrl), 'vm_rows_read_per_query_sum') - rowsBefore;
  const vmFigures = figuresFrom(vmw, groups.length, sampleWindowRows, vmSampled.seconds);

  const row = (label: string, p: string, v: string) => process.stdout.write(`  ${label.padEnd(52)}${p.padEnd(18)}${v}\n`);
  process.stdout.write(`\n  ${''.padEnd(52)}${'Prometheus 2.42'.padEnd(18)}vmalert + VictoriaMetrics 1.79\n`);
  row('start until ready (rules loaded)', `${promLoadS.toFixed(1)} s`, `${vmLoadS.toFixed(1)} s`);
  row('measured window (group iterations in it)', `${promFigures.windowSeconds.toFixed(0)} s (${promFigures.iterationsMeasured})`, `${vmFigures.windowSeconds.toFixed(0)} s (${vmFigures.iterationsMeasured})`);
  row(`per full cycle (${groups.length} groups once): evaluation time`, `${promFigures.evalSecondsPerCycle.toFixed(1)} s`, `${vmFigures.evalSecondsPerCycle.toFixed(1)} s`);
  row('  CPU seconds (scraping included)', promFigures.cpuSecondsPerCycle.toFixed(1), `${vmFigures.cpuSecondsPerCycle.toFixed(1)} (VM + vmalert)`);
  row('  query time, one at a time, rules stopped (sampled, scaled)', `${promFigures.serialSecondsPerCycle.toFixed(1)} s`, `${vmFigures.serialSecondsPerCycle.toFixed(1)} s`);
  row('  rows read by vmalert\'s queries (live)', '—', vmFigures.liveRowsPerCycle!.toExponential(2));
  row('rule-group evaluation time, summed over groups', `${promFigures.evalSecondsPerMinute.toFixed(1)} s/min`, `${vmFigures.evalSecondsPerMinute.toFixed(1)} s/min`);
  row('  per 30 s (two short-group cycles make a minute)', `${promFigures.evalSecondsPerShortCycle.toFixed(1)} s`, `${vmFigures.evalSecondsPerShortCycle.toFixed(1)} s`);
  const expectedPerMinute = INTERVAL_S === undefined ? 3 * N : (groups.length * 60) / INTERVAL_S;
  row('group iterations per minute (expected)', `${promFigures.iterationsPerMinute.toFixed(0)} (${expectedPerMinute.toFixed(0)})`, `${vmFigures.iterationsPerMinute.toFixed(0)} (${expectedPerMinute.toFixed(0)})`);
  row('missed iterations per minute', promFigures.missedPerMinute.toFixed(0), 'not exposed');
  row('rule evaluation failures in the window', String(promFigures.failures), String(vmFigures.failures));
  row('CPU seconds per minute (scraping included)', promFigures.cpuSecondsPerMinute.toFixed(1), `${vmFigures.cpuSecondsPerMinute.toFixed(1)} (VM + vmalert)`);
  row('resident memory at the end', `${(promRss / 1e6).toFixed(0)} MB`, `${(vmRss / 1e6).toFixed(0)} MB (VM + vmalert)`);
  row('samples read, every group once (sampled, scaled)', promFigures.sampledSamplesPerCycle.toExponential(2), vmFigures.sampledSamplesPerCycle.toExponential(2));
  row('rows read by vmalert\'s queries per minute (live)', '—', vmFigures.liveRowsPerMinute!.toExponential(2));
} finally {
  for (const p of procs.reverse()) await p.stop();
  target.close();
  await dir.remove();
}
