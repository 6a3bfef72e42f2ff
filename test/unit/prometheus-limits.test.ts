/**
 * Issue 12 item 2: values that the grammar accepts but Prometheus refuses are errors at their field, so that
 * one such SLO never reaches a rule file (where, without promtool, it would make every reload fail).
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/rules/compile.js';
import { baseSlo, basePolicy, baseTemplate, resourcesFrom } from './fixtures.js';

type Doc = Record<string, any>;

function errorsOf(documents: Doc[]) {
  return compile(resourcesFrom(documents)).issues.filter((i) => i.level === 'error');
}

function withTemplate(goodEvents: string): Doc[] {
  const template = baseTemplate();
  template.spec.goodEvents = goodEvents;
  const slo = baseSlo();
  slo.spec.sli = { templateRef: { name: 'custom' }, parameters: { job: 'api' } };
  return [template, slo];
}

describe('what Prometheus refuses is refused at validation', () => {
  it.each([
    ['rolling.length: 300y', (() => { const s = baseSlo(); s.spec.slo.rolling.length = '300y'; return [s]; })(), 'spec.slo.rolling.length', /out of range: Prometheus durations are at most/],
    ['rolling.length: 2y (beyond the period cap)', (() => { const s = baseSlo(); s.spec.slo.rolling.length = '2y'; return [s]; })(), 'spec.slo.rolling.length', /at most 365d/],
    ['conditionMetDuration: 100000000d', (() => { const p = basePolicy(); p.spec.burnrate.conditionMetDuration = '100000000d'; return [baseSlo(), p]; })(), 'spec.burnrate.conditionMetDuration', /out of range/],
    ['a range vector where an instant vector is needed', withTemplate('sum(m_good[{{SLO.Period}}])'), 'spec.sli.templateRef', /argument of sum: expected an instant vector, got a range vector/],
    ['a range vector as the result', withTemplate('rate(m_good[{{SLO.Period}}])[5m:]'), 'spec.sli.templateRef', /must give an instant vector, it gives a range vector/],
    ['a regex that does not compile', withTemplate('sum(rate(m_good{a=~"(["}[{{SLO.Period}}]))'), 'spec.sli.templateRef', /regex "\(\[": /],
    ['an escaped double quote inside a single-quoted string', withTemplate(`sum(rate(m_good{a='x\\"y'}[{{SLO.Period}}]))`), 'spec.sli.templateRef', /unknown escape sequence \\"/],
    ['a lookahead (RE2 has none)', withTemplate('sum(rate(m_good{a=~"(?!x).*"}[{{SLO.Period}}]))'), 'spec.sli.templateRef', /lookaround/],
  ])('%s', (_, documents, path, message) => {
    const errors = errorsOf(documents);
    expect(errors.map((e) => e.path)).toContain(path);
    expect(errors.find((e) => e.path === path)?.message).toMatch(message);
  });

  it('the longest accepted values still compile', () => {
    const slo = baseSlo();
    slo.spec.slo.rolling.length = '365d';
    const policy = basePolicy();
    policy.spec.burnrate.conditionMetDuration = '106751d';
    expect(errorsOf([slo, policy])).toEqual([]);
  });
});
