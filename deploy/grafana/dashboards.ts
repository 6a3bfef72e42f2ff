/**
 * Vigil's Grafana dashboards as code: four dashboards built from small panel helpers, written to
 * deploy/grafana/dashboards/*.json by write-dashboards.ts (a test fails when the JSON drifts from this file).
 * Every query uses the `datasource` template variable (type datasource, Prometheus) — no `${DS_…}` inputs —
 * and only Vigil's public names (ARCHITECTURE.md "Public names") plus Istio/cAdvisor metrics for raw signals.
 */

type Json = Record<string, unknown>;

export interface Target {
  readonly expr: string;
  readonly legendFormat?: string;
  readonly instant?: boolean;
  readonly format?: 'time_series' | 'table';
  /** Drawn as a dashed line (a threshold, not a measurement); time series panels only. */
  readonly dashed?: boolean;
}

export interface Panel {
  readonly title: string;
  readonly type: 'stat' | 'timeseries' | 'table' | 'state-timeline' | 'text';
  readonly targets: readonly Target[];
  readonly unit?: string;
  readonly description?: string;
  readonly w?: number;
  readonly h?: number;
  readonly extra?: Json;
}

const ds = { type: 'prometheus', uid: '${datasource}' };

const datasourceVariable = {
  name: 'datasource',
  label: 'Prometheus',
  type: 'datasource',
  query: 'prometheus',
  current: {},
  hide: 0,
  refresh: 1,
  regex: '',
};

function queryVariable(name: string, label: string, query: string, options: { multi?: boolean; includeAll?: boolean } = {}): Json {
  return {
    name,
    label,
    type: 'query',
    datasource: ds,
    query: { query, refId: `${name}-variable` },
    definition: query,
    refresh: 2,
    sort: 1,
    multi: options.multi ?? false,
    includeAll: options.includeAll ?? false,
    ...(options.includeAll ? { allValue: '.+' } : {}),
    current: {},
    hide: 0,
  };
}

function customVariable(name: string, label: string, values: readonly string[]): Json {
  return {
    name,
    label,
    type: 'custom',
    query: values.join(','),
    current: { text: values[0], value: values[0] },
    options: values.map((v, i) => ({ text: v, value: v, selected: i === 0 })),
    multi: false,
    includeAll: false,
    hide: 0,
  };
}

const refId = (target: number) => String.fromCharCode(65 + target);

/** A field override per dashed target, matched by its query's refId. */
function overridesOf(targets: readonly Target[]): Json[] {
  return targets.flatMap((t, j) =>
    t.dashed ? [{ matcher: { id: 'byFrameRefID', options: refId(j) }, properties: [{ id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }] }] : [],
  );
}

function layout(panels: readonly Panel[]): Json[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return panels.map((p, i) => {
    const w = p.w ?? 12;
    const h = p.h ?? 8;
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { x, y, w, h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return {
      id: i + 1,
      title: p.title,
      type: p.type,
      datasource: ds,
      gridPos,
      ...(p.description ? { description: p.description } : {}),
      fieldConfig: { defaults: { ...(p.unit ? { unit: p.unit } : {}) }, overrides: overridesOf(p.targets) },
      options: {},
      targets: p.targets.map((t, j) => ({
        refId: refId(j),
        datasource: ds,
        expr: t.expr,
        legendFormat: t.legendFormat ?? '',
        instant: t.instant ?? false,
        range: !(t.instant ?? false),
        format: t.format ?? 'time_series',
      })),
      ...(p.extra ?? {}),
    };
  });
}

function dashboard(uid: string, title: string, description: string, variables: Json[], panels: readonly Panel[], links: Json[] = []): Json {
  return {
    uid,
    title,
    description,
    tags: ['vigil', 'slo'],
    editable: true,
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-24h', to: 'now' },
    refresh: '1m',
    timezone: 'browser',
    graphTooltip: 1,
    templating: { list: [datasourceVariable, ...variables] },
    annotations: {
      list: [
        {
          name: 'Error-budget alerts',
          datasource: ds,
          enable: true,
          iconColor: 'red',
          expr: 'ALERTS{alertname="VigilErrorBudgetBurn", alertstate="firing"}',
          titleFormat: '{{slo}} {{severity}}',
          textFormat: '{{policy}}: burn rate above {{burn_rate}}× over {{long_window}} and {{short_window}}',
        },
      ],
    },
    links,
    panels: layout(panels),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Queries

/** A matcher list for one SLO (detail) or the chosen namespaces (overview). */
const oneSlo = 'slo="$slo", namespace="$namespace"';
const someSlos = 'namespace=~"$namespace"';

/** Burn rate over a window: the recorded error ratio divided by the error budget (1 − objective). */
export function burnRate(window: string, matchers: string): string {
  return `vigil:slo_error_ratio:rate${window}{${matchers}} / on (slo, namespace) group_left () (1 - vigil:slo_objective:ratio{${matchers}})`;
}

/** Each alerting policy's burn-rate threshold, one series per policy with the alert's policy labels. */
export function burnRateThreshold(matchers: string): string {
  return `vigil:slo_burn_rate_threshold:ratio{${matchers}}`;
}

const windows = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];

// ---------------------------------------------------------------------------------------------------------
// Dashboards

export function sloOverview(): Json {
  const tableQuery = (expr: string): Target => ({ expr, instant: true, format: 'table' });
  return dashboard(
    'vigil-slo-overview',
    'Vigil / SLO overview',
    'Every SLO: goal, compliance, error budget remaining, current burn rate and firing error-budget alerts.',
    [queryVariable('namespace', 'Namespace', 'label_values(vigil:slo_objective:ratio, namespace)', { multi: true, includeAll: true })],
    [
      { title: 'SLOs', type: 'stat', w: 6, h: 4, targets: [{ expr: `count(vigil:slo_objective:ratio{${someSlos}})`, instant: true }] },
      {
        title: 'Firing error-budget alerts',
        type: 'stat',
        w: 6,
        h: 4,
        targets: [{ expr: `count(ALERTS{alertname="VigilErrorBudgetBurn", alertstate="firing", ${someSlos}}) or vector(0)`, instant: true }],
      },
      {
        title: 'SLOs with less than 25% of the budget left',
        type: 'stat',
        w: 6,
        h: 4,
        targets: [{ expr: `count(vigil_slo_error_budget_remaining_ratio{${someSlos}} < 0.25) or vector(0)`, instant: true }],
      },
      {
        title: 'Fastest burn now (1h)',
        type: 'stat',
        w: 6,
        h: 4,
        unit: 'x',
        targets: [{ expr: `max(${burnRate('1h', someSlos)})`, instant: true }],
      },
      {
        title: 'Service level objectives',
        type: 'table',
        w: 24,
        h: 10,
        description:
          'Goal and rolling-period figures from the recording rules; compliance and budget (rolling or calendar) from the Vigil worker. ' +
          'Period coverage: the share of the period the budget figures cover; below 99 % they describe part of the period only (partial).',
        targets: [
          tableQuery(`max by (slo, namespace, service) (vigil:slo_objective:ratio{${someSlos}})`),
          tableQuery(`max by (slo, namespace, service) (vigil_slo_compliance_ratio{${someSlos}})`),
          tableQuery(`max by (slo, namespace, service) (vigil_slo_error_budget_remaining_ratio{${someSlos}})`),
          tableQuery(`max by (slo, namespace, service) (${burnRate('1h', someSlos)})`),
          tableQuery(`max by (slo, namespace, service) (vigil_slo_time_to_exhaustion_seconds{${someSlos}})`),
          tableQuery(`count by (slo, namespace, service) (ALERTS{alertname="VigilErrorBudgetBurn", alertstate="firing", ${someSlos}})`),
          tableQuery(`max by (slo, namespace, service) (vigil_slo_period_coverage_ratio{${someSlos}})`),
        ],
        extra: {
          transformations: [
            { id: 'merge', options: {} },
            {
              id: 'organize',
              options: {
                excludeByName: { Time: true },
                renameByName: {
                  'Value #A': 'Goal',
                  'Value #B': 'Compliance',
                  'Value #C': 'Budget remaining',
                  'Value #D': 'Burn rate (1h)',
                  'Value #E': 'Budget lasts',
                  'Value #F': 'Firing alerts',
                  'Value #G': 'Period coverage',
                },
              },
            },
          ],
          links: [{ title: 'SLO detail', url: '/d/vigil-slo-detail?var-namespace=${__data.fields.namespace}&var-slo=${__data.fields.slo}&${datasource:queryparam}' }],
        },
      },
      {
        title: 'Error budget remaining',
        type: 'timeseries',
        unit: 'percentunit',
        targets: [{ expr: `vigil_slo_error_budget_remaining_ratio{${someSlos}}`, legendFormat: '{{namespace}}/{{slo}}' }],
      },
      {
        title: 'Burn rate (1h)',
        type: 'timeseries',
        unit: 'x',
        targets: [{ expr: burnRate('1h', someSlos), legendFormat: '{{namespace}}/{{slo}}' }],
      },
      {
        title: 'Firing alerts',
        type: 'table',
        w: 24,
        h: 6,
        targets: [{ expr: `ALERTS{alertname="VigilErrorBudgetBurn", alertstate="firing", ${someSlos}}`, instant: true, format: 'table' }],
      },
    ],
  );
}

export function sloDetail(): Json {
  return dashboard(
    'vigil-slo-detail',
    'Vigil / SLO detail',
    'One SLO: burn rate per window against the alerting policies, budget consumed over time, compliance, alert timeline.',
    [
      queryVariable('namespace', 'Namespace', 'label_values(vigil:slo_objective:ratio, namespace)'),
      queryVariable('slo', 'SLO', 'label_values(vigil:slo_objective:ratio{namespace="$namespace"}, slo)'),
    ],
    [
      { title: 'Goal', type: 'stat', w: 4, h: 4, unit: 'percentunit', targets: [{ expr: `vigil:slo_objective:ratio{${oneSlo}}`, instant: true }] },
      { title: 'Compliance', type: 'stat', w: 4, h: 4, unit: 'percentunit', targets: [{ expr: `vigil_slo_compliance_ratio{${oneSlo}}`, instant: true }] },
      { title: 'Budget remaining', type: 'stat', w: 4, h: 4, unit: 'percentunit', targets: [{ expr: `vigil_slo_error_budget_remaining_ratio{${oneSlo}}`, instant: true }] },
      { title: 'Burn rate (1h)', type: 'stat', w: 4, h: 4, unit: 'x', targets: [{ expr: burnRate('1h', oneSlo), instant: true }] },
      { title: 'Budget lasts at this rate', type: 'stat', w: 4, h: 4, unit: 's', targets: [{ expr: `vigil_slo_time_to_exhaustion_seconds{${oneSlo}}`, instant: true }] },
      {
        title: 'Alerts firing',
        type: 'stat',
        w: 4,
        h: 4,
        targets: [{ expr: `count(ALERTS{alertname="VigilErrorBudgetBurn", alertstate="firing", ${oneSlo}}) or vector(0)`, instant: true }],
      },
      {
        title: 'Burn rate per window',
        type: 'timeseries',
        w: 24,
        h: 9,
        unit: 'x',
        description:
          'Error ratio over each window divided by the error budget (1 − goal): 1× spends the budget exactly over the SLO period. ' +
          'Dashed: each alerting policy’s threshold (vigil:slo_burn_rate_threshold:ratio, the burn_rate label of its alerts); ' +
          'a policy fires when both its long and its short window (in its legend) stay above its line for the policy’s `for`.',
        targets: [
          ...windows.map((w) => ({ expr: burnRate(w, oneSlo), legendFormat: w })),
          { expr: burnRateThreshold(oneSlo), legendFormat: '{{policy}} threshold ({{long_window}} and {{short_window}})', dashed: true },
        ],
      },
      {
        title: 'Alerting policies in alert (threshold = burn_rate)',
        type: 'table',
        w: 24,
        h: 5,
        targets: [
          {
            expr: `max by (policy, severity, long_window, short_window, burn_rate, alertstate) (ALERTS{alertname="VigilErrorBudgetBurn", ${oneSlo}})`,
            instant: true,
            format: 'table',
          },
        ],
      },
      {
        title: 'Error budget consumed',
        type: 'timeseries',
        unit: 'percentunit',
        description: 'Worker: current period (rolling or calendar, in the SLO time zone). Rules: rolling period.',
        targets: [
          { expr: `vigil_slo_error_budget_consumed_ratio{${oneSlo}}`, legendFormat: 'consumed (worker)' },
          { expr: `1 - vigil:slo_error_budget_remaining:ratio{${oneSlo}}`, legendFormat: 'consumed (rules, rolling)' },
        ],
      },
      {
        title: 'Compliance against the goal',
        type: 'timeseries',
        unit: 'percentunit',
        targets: [
          { expr: `vigil_slo_compliance_ratio{${oneSlo}}`, legendFormat: 'compliance (worker)' },
          { expr: `1 - vigil:slo_error_ratio:period{${oneSlo}}`, legendFormat: 'compliance (rules, rolling)' },
          { expr: `vigil:slo_objective:ratio{${oneSlo}}`, legendFormat: 'goal' },
        ],
      },
      {
        title: 'Alert timeline',
        type: 'state-timeline',
        w: 24,
        h: 6,
        targets: [
          {
            expr: `max by (policy, severity, alertstate) (ALERTS{alertname="VigilErrorBudgetBurn", ${oneSlo}})`,
            legendFormat: '{{severity}} {{policy}} ({{alertstate}})',
          },
        ],
      },
      {
        title: 'Backtest: alerts per week the current policies would have raised',
        type: 'table',
        w: 12,
        h: 6,
        description:
          'The last backtest of this SLO’s alerting policies (GET /api/v1/slos/{namespace}/{name}/backtest, which any replica of the API ' +
          'keeps on its /metrics for 7 days): each policy replayed with the rules’ own windows and `for` over the recorded history, ' +
          'as pages and tickets per week and the share of the range it would have been firing. Run it again after changing the ' +
          'policies, or POST candidate policies to the same path to compare before applying them.',
        targets: [
          { expr: `max by (policy, severity) (vigil_backtest_alerts_per_week{${oneSlo}})`, instant: true, format: 'table', legendFormat: 'alerts per week' },
          { expr: `max by (policy, severity) (vigil_backtest_firing_ratio{${oneSlo}})`, instant: true, format: 'table', legendFormat: 'share of the range firing' },
        ],
        extra: { transformations: [{ id: 'merge', options: {} }] },
      },
      {
        title: 'Backtest: incidents, and those no page caught',
        type: 'stat',
        w: 8,
        h: 6,
        description:
          'Incidents of the last backtest (runs of 5-minute tiles burning faster than the budget), and those that consumed at least 2 % ' +
          'of the budget that no page policy caught (0 is the goal). The slowest page of the others is vigil_backtest_slowest_page_seconds.',
        targets: [
          { expr: `vigil_backtest_incidents{${oneSlo}}`, instant: true, legendFormat: 'incidents' },
          { expr: `vigil_backtest_missed_incidents{${oneSlo}}`, instant: true, legendFormat: 'missed by every page' },
        ],
      },
      {
        title: 'Backtest: range replayed (age)',
        type: 'stat',
        w: 4,
        h: 6,
        unit: 's',
        targets: [
          { expr: `vigil_backtest_range_seconds{${oneSlo}}`, instant: true, legendFormat: 'range' },
          { expr: `time() - vigil_backtest_timestamp_seconds{${oneSlo}}`, instant: true, legendFormat: 'age' },
        ],
      },
      {
        title: 'Period coverage',
        type: 'timeseries',
        unit: 'percentunit',
        description:
          'Share of the SLO period (or of its elapsed part) that the budget figures cover. "recorded": Vigil’s own tile recordings; ' +
          '"figures": recorded plus tiles the worker filled from the raw series. Below 99 % the figures are partial; a lasting gap between ' +
          'the two lines is what `vigil backfill` closes (README, "Backfilling history").',
        targets: [
          { expr: `vigil_slo_period_coverage_ratio{${oneSlo}}`, legendFormat: 'figures' },
          { expr: `vigil_slo_period_recorded_coverage_ratio{${oneSlo}}`, legendFormat: 'recorded' },
        ],
      },
      {
        title: 'Events (5m rates)',
        type: 'timeseries',
        unit: 'reqps',
        targets: [
          { expr: `vigil:sli_total:rate5m{${oneSlo}}`, legendFormat: 'total' },
          { expr: `vigil:sli_good:rate5m{${oneSlo}}`, legendFormat: 'good' },
        ],
      },
      {
        title: 'Burn rate (worker, per window)',
        type: 'timeseries',
        unit: 'x',
        targets: [{ expr: `vigil_slo_burn_rate{${oneSlo}}`, legendFormat: '{{window}}' }],
      },
    ],
    [{ title: 'SLO overview', url: '/d/vigil-slo-overview', type: 'link', keepTime: true, includeVars: false }],
  );
}

export function healthOverview(): Json {
  const m = 'kind=~"$kind", namespace=~"$namespace"';
  return dashboard(
    'vigil-health-overview',
    'Vigil / Health overview',
    'Services and workloads by health score (1 healthy, 0 unhealthy), learned from their own past behaviour.',
    [
      customVariable('kind', 'Kind', ['service', 'workload']),
      queryVariable('namespace', 'Namespace', 'label_values(vigil_health_score, namespace)', { multi: true, includeAll: true }),
    ],
    [
      { title: 'Entities', type: 'stat', w: 8, h: 4, targets: [{ expr: `count(vigil_health_score{${m}})`, instant: true }] },
      { title: 'Unhealthy (score < 0.5)', type: 'stat', w: 8, h: 4, targets: [{ expr: `count(vigil_health_score{${m}} < 0.5) or vector(0)`, instant: true }] },
      { title: 'Lowest score', type: 'stat', w: 8, h: 4, targets: [{ expr: `min(vigil_health_score{${m}})`, instant: true }] },
      {
        title: 'By score (lowest first)',
        type: 'table',
        w: 24,
        h: 10,
        targets: [{ expr: `sort(vigil_health_score{${m}})`, instant: true, format: 'table' }],
        extra: {
          links: [{ title: 'Health detail', url: '/d/vigil-health-detail?var-kind=${__data.fields.kind}&var-namespace=${__data.fields.namespace}&var-name=${__data.fields.name}&${datasource:queryparam}' }],
        },
      },
      { title: 'Ten lowest scores', type: 'timeseries', targets: [{ expr: `bottomk(10, vigil_health_score{${m}})`, legendFormat: '{{namespace}}/{{name}}' }] },
      {
        title: 'Lowest signal score by signal',
        type: 'timeseries',
        targets: [{ expr: `min by (signal) (vigil_health_signal_score{${m}})`, legendFormat: '{{signal}}' }],
      },
    ],
  );
}

/** Raw signal queries for one service (kind=service) or workload, as the health worker reads them. */
export function rawSignals(): Array<{ title: string; unit: string; expr: (offset: string) => string }> {
  const svc = 'reporter="destination", destination_service_namespace="$namespace", destination_service_name="$name"';
  const wl = 'reporter="destination", destination_workload_namespace="$namespace", destination_workload="$name"';
  const pods = 'namespace="$namespace", pod=~"$name-[a-z0-9]{5,10}-[a-z0-9]{5}"';
  const containers = `${pods}, container!="", container!="POD"`;
  const either = (f: (sel: string) => string) => (o: string) => `(${f(svc).replaceAll('OFFSET', o)}) or (${f(wl).replaceAll('OFFSET', o)})`;
  return [
    { title: 'Request rate', unit: 'reqps', expr: either((s) => `sum(rate(istio_requests_total{${s}}[$__rate_interval] OFFSET))`) },
    {
      title: '5xx ratio',
      unit: 'percentunit',
      expr: either((s) => `(sum(rate(istio_requests_total{${s}, response_code=~"5.."}[$__rate_interval] OFFSET)) or vector(0)) / sum(rate(istio_requests_total{${s}}[$__rate_interval] OFFSET))`),
    },
    { title: 'p95 latency', unit: 'ms', expr: either((s) => `histogram_quantile(0.95, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${s}}[$__rate_interval] OFFSET)))`) },
    { title: 'p99 latency', unit: 'ms', expr: either((s) => `histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${s}}[$__rate_interval] OFFSET)))`) },
    {
      title: 'CPU saturation (usage / limit)',
      unit: 'percentunit',
      expr: (o) => `sum(rate(container_cpu_usage_seconds_total{${containers}}[$__rate_interval] ${o})) / sum(kube_pod_container_resource_limits{${pods}, resource="cpu"} ${o})`,
    },
    {
      title: 'CPU throttling',
      unit: 'percentunit',
      expr: (o) => `sum(rate(container_cpu_cfs_throttled_periods_total{${containers}}[$__rate_interval] ${o})) / sum(rate(container_cpu_cfs_periods_total{${containers}}[$__rate_interval] ${o}))`,
    },
    {
      title: 'Memory saturation (working set / limit)',
      unit: 'percentunit',
      expr: (o) => `sum(container_memory_working_set_bytes{${containers}} ${o}) / sum(kube_pod_container_resource_limits{${pods}, resource="memory"} ${o})`,
    },
  ];
}

export function healthDetail(): Json {
  const m = 'kind="$kind", namespace="$namespace", name="$name"';
  const signalPanels: Panel[] = rawSignals().map((s) => ({
    title: `${s.title}: now against a day and a week ago`,
    type: 'timeseries',
    unit: s.unit,
    w: 8,
    targets: [
      { expr: s.expr('').replace(/ \)/g, ')'), legendFormat: 'now' },
      { expr: s.expr('offset 1d'), legendFormat: 'a day ago' },
      { expr: s.expr('offset 7d'), legendFormat: 'a week ago' },
    ],
  }));
  return dashboard(
    'vigil-health-detail',
    'Vigil / Health detail',
    'One service or workload: overall and per-signal health scores, and each raw signal against the same time a day and a week before (the seasonal baseline the scorer learns from).',
    [
      customVariable('kind', 'Kind', ['service', 'workload']),
      queryVariable('namespace', 'Namespace', 'label_values(vigil_health_score{kind="$kind"}, namespace)'),
      queryVariable('name', 'Name', 'label_values(vigil_health_score{kind="$kind", namespace="$namespace"}, name)'),
    ],
    [
      { title: 'Health score', type: 'stat', w: 6, h: 6, targets: [{ expr: `vigil_health_score{${m}}`, instant: true }] },
      { title: 'Health score over time', type: 'timeseries', w: 18, h: 6, targets: [{ expr: `vigil_health_score{${m}}`, legendFormat: 'score' }] },
      { title: 'Signal scores', type: 'timeseries', w: 24, h: 8, targets: [{ expr: `vigil_health_signal_score{${m}}`, legendFormat: '{{signal}}' }] },
      ...signalPanels,
    ],
    [{ title: 'Health overview', url: '/d/vigil-health-overview', type: 'link', keepTime: true, includeVars: false }],
  );
}

export const dashboards: Record<string, () => Json> = {
  'vigil-slo-overview.json': sloOverview,
  'vigil-slo-detail.json': sloDetail,
  'vigil-health-overview.json': healthOverview,
  'vigil-health-detail.json': healthDetail,
};

/** The JSON text committed for a dashboard (2-space indent, trailing newline). */
export function dashboardText(file: string): string {
  const build = dashboards[file];
  if (!build) throw new Error(`unknown dashboard ${file}`);
  return `${JSON.stringify(build(), null, 2)}\n`;
}
