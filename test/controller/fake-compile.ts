/**
 * A small stand-in for the real compile pipeline (src/model + src/rules), honouring the contract in
 * src/controller/compile-contract.ts. TODO: switch the tests to the real `compile` once it lands on main.
 */
import type { CompileFn, CompileIssue, CompiledSlo, SourcedResource } from '../../src/controller/compile-contract.js';

interface Ref {
  name?: string;
  namespace?: string;
}

export const fakeCompile: CompileFn = (resources) => {
  const issues: CompileIssue[] = [];
  const slos: CompiledSlo[] = [];
  const find = (kind: string, ref: Ref | undefined, ns: string) =>
    ref?.name ? resources.find((r) => r.kind === kind && r.metadata.name === ref.name && r.metadata.namespace === (ref.namespace || ns)) : undefined;
  const issue = (r: SourcedResource, path: string, message: string): CompileIssue => ({
    kind: r.kind,
    namespace: r.metadata.namespace,
    name: r.metadata.name,
    path,
    message,
    level: 'error',
    ...(r.origin ? { file: r.origin.file, line: r.origin.line } : {}),
  });
  const templateOk = (t: SourcedResource) => {
    const spec = t.spec as { totalEvents?: unknown } | undefined;
    if (typeof spec?.totalEvents !== 'string' || spec.totalEvents === '') {
      issues.push(issue(t, 'spec.totalEvents', 'is required (a PromQL expression for all events)'));
      return false;
    }
    return true;
  };
  for (const t of resources.filter((r) => r.kind === 'ServiceLevelIndicatorTemplate')) templateOk(t);
  for (const slo of resources.filter((r) => r.kind === 'ServiceLevelObjective')) {
    const ns = slo.metadata.namespace;
    const spec = (slo.spec ?? {}) as { sli?: { templateRef?: Ref }; slo?: { goal?: unknown } };
    let ok = true;
    const goal = Number(spec.slo?.goal);
    if (typeof spec.slo?.goal !== 'string' || !(goal > 0 && goal < 100)) {
      issues.push(issue(slo, 'spec.slo.goal', `must be a percentage between 0 and 100 exclusive, like "99.9" (got ${JSON.stringify(spec.slo?.goal)})`));
      ok = false;
    }
    const template = find('ServiceLevelIndicatorTemplate', spec.sli?.templateRef, ns);
    if (!template) {
      issues.push(issue(slo, 'spec.sli.templateRef', `ServiceLevelIndicatorTemplate ${spec.sli?.templateRef?.namespace || ns}/${spec.sli?.templateRef?.name} not found`));
      ok = false;
    }
    if (!ok || !template) continue;
    const tspec = template.spec as { totalEvents: string };
    if (typeof tspec?.totalEvents !== 'string') continue; // reported on the template
    const labels = { slo: slo.metadata.name, namespace: ns };
    const policies = resources.filter((r) => {
      if (r.kind !== 'AlertingPolicy') return false;
      const ref = (r.spec as { sloRef?: Ref } | undefined)?.sloRef;
      return ref?.name === slo.metadata.name && (ref.namespace || r.metadata.namespace) === ns;
    });
    slos.push({
      namespace: ns,
      name: slo.metadata.name,
      ...(slo.metadata.uid ? { uid: slo.metadata.uid } : {}),
      groups: [
        {
          name: `vigil-slo-${ns}-${slo.metadata.name}`,
          interval: '30s',
          rules: [
            { record: 'vigil:sli_total:rate5m', expr: tspec.totalEvents, labels },
            { record: 'vigil:slo_objective:ratio', expr: `vector(${Number((goal / 100).toFixed(10))})`, labels },
            ...policies.map((p) => ({
              alert: 'VigilErrorBudgetBurn',
              expr: `vigil:sli_total:rate5m{slo="${slo.metadata.name}"} > ${Number((p.spec as { burnrate?: { threshold?: number } }).burnrate?.threshold ?? 14.4)}`,
              for: '2m',
              labels: { ...labels, severity: 'page', policy: p.metadata.name },
            })),
          ],
        },
      ],
    });
  }
  for (const p of resources.filter((r) => r.kind === 'AlertingPolicy')) {
    const ref = (p.spec as { sloRef?: Ref } | undefined)?.sloRef;
    if (!find('ServiceLevelObjective', ref, p.metadata.namespace)) {
      issues.push(issue(p, 'spec.sloRef', `ServiceLevelObjective ${ref?.namespace || p.metadata.namespace}/${ref?.name} not found`));
    }
  }
  return { slos, issues };
};

export function template(name: string, namespace = 'team-a', totalEvents = 'vector(1)') {
  return {
    apiVersion: 'sre.vigil.dev/v1alpha1',
    kind: 'ServiceLevelIndicatorTemplate',
    metadata: { name, namespace },
    spec: { kind: 'availability', goodEvents: totalEvents, totalEvents },
  };
}

export function slo(name: string, { namespace = 'team-a', templateName = 'availability', goal = '99.9' } = {}) {
  return {
    apiVersion: 'sre.vigil.dev/v1alpha1',
    kind: 'ServiceLevelObjective',
    metadata: { name, namespace },
    spec: { selector: { name, namespace }, sli: { templateRef: { name: templateName, namespace } }, slo: { goal, rolling: { length: '30d' } } },
  };
}

export function policy(name: string, sloName: string, { namespace = 'team-a', threshold = 14.4 } = {}) {
  return {
    apiVersion: 'sre.vigil.dev/v1alpha1',
    kind: 'AlertingPolicy',
    metadata: { name, namespace },
    spec: { sloRef: { name: sloName, namespace }, burnrate: { threshold, lookBackWindow: '1h', secondaryWindow: '5m', conditionMetDuration: '2m', severity: 'page' } },
  };
}
