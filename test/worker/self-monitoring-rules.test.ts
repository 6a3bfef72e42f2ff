/**
 * alert-rules/vigil-self-monitoring.yaml passes `promtool check rules` (Prometheus 2.42), every alert
 * has a runbook, and `promtool test rules` scenarios show each one fires when it should and not before.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/processes.js';
import { promtool } from '../support/prometheus.js';

const rulesFile = fileURLToPath(new URL('../../alert-rules/vigil-self-monitoring.yaml', import.meta.url));

const firing = (alertname: string, labels: Record<string, string> = {}) => {
  const all = { alertname, alertstate: 'firing', ...labels };
  return { labels: `ALERTS{${Object.entries(all).map(([k, v]) => `${k}="${v}"`).join(',')}}`, value: 1 };
};
const at = (eval_time: string, samples: ReturnType<typeof firing>[], expr = 'ALERTS{alertstate="firing"}') => ({ expr, eval_time, exp_samples: samples });
// Scenarios without worker targets leave out VigilWorkerDown (it rightly fires on the absent target).
const notWorker = 'ALERTS{alertstate="firing",alertname!~"VigilWorker.*"}';
const atOther = (eval_time: string, samples: ReturnType<typeof firing>[]) => at(eval_time, samples, notWorker);

const scenarios = [
  {
    name: 'worker replica goes down, then the only one',
    interval: '1m',
    input_series: [
      { series: 'up{job="vigil-worker",instance="w1"}', values: '1 1 0x30' },
      { series: 'up{job="vigil-worker",instance="w2"}', values: '1x14 0x20' },
    ],
    promql_expr_test: [
      at('10m', []),
      at('13m', [firing('VigilWorkerReplicaDown', { instance: 'w1', job: 'vigil-worker', severity: 'ticket' })]),
      at('21m', [
        firing('VigilWorkerDown', { severity: 'page' }),
        firing('VigilWorkerReplicaDown', { instance: 'w1', job: 'vigil-worker', severity: 'ticket' }),
      ]),
    ],
  },
  {
    name: 'no worker target at all',
    interval: '1m',
    input_series: [{ series: 'up{job="vigil-api",instance="a1"}', values: '1x20' }],
    promql_expr_test: [at('4m', []), at('6m', [firing('VigilWorkerDown', { severity: 'page' })])],
  },
  {
    // `vigil all` runs the worker and serves its metrics (the demo and deploy/prometheus/prometheus.yml).
    name: 'vigil all is the worker: no page while it is up, a page when it goes down',
    interval: '1m',
    input_series: [{ series: 'up{job="vigil-all",instance="a1"}', values: '1x20 0x20' }],
    promql_expr_test: [
      at('20m', []),
      at('31m', [firing('VigilWorkerDown', { severity: 'page' }), firing('VigilWorkerReplicaDown', { instance: 'a1', job: 'vigil-all', severity: 'ticket' })]),
    ],
  },
  {
    name: 'budget results go stale',
    interval: '1m',
    input_series: [
      { series: 'vigil_budget_results{state="stale",instance="a1"}', values: '0x4 3x20' },
      // Computed every minute until minute 5, then no more.
      { series: 'vigil_slo_computed_timestamp_seconds{slo="s",namespace="n",service="x"}', values: '0+60x5 300x30' },
    ],
    promql_expr_test: [
      atOther('8m', []),
      atOther('11m', [firing('VigilBudgetResultsStale', { severity: 'page' })]),
      atOther('17m', [firing('VigilBudgetResultsLagging', { severity: 'ticket' }), firing('VigilBudgetResultsStale', { severity: 'page' })]),
    ],
  },
  {
    name: 'half of the Prometheus queries fail; healthy worker does not alert',
    interval: '1m',
    input_series: [
      { series: 'vigil_prometheus_queries_total{instance="w1",outcome="ok"}', values: '0+10x40' },
      { series: 'vigil_prometheus_query_errors_total{instance="w1",error_type="network_error"}', values: '0x5 0+10x35' },
      { series: 'vigil_prometheus_queries_total{instance="w2",outcome="ok"}', values: '0+10x40' },
    ],
    promql_expr_test: [atOther('10m', []), atOther('25m', [firing('VigilPrometheusQueriesFailing', { severity: 'page' })])],
  },
  {
    name: 'rule reloads fail',
    interval: '1m',
    input_series: [
      { series: 'vigil_rule_reload_failures_total{job="vigil-controller",instance="c1"}', values: '0x2 1+1x90' },
      { series: 'vigil_rule_reload_last_success_timestamp_seconds{job="vigil-controller",instance="c1"}', values: '60x92' },
    ],
    promql_expr_test: [
      atOther('6m', []),
      atOther('9m', [firing('VigilRuleReloadFailing', { instance: 'c1', job: 'vigil-controller', severity: 'ticket' })]),
      atOther('70m', [
        firing('VigilRuleReloadFailing', { instance: 'c1', job: 'vigil-controller', severity: 'ticket' }),
        firing('VigilRuleReloadStale', { instance: 'c1', job: 'vigil-controller', severity: 'page' }),
      ]),
    ],
  },
  {
    // A new SLO with a month of raw history: its recordings cover 10 % of the period, the raw series all of it.
    // Another whose service is new too (no raw data before its recordings): nothing to backfill, no alert.
    name: 'recordings cover part of the period while raw data exists',
    interval: '1m',
    input_series: [
      { series: 'vigil_slo_period_recorded_coverage_ratio{slo="new",namespace="shop",service="x"}', values: '0.1+0.00001x1560' },
      { series: 'vigil_slo_period_coverage_ratio{slo="new",namespace="shop",service="x"}', values: '1x1560' },
      { series: 'vigil_slo_period_recorded_coverage_ratio{slo="young",namespace="shop",service="y"}', values: '0.1+0.00001x1560' },
      { series: 'vigil_slo_period_coverage_ratio{slo="young",namespace="shop",service="y"}', values: '0.1+0.00001x1560' },
    ],
    promql_expr_test: [
      atOther('23h', []),
      atOther('25h', [firing('VigilSloPeriodUncovered', { slo: 'new', namespace: 'shop', service: 'x', severity: 'ticket' })]),
    ],
  },
];

describe('self-monitoring alert rules', () => {
  it('pass promtool check rules --lint-fatal', async () => {
    const result = await promtool(['check', 'rules', '--lint-fatal', rulesFile]);
    expect(result.stdout + result.stderr).toContain('SUCCESS: 8 rules found');
    expect(result.code).toBe(0);
  });

  it('cover worker down, stale results, failing queries and rule reloads, each with a runbook', async () => {
    const doc = parse(await readFile(rulesFile, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; annotations: Record<string, string>; labels: Record<string, string> }> }> };
    const rules = doc.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'VigilBudgetResultsLagging',
      'VigilBudgetResultsStale',
      'VigilPrometheusQueriesFailing',
      'VigilRuleReloadFailing',
      'VigilRuleReloadStale',
      'VigilSloPeriodUncovered',
      'VigilWorkerDown',
      'VigilWorkerReplicaDown',
    ]);
    for (const r of rules) {
      expect(r.annotations.runbook?.length, r.alert).toBeGreaterThan(40);
      expect(['page', 'ticket']).toContain(r.labels.severity);
    }
  });

  it('runbooks name the namespace the deploy installs into', async () => {
    const kustomization = parse(await readFile(fileURLToPath(new URL('../../deploy/base/kustomization.yaml', import.meta.url)), 'utf8')) as { namespace: string };
    const namespaces = [...(await readFile(rulesFile, 'utf8')).matchAll(/kubectl -n (\S+)/g)].map((m) => m[1]);
    expect(namespaces.length).toBeGreaterThan(0);
    expect(new Set(namespaces)).toEqual(new Set([kustomization.namespace]));
  });

  it('fire in promtool test rules scenarios, and not before their time', async () => {
    const dir = await tempDir('self-monitoring');
    try {
      const file = join(dir.path, 'self-monitoring.test.yaml');
      await writeFile(file, stringify({ rule_files: [rulesFile], evaluation_interval: '1m', tests: scenarios }));
      const result = await promtool(['test', 'rules', file]);
      expect(result.stdout + result.stderr).toContain('SUCCESS');
      expect(result.code).toBe(0);
    } finally {
      await dir.remove();
    }
  });
});
