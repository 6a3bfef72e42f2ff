/**
 * The Grafana dashboards: committed JSON matches dashboards.ts, the `datasource` variable is used everywhere
 * (no `${DS_…}` inputs), and every panel target and variable query — template variables substituted —
 * parses and returns data from a real Prometheus holding the demo mesh: 8 days of backfilled traffic, the
 * demo SLOs' recording rules backfilled in tiers and evaluated live, live traffic with an ongoing checkout
 * incident (so VigilErrorBudgetBurn fires), and the vigil_* metrics from the API's real /metrics exporter
 * over budget and health results in a real Redis. The results are seeded here (their values are not what is
 * tested: the metric and label names are); test/deploy/demo-smoke.test.ts runs the same queries against
 * figures the worker computed.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboards, dashboardText } from '../../deploy/grafana/dashboards.js';
import { demoMesh, type Incident } from '../../src/demo/mesh.js';
import { backfillTsdb } from '../../src/demo/backfill.js';
import { backfillRecordingRules } from '../../src/history/rules-backfill.js';
import { startTrafficServer, type TrafficServer } from '../../src/demo/traffic-server.js';
import { checkPromql } from '../../src/promql/parse.js';
import { main } from '../../src/cli/main.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { tempDir, waitFor } from '../support/processes.js';
import type { FastifyInstance } from 'fastify';
import { healthResultsKey } from '../../src/api/data/health-reader.js';
import { encodeResult } from '../../src/budget/result.js';
import { loadResources } from '../../src/resources/load-resources.js';
import { signalNames } from '../../src/health/signals.js';
import { compile } from '../../src/rules/compile.js';
import { registerHealthMetrics } from '../../src/export/health-export.js';
import { storeBacktestSummary } from '../../src/export/backtest-export.js';
import { redisKeys } from '../../src/redis/redis-keys.js';
import { startAppFixture, type AppFixture } from '../api/support/app.js';
import { result } from '../api/support/seed.js';
import { dashboardFiles, emptyQueries, queriesOf } from './dashboard-queries.js';

type Json = Record<string, any>;
const root = join(import.meta.dirname, '../..');
const files = dashboardFiles;

describe('dashboard JSON', () => {
  it.each(files)('%s is what dashboards.ts builds (run deploy/grafana/write-dashboards.ts after a change)', (file) => {
    expect(readFileSync(join(root, 'deploy/grafana/dashboards', file), 'utf8')).toBe(dashboardText(file));
  });

  it.each(files)('%s uses the datasource variable everywhere and no ${DS_…} inputs', (file) => {
    const text = dashboardText(file);
    const d = JSON.parse(text) as Json;
    expect(text).not.toContain('${DS_');
    expect(d.__inputs).toBeUndefined();
    expect(d.templating.list[0]).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
    for (const p of d.panels) {
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets.length).toBeGreaterThan(0);
      for (const t of p.targets) expect(t.datasource.uid).toBe('${datasource}');
    }
  });

  it('the SLO detail burn-rate panel draws each policy\'s threshold as a dashed line', () => {
    const d = JSON.parse(dashboardText('vigil-slo-detail.json')) as Json;
    const panel = d.panels.find((p: Json) => p.title === 'Burn rate per window');
    const threshold = panel.targets.find((t: Json) => t.expr.startsWith('vigil:slo_burn_rate_threshold:ratio{'));
    expect(threshold).toMatchObject({ legendFormat: expect.stringContaining('{{policy}} threshold') });
    expect(panel.fieldConfig.overrides).toEqual([
      { matcher: { id: 'byFrameRefID', options: threshold.refId }, properties: [{ id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }] },
    ]);
  });

  it('every query parses as PromQL once variables are substituted', () => {
    const all = files.flatMap(queriesOf);
    expect(all.length).toBeGreaterThan(50);
    const bad = all.filter((q) => !checkPromql(q.expr).ok).map((q) => `${q.dashboard} ${q.panel}: ${q.expr}`);
    expect(bad).toEqual([]);
  });
});

describe('dashboard queries against the demo stack', () => {
  let data: { path: string; remove(): Promise<void> };
  let work: { path: string; remove(): Promise<void> };
  let prometheus: RunningPrometheus | undefined;
  let traffic: TrafficServer | undefined;
  let api: AppFixture | undefined;

  beforeAll(async () => {
    data = await tempDir('dashboards');
    work = await tempDir('dashboards-rules');
    const now = Math.floor(Date.now() / 1000);
    // An ongoing checkout incident (20% 5xx for the last 40 minutes) and a catalog slowdown.
    const incidents: Incident[] = [
      { name: 'checkout-errors', service: 'checkout', effect: { kind: 'errors', errorRatio: 0.2 }, schedule: { start: now - 2400, duration: 4 * 3600 } },
      { name: 'catalog-latency', service: 'catalog', effect: { kind: 'latency', factor: 5, throttledRatio: 0.3 }, schedule: { start: now - 1200, duration: 4 * 3600 } },
    ];
    const config = demoMesh({ incidents });
    traffic = await startTrafficServer({ config });
    const labels = { job: 'mesh', instance: `127.0.0.1:${traffic.port}` }; // what the live scrape adds
    await backfillTsdb({ config, start: now - 8 * 86400, end: now - 60, step: 300, recentStep: 60, recentWindow: 6 * 3600, tsdbDir: data.path, labels });

    const lines: string[] = [];
    const io = { stdout: (s: string) => void lines.push(s), stderr: (s: string) => void lines.push(s), env: process.env, cwd: root };
    const rulesFile = join(work.path, 'rules.yaml');
    expect(await main(['generate', '-f', 'deploy/demo/resources', '-o', rulesFile], io), lines.join('')).toBe(0);
    const rules = readFileSync(rulesFile, 'utf8');
    await backfillRecordingRules({ ruleYaml: rules, dataDir: data.path, passes: [{ start: now - 6 * 3600, end: now - 60, evalInterval: 300 }] });

    // Live: the same rules, evaluated every 2 s, alerts without their `for` (so the test does not wait 2
    // minutes for a page that the promtool scenarios already time); live traffic and Vigil's exporter.
    const live = join(work.path, 'live-rules.yaml');
    await writeFile(live, rules.replace(/^(\s+)interval: \S+$/gm, '$1interval: 2s').replace(/^(\s+)for: \S+$/gm, '$1for: 0s'));
    // The API's /metrics (the real exporter) over a budget result for every demo SLO and a health result for
    // every service and workload, as the workers would write them. An hour's cycle keeps them fresh.
    api = await startAppFixture();
    const redis = api.redis;
    const demoSlos = compile(loadResources([join(root, 'deploy/demo/resources')], root).resources).slos;
    const burn = Object.fromEntries(['5m', '30m', '1h', '2h', '6h', '1d', '3d'].map((w, i) => [w, 0.5 + i / 10]));
    for (const slo of demoSlos) await redis.hset(redisKeys.budgetResults, `${slo.namespace}/${slo.name}`, encodeResult(result(slo.slo.service.name, { burn })));
    // And the summary of a backtest of each SLO's policies, as GET …/backtest stores it.
    for (const slo of demoSlos) {
      const policies = slo.policies.map((p) => ({ name: p.name, severity: p.severity, alerts: 2, perWeek: 0.5, firingSeconds: 1800 }));
      await storeBacktestSummary(redis, `${slo.namespace}/${slo.name}`, { at: Date.now(), rangeSeconds: 28 * 86_400, coverage: 1, policies, incidents: 3, missed: 1, slowestPageSeconds: 240 });
    }
    for (const kind of ['service', 'workload']) {
      for (const { name } of config.services) {
        const signals = Object.fromEntries(signalNames.map((signal) => [signal, { status: 'healthy', score: 0.9, value: 1 }]));
        await redis.hset(healthResultsKey, `${kind}/shop/${name}`, JSON.stringify({ kind, namespace: 'shop', name, at: Date.now(), status: 'healthy', score: 0.9, signals, reasons: [], worker: 'w1' }));
      }
    }
    const exporter: FastifyInstance = await api.app({ cycleMs: 3_600_000, registerMetrics: (registry, r) => registerHealthMetrics(registry, r, { staleAfterMs: 3_600_000 }) });
    await exporter.listen({ host: '127.0.0.1', port: 0 });
    const exporterPort = (exporter.server.address() as { port: number }).port;
    prometheus = await startPrometheus({
      dataDir: data.path,
      ruleFiles: [live],
      scrapeConfigsYaml: [
        `  - job_name: mesh\n    static_configs: [{targets: ["127.0.0.1:${traffic.port}"]}]`,
        `  - job_name: vigil-all\n    static_configs: [{targets: ["127.0.0.1:${exporterPort}"]}]`,
      ].join('\n'),
    });
    const p = prometheus;
    await waitFor(
      'the checkout page firing and the exporter scraped',
      async () =>
        (await p.query('ALERTS{alertname="VigilErrorBudgetBurn", slo="checkout-availability", severity="page", alertstate="firing"}')).length > 0 &&
        (await p.query('vigil_health_score')).length > 0,
      { timeoutMs: 45_000, intervalMs: 500 },
    );
  }, 170_000);

  afterAll(async () => {
    await prometheus?.stop();
    await traffic?.close();
    await api?.stop();
    await data?.remove();
    await work?.remove();
  });

  it('backfilled recordings equal the rule evaluated at the same time', async () => {
    const p = prometheus!;
    const t = Math.floor((Date.now() / 1000 - 2 * 3600) / 300) * 300;
    const recorded = await p.query('vigil:sli_total:rate5m{slo="checkout-availability", namespace="shop"}', t);
    const rule = await p.query('sum(sum(rate(istio_requests_total{reporter="destination", destination_service_namespace="shop", destination_service_name="checkout"}[5m])))', t);
    expect(recorded.length).toBe(1);
    expect(Number(recorded[0]!.value[1])).toBeCloseTo(Number(rule[0]!.value[1]), 9);
    expect(recorded[0]!.metric).toMatchObject({ slo: 'checkout-availability', namespace: 'shop', service: 'checkout' });
  });

  it.each(files)('every query of %s returns data', async (file) => {
    expect(queriesOf(file).length).toBeGreaterThan(5);
    expect(await emptyQueries(prometheus!.url, file)).toEqual([]);
  });
});
