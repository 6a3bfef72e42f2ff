import { describe, expect, it } from 'vitest';
import { parser } from '@prometheus-io/lezer-promql';
import { formatIssue } from '../../src/model/issue.js';
import { compile } from '../../src/rules/compile.js';
import { baseSlo, basePolicy, baseTemplate, resourcesFrom } from './fixtures.js';

type Doc = Record<string, any>;

function errorsOf(documents: Doc[]) {
  const result = compile(resourcesFrom(documents));
  return { result, errors: result.issues.filter((i) => i.level === 'error') };
}

const withSlo = (edit: (slo: Doc) => void): Doc[] => {
  const slo = baseSlo();
  edit(slo);
  return [slo];
};
const withPolicy = (edit: (policy: Doc) => void): Doc[] => {
  const policy = basePolicy();
  edit(policy);
  return [baseSlo(), policy];
};

describe('bad input gets a clear error at the right field', () => {
  it.each([
    ['unknown template reference', withSlo((s) => (s.spec.sli.templateRef.name = 'nope')), 'spec.sli.templateRef', 'ServiceLevelIndicatorTemplate vigil-system/nope not found'],
    ['goal "100"', withSlo((s) => (s.spec.slo.goal = '100')), 'spec.slo.goal', 'strictly between 0 and 100'],
    ['goal "0"', withSlo((s) => (s.spec.slo.goal = '0')), 'spec.slo.goal', 'strictly between 0 and 100'],
    ['goal "abc"', withSlo((s) => (s.spec.slo.goal = 'abc')), 'spec.slo.goal', 'must be a decimal number such as "99.9"'],
    ['both window kinds', withSlo((s) => (s.spec.slo.calendar = { length: 'month' })), 'spec.slo.rolling', 'set exactly one of slo.rolling and slo.calendar'],
    ['neither window kind', withSlo((s) => delete s.spec.slo.rolling), 'spec.slo.rolling', 'set exactly one of slo.rolling and slo.calendar'],
    ['malformed duration', withSlo((s) => (s.spec.slo.rolling.length = '30 days')), 'spec.slo.rolling.length', 'is not a duration'],
    ['unknown time zone', withSlo((s) => (delete s.spec.slo.rolling, (s.spec.slo.calendar = { length: 'month', timeZone: 'Mars/Olympus' }))), 'spec.slo.calendar.timeZone', 'unknown time zone "Mars/Olympus"'],
    ['misspelt field', withSlo((s) => (s.spec.slo.gaol = '99')), 'spec.slo.gaol', 'unknown field'],
    ['unknown severity', withPolicy((p) => (p.spec.burnrate.severity = 'critical')), 'spec.burnrate.severity', 'must be one of page, ticket'],
    ['secondary window = lookback', withPolicy((p) => (p.spec.burnrate.secondaryWindow = '1h')), 'spec.burnrate.secondaryWindow', 'must be shorter than burnrate.lookBackWindow'],
    ['secondary window > lookback (mixed units)', withPolicy((p) => (p.spec.burnrate.secondaryWindow = '2d', (p.spec.burnrate.lookBackWindow = '36h'))), 'spec.burnrate.secondaryWindow', 'must be shorter than burnrate.lookBackWindow'],
    ['threshold and budgetConsumed both', withPolicy((p) => (p.spec.burnrate.budgetConsumed = '2')), 'spec.burnrate.threshold', 'exactly one of burnrate.threshold and burnrate.budgetConsumed'],
    ['policy without target', withPolicy((p) => delete p.spec.sloRef), 'spec.sloRef', 'exactly one of sloRef and policySet'],
    ['unknown policy set', withSlo((s) => (s.spec.alertingPolicySet = 'nightly')), 'spec.alertingPolicySet', 'no AlertingPolicy with policySet "nightly"'],
    ['wrong apiVersion', withSlo((s) => (s.apiVersion = 'sre.vigil.dev/v1')), 'apiVersion', 'apiVersion must be one of'],
  ])('%s', (_name, documents, path, message) => {
    const { errors } = errorsOf(documents);
    expect(errors.map((e) => e.path)).toContain(path);
    expect(errors.find((e) => e.path === path)!.message).toContain(message);
  });

  it('missing parameter names the parameter', () => {
    const slo = baseSlo();
    slo.spec.sli.templateRef = { name: 'custom' };
    const { errors } = errorsOf([baseTemplate(), slo]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('missing parameter "job"');
    expect(errors[0]!.path).toBe('spec.sli.parameters');
  });

  it('an unknown parameter is an error naming the declared ones', () => {
    const slo = baseSlo();
    slo.spec.sli.parameters = { reportr: 'source' };
    const { errors } = errorsOf([slo]);
    expect(errors[0]!.message).toContain('unknown parameter "reportr"');
    expect(errors[0]!.message).toContain('declares reporter');
  });

  it('a template that renders to invalid PromQL makes the SLO invalid with the parse error', () => {
    const template = baseTemplate();
    template.spec.goodEvents = 'sum(rate(http_requests_total{job="{{Params.job}}"}[{{SLO.Period}}])'; // unclosed
    const slo = baseSlo();
    slo.spec.sli = { templateRef: { name: 'custom' }, parameters: { job: 'api' } };
    const { errors, result } = errorsOf([template, slo]);
    expect(result.slos).toHaveLength(0);
    expect(errors[0]!.message).toMatch(/goodEvents renders to invalid PromQL: PromQL syntax error at line 1, column \d+/);
  });

  it('a template without {{SLO.Period}} is rejected with the fix', () => {
    const template = baseTemplate();
    template.spec.totalEvents = 'sum(rate(http_requests_total{job="{{Params.job}}"}[5m]))';
    const slo = baseSlo();
    slo.spec.sli = { templateRef: { name: 'custom' }, parameters: { job: 'api' } };
    const { errors } = errorsOf([template, slo]);
    expect(errors[0]!.message).toContain('totalEvents must use {{SLO.Period}}');
  });

  it('duplicate names are an error pointing at the first definition', () => {
    const { errors, result } = errorsOf([baseSlo(), baseSlo()]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/duplicate ServiceLevelObjective shop\/checkout \(first defined at slos\.yaml:1\)/);
    expect(result.slos).toHaveLength(1);
  });

  it('errors name the file, document and line of the field', () => {
    const bad = baseSlo();
    bad.metadata.name = 'bad';
    bad.spec.slo.goal = '100';
    const { errors } = errorsOf([baseSlo(), bad]);
    const text = formatIssue(errors[0]!);
    // Document 2 starts after the first document and its `---` separator; goal is on its own line there.
    expect(errors[0]).toMatchObject({ file: 'slos.yaml', document: 2, path: 'spec.slo.goal' });
    expect(text).toMatch(/^slos\.yaml:\d+ \(document 2\): error: ServiceLevelObjective shop\/bad: spec\.slo\.goal: /);
    expect(errors[0]!.line).toBeGreaterThan(14);
  });

  it('one invalid SLO leaves the others compiling', () => {
    const bad = baseSlo();
    bad.metadata.name = 'bad';
    bad.spec.sli.templateRef.name = 'nope';
    const { result, errors } = errorsOf([baseSlo(), bad]);
    expect(errors).toHaveLength(1);
    expect(result.slos.map((s) => s.name)).toEqual(['checkout']);
  });
});

describe('parameter values cannot break out of PromQL strings', () => {
  const breakout = '"} or vector(1) #';

  it('a quoted parameter is escaped and stays one label value', () => {
    const slo = baseSlo();
    slo.spec.sli.parameters = { reporter: breakout };
    const { result, errors } = errorsOf([slo]);
    expect(errors).toEqual([]);
    const total = result.slos[0]!.groups[0]!.rules.find((r) => 'record' in r && r.record === 'vigil:sli_total:rate5m')!;
    expect(total.expr).toContain('reporter="\\"} or vector(1) #"');
    // The syntax tree has no `or` and no vector() call: the value never became PromQL.
    const nodes: string[] = [];
    parser.parse(total.expr).iterate({ enter: (n) => void nodes.push(n.name) });
    expect(nodes).not.toContain('Or');
    expect(nodes).not.toContain('Vector');
    expect(nodes).toContain('StringLiteral');
  });

  it('a parameter used outside quotes may only hold a plain token', () => {
    const template = baseTemplate();
    template.spec.parameters.push({ name: 'factor', default: '1' });
    template.spec.goodEvents = 'sum(rate(http_requests_total{job="{{Params.job}}", code!~"5.."}[{{SLO.Period}}])) * {{Params.factor}}';
    const slo = baseSlo();
    slo.spec.sli = { templateRef: { name: 'custom' }, parameters: { job: 'api', factor: '1 or vector(1)' } };
    const { errors } = errorsOf([template, slo]);
    expect(errors[0]!.message).toContain('parameter "factor" is used outside quotes in goodEvents');
    slo.spec.sli.parameters.factor = '0.5';
    expect(errorsOf([template, slo]).errors).toEqual([]);
  });
});

describe('policies written the way Prometheus and Calisti accept them', () => {
  it.each(['0s', '0m', '0ms'])('conditionMetDuration %s compiles to an alert without `for`', (zero) => {
    const { result, errors } = errorsOf(withPolicy((p) => (p.spec.burnrate.conditionMetDuration = zero)));
    expect(errors).toEqual([]);
    const alerts = result.slos[0]!.groups.flatMap((g) => g.rules).filter((r) => 'alert' in r);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).not.toHaveProperty('for');
  });

  it('a non-zero conditionMetDuration still becomes the alert `for`', () => {
    const { result } = errorsOf(withPolicy(() => {}));
    const alert = result.slos[0]!.groups.flatMap((g) => g.rules).find((r) => 'alert' in r);
    expect(alert).toMatchObject({ for: '2m' });
  });
});
