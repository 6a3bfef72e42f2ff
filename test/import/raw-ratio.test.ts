/**
 * Raw error-ratio SLIs weighted by their samples (src/import/raw-ratio.ts): the queries it writes, and that
 * they compile. sloth-equivalence.test.ts shows the result equals Sloth's on its raw-home-wifi example.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rawRatioQueries } from '../../src/import/raw-ratio.js';
import { loadResources } from '../../src/resources/load-resources.js';
import { compile } from '../../src/rules/compile.js';
import { tempDir } from '../support/processes.js';
import { baseSlo, baseTemplate, resourcesFrom } from '../unit/fixtures.js';

const W = '{{SLO.PeriodMinus1ms}}';

/** The recorded 1h good and total of an SLO whose template holds `queries`. */
function rendered(queries: { good: string; total: string }) {
  const template = baseTemplate();
  template.spec.goodEvents = queries.good;
  template.spec.totalEvents = queries.total;
  const slo = baseSlo();
  slo.spec.sli = { templateRef: { name: 'custom' }, parameters: { job: 'unused' } };
  const result = compile(resourcesFrom([template, slo]));
  expect(result.issues.filter((i) => i.level === 'error')).toEqual([]);
  const rules = result.slos[0]!.groups[0]!.rules;
  return { good: rules.find((r) => 'record' in r && r.record === 'vigil:sli_good:rate1h')!.expr, total: rules.find((r) => 'record' in r && r.record === 'vigil:sli_total:rate1h')!.expr };
}

describe('raw ratio SLIs', () => {
  it('weigh the ratio by the samples of the range it averages, read half-open', () => {
    const queries = rawRatioQueries('1 - avg_over_time(probe_success{job="a"}[{{SLO.Period}}])', 'error');
    expect(queries.good).toBe(`(1 - (1 - avg_over_time(probe_success{job="a"}[${W}]))) * on () group_left () (sum(count_over_time(probe_success{job="a"}[${W}])))`);
    expect(queries.total).toBe(`(1 - avg_over_time(probe_success{job="a"}[${W}])) * 0 + on () group_left () (sum(count_over_time(probe_success{job="a"}[${W}])))`);
    const rules = rendered(queries);
    expect(rules.good).toContain('count_over_time(probe_success{job="a"}[59m59s999ms])');
    expect(rules.total).not.toContain('[1h]');
  });

  it('count each distinct range once, with its offset and @, subqueries too', () => {
    const queries = rawRatioQueries('avg_over_time(a[{{SLO.Period}}] offset 5m @ 100) * avg_over_time(a[{{SLO.Period}}] offset 5m @ 100) - avg_over_time((b > 0)[{{SLO.Period}}:1m])', 'success');
    expect(queries.total).toContain(`on () group_left () (sum(count_over_time(a[${W}] offset 5m @ 100)) + sum(count_over_time((b > 0)[${W}:1m])))`);
    expect(queries.good.startsWith(`(avg_over_time(a[${W}] offset 5m @ 100)`)).toBe(true);
    rendered(queries);
  });

  it('without a range over the window, each piece weighs the same (a total of 1)', () => {
    const queries = rawRatioQueries('1 - avg_over_time(up[5m] offset {{SLO.Period}})', 'error');
    expect(queries.total).toBe(`(1 - avg_over_time(up[5m] offset ${W})) * 0 + 1`);
    expect(queries.kind).toContain('total of 1');
    rendered(queries);
  });

  it('OpenSLO raw ratios (rawType success) are weighted the same way', async () => {
    const dir = await tempDir('raw-ratio-openslo');
    try {
      const file = join(dir.path, 'probe.yaml');
      writeFileSync(
        file,
        `apiVersion: openslo/v1
kind: SLO
metadata: {name: probe}
spec:
  service: probe
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
  indicator:
    metadata: {name: probe-success}
    spec:
      ratioMetric:
        counter: false
        rawType: success
        raw:
          metricSource:
            type: Prometheus
            spec: {query: 'avg_over_time(probe_success{job="a"}[{{.window}}])'}
`,
      );
      const compiled = compile(loadResources([file], process.cwd()).resources);
      expect(compiled.issues.filter((i) => i.level === 'error')).toEqual([]);
      const rules = compiled.slos[0]!.groups[0]!.rules;
      const good = rules.find((r) => 'record' in r && r.record === 'vigil:sli_good:rate1h')!.expr;
      expect(good).toBe('sum((avg_over_time(probe_success{job="a"}[59m59s999ms])) * on () group_left () (sum(count_over_time(probe_success{job="a"}[59m59s999ms])))) or vector(0)');
    } finally {
      await dir.remove();
    }
  });
});
