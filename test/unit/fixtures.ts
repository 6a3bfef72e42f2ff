/** Resource fixtures for unit tests: a valid SLO document that each case edits. */
import { stringify } from 'yaml';
import { loadResources } from '../../src/resources/load-resources.js';
import { parseResourcesYaml } from '../../src/model/parse-yaml.js';
import type { SourcedResource } from '../../src/model/resource.js';

export function baseSlo(): Record<string, any> {
  return {
    apiVersion: 'sre.vigil.dev/v1alpha1',
    kind: 'ServiceLevelObjective',
    metadata: { name: 'checkout', namespace: 'shop' },
    spec: {
      selector: { name: 'checkout', namespace: 'shop' },
      sli: { templateRef: { name: 'http-requests-success-rate', namespace: 'vigil-system' } },
      slo: { goal: '99.9', rolling: { length: '30d' } },
    },
  };
}

export function basePolicy(): Record<string, any> {
  return {
    apiVersion: 'sre.vigil.dev/v1alpha1',
    kind: 'AlertingPolicy',
    metadata: { name: 'checkout-fast', namespace: 'shop' },
    spec: {
      sloRef: { name: 'checkout' },
      burnrate: { threshold: '14.4', lookBackWindow: '1h', secondaryWindow: '5m', conditionMetDuration: '2m', severity: 'page' },
    },
  };
}

export function baseTemplate(): Record<string, any> {
  return {
    apiVersion: 'sre.vigil.dev/v1alpha1',
    kind: 'ServiceLevelIndicatorTemplate',
    metadata: { name: 'custom', namespace: 'shop' },
    spec: {
      kind: 'availability',
      parameters: [{ name: 'job' }],
      goodEvents: 'sum(rate(http_requests_total{job="{{Params.job}}", code!~"5.."}[{{SLO.Period}}]))',
      totalEvents: 'sum(rate(http_requests_total{job="{{Params.job}}"}[{{SLO.Period}}]))',
    },
  };
}

/** Documents → resources as if read from one file, plus the built-in templates and policy sets. */
export function resourcesFrom(documents: readonly object[], file = 'slos.yaml'): SourcedResource[] {
  const text = documents.map((d) => stringify(d)).join('---\n');
  const parsed = parseResourcesYaml(text, file);
  if (parsed.issues.length) throw new Error(`fixture does not parse: ${JSON.stringify(parsed.issues)}`);
  return [...parsed.resources, ...loadResources([], process.cwd()).resources];
}
