/** Resource fixtures in the real schema (src/model/schema.ts), compiled by the real pipeline. */
export function template(name: string, namespace = 'team-a', metric = 'http_requests_total') {
  return {
    apiVersion: 'sre.vigil.dev/v1alpha1',
    kind: 'ServiceLevelIndicatorTemplate',
    metadata: { name, namespace },
    spec: {
      kind: 'availability',
      description: 'share of requests that did not fail',
      goodEvents: `sum(rate(${metric}{service="{{Service.Name}}", code!~"5.."}[{{SLO.Period}}]))`,
      totalEvents: `sum(rate(${metric}{service="{{Service.Name}}"}[{{SLO.Period}}]))`,
    },
  };
}

export function slo(name: string, { namespace = 'team-a', templateName = 'availability', goal = '99.9', policySet }: { namespace?: string; templateName?: string; goal?: string; policySet?: string } = {}) {
  return {
    apiVersion: 'sre.vigil.dev/v1alpha1',
    kind: 'ServiceLevelObjective',
    metadata: { name, namespace },
    spec: {
      selector: { name, namespace },
      sli: { templateRef: { name: templateName, namespace } },
      slo: { goal, rolling: { length: '30d' } },
      ...(policySet ? { alertingPolicySet: policySet } : {}),
    },
  };
}

export function policy(name: string, target: string | { set: string }, { namespace = 'team-a', threshold = '14.4', severity = 'page' } = {}) {
  return {
    apiVersion: 'sre.vigil.dev/v1alpha1',
    kind: 'AlertingPolicy',
    metadata: { name, namespace },
    spec: {
      ...(typeof target === 'string' ? { sloRef: { name: target, namespace } } : { policySet: target.set }),
      burnrate: { threshold, lookBackWindow: '1h', secondaryWindow: '5m', conditionMetDuration: '2m', severity },
    },
  };
}

type Rules = Array<{ record?: string; alert?: string; expr: string; labels?: Record<string, string> }>;

/** All rules of a PrometheusRule spec or rule file, flattened. */
export function rulesIn(groups: ReadonlyArray<{ rules: Rules }> | undefined): Rules {
  return (groups ?? []).flatMap((g) => g.rules);
}

export function alertsIn(groups: ReadonlyArray<{ rules: Rules }> | undefined): Rules {
  return rulesIn(groups).filter((r) => r.alert);
}

/** The objective recorded for the SLO (vigil:slo_objective:ratio), e.g. "0.999". */
export function objectiveIn(groups: ReadonlyArray<{ rules: Rules }> | undefined): string | undefined {
  return rulesIn(groups).find((r) => r.record === 'vigil:slo_objective:ratio')?.expr;
}
