/**
 * The release-gate manifests shipped under deploy/delivery/, built from the demo's checkout SLO with the same
 * code as `vigil render` (so the canary query is the SLO's own indicator, restricted to the canary's pods).
 * `npm run delivery:update` rewrites the YAML files; a test fails when they drift from this.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadResources } from '../../src/resources/load-resources.js';
import { parseDuration } from '../../src/model/duration.js';
import { canaryQueries, ISTIO_WORKLOAD_LABEL } from '../../src/rules/canary-query.js';
import { compile } from '../../src/rules/compile.js';

const root = join(import.meta.dirname, '../..');

/** The SLO the examples gate on, the Vigil API and Prometheus addresses of the base install. */
export const example = {
  slo: { namespace: 'shop', name: 'checkout-availability' },
  service: 'checkout',
  api: 'http://vigil-api.vigil-system:8080',
  prometheus: 'http://prometheus-operated.monitoring:9090',
  /** The canary may burn its budget at most this fast (a burn rate: 1 spends the budget exactly over the period). */
  maxCanaryBurnRate: 2,
  minBudgetRemaining: 0.25,
  window: '1m',
} as const;

/** Placeholders of the delivery tools, kept verbatim in the rendered query (escaped as label values). */
export const placeholders = { flaggerTarget: '{{ target }}', argoWorkload: '{{args.canary-workload}}' } as const;

function burnRateQuery(workload: string): string {
  const compiled = compile(loadResources([join(root, 'deploy/demo/resources')], root).resources).slos.find(
    (s) => s.namespace === example.slo.namespace && s.name === example.slo.name,
  );
  if (!compiled) throw new Error(`the demo resources have no SLO ${example.slo.namespace}/${example.slo.name}`);
  const window = parseDuration(example.window);
  if (!window.ok) throw new Error(window.message);
  const rendered = canaryQueries(compiled, window.ms, { label: ISTIO_WORKLOAD_LABEL, value: workload });
  if (!rendered.ok) throw new Error(rendered.message);
  return rendered.queries.burnRate;
}

const gateQuery = (extra: Record<string, string> = {}) =>
  new URLSearchParams({ minBudgetRemaining: String(example.minBudgetRemaining), maxBurnRate: String(example.maxCanaryBurnRate), ...extra }).toString();

export function deliveryManifests(): Record<string, object[]> {
  const sloRef = `${example.slo.namespace}/${example.slo.name}`;
  const flaggerMetricTemplate = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'MetricTemplate',
    metadata: { name: `vigil-${example.slo.name}-burn-rate`, namespace: example.slo.namespace },
    spec: { provider: { type: 'prometheus', address: example.prometheus }, query: burnRateQuery(placeholders.flaggerTarget) },
  };
  const flaggerCanary = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: example.service, namespace: example.slo.namespace },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: example.service },
      service: { port: 8080 },
      analysis: {
        interval: example.window,
        threshold: 3,
        maxWeight: 50,
        stepWeight: 10,
        metrics: [
          {
            name: 'slo-burn-rate',
            templateRef: { name: flaggerMetricTemplate.metadata.name, namespace: example.slo.namespace },
            thresholdRange: { max: example.maxCanaryBurnRate },
            interval: example.window,
          },
        ],
        webhooks: [
          {
            name: 'error-budget-gate',
            type: 'pre-rollout',
            url: `${example.api}/api/v1/gate`,
            timeout: '10s',
            metadata: { slo: sloRef, minBudgetRemaining: String(example.minBudgetRemaining), maxBurnRate: String(example.maxCanaryBurnRate), window: '1h' },
          },
        ],
      },
    },
  };
  const argoAnalysisTemplate = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: `vigil-${example.slo.name}`, namespace: example.slo.namespace },
    spec: {
      args: [{ name: 'canary-workload' }, { name: 'vigil-token', valueFrom: { secretKeyRef: { name: 'vigil-api-token', key: 'token' } } }],
      metrics: [
        {
          name: 'slo-burn-rate',
          interval: example.window,
          count: 5,
          failureLimit: 1,
          successCondition: `result[0] <= ${example.maxCanaryBurnRate}`,
          provider: { prometheus: { address: example.prometheus, query: burnRateQuery(placeholders.argoWorkload) } },
        },
        {
          name: 'error-budget-gate',
          count: 1,
          successCondition: 'result == true',
          provider: {
            web: {
              url: `${example.api}/api/v1/slos/${example.slo.namespace}/${example.slo.name}/gate?${gateQuery({ failStatus: '200' })}`,
              headers: [{ key: 'Authorization', value: 'Bearer {{args.vigil-token}}' }],
              timeoutSeconds: 10,
              jsonPath: '{$.pass}',
            },
          },
        },
      ],
    },
  };
  return {
    'flagger/metric-template.yaml': [flaggerMetricTemplate],
    'flagger/canary.yaml': [flaggerCanary],
    'argo-rollouts/analysis-template.yaml': [argoAnalysisTemplate],
  };
}

export function manifestText(file: string): string {
  const docs = deliveryManifests()[file];
  if (!docs) throw new Error(`no delivery manifest ${file}`);
  const header = `# Generated by npm run delivery:update from deploy/delivery/delivery.ts (the demo's ${example.slo.namespace}/${example.slo.name} SLO).\n# For your own SLO: vigil render -f slos/ --slo NAMESPACE/NAME --workload '${file.startsWith('flagger') ? placeholders.flaggerTarget : placeholders.argoWorkload}' --output burn-rate\n`;
  return header + docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}
