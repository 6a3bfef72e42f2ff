import { describe, expect, it } from 'vitest';
import { bucketsAround, fromGoTemplateSyntax } from '../../src/rules/render-template.js';
import { blankStringContents, checkPromql } from '../../src/promql/parse.js';
import { quote } from '../../src/promql/escape.js';
import { compile } from '../../src/rules/compile.js';
import { baseSlo, baseTemplate, resourcesFrom } from './fixtures.js';

describe('latency bucket helpers', () => {
  it.each([
    [200, { floor: 100, ceil: 250, weight: 0.666666666667 }],
    [250, { floor: 250, ceil: 250, weight: 0 }],
    [0.5, { floor: 0.5, ceil: 0.5, weight: 0 }],
    [175, { floor: 100, ceil: 250, weight: 0.5 }],
  ])('threshold %s', (threshold, expected) => {
    expect(bucketsAround(String(threshold), '0.5, 1, 5, 10, 25, 50, 100, 250, 500')).toEqual(expected);
  });

  it.each([
    ['1000', '0.5, 1, 5', 'above the largest bucket 5'],
    ['0.1', '0.5, 1, 5', 'below the smallest bucket 0.5'],
    ['abc', '0.5, 1', 'threshold must be a number'],
    ['1', '1, x', 'buckets must be a comma-separated list of numbers'],
  ])('threshold %s with buckets %s is rejected', (threshold, buckets, message) => {
    expect(() => bucketsAround(threshold, buckets)).toThrow(message);
  });
});

describe('template syntax', () => {
  it('accepts Calisti Go-template spelling', () => {
    expect(fromGoTemplateSyntax('x{a="{{ .Params.reporter }}"}[{{.SLO.Period}}] {{ floorBucket .Params.t .Params.b }}')).toBe(
      'x{a="{{ Params.reporter }}"}[{{SLO.Period}}] {{ floorBucket Params.t Params.b }}',
    );
  });

  it('a Calisti template (sre.smm.cisco.com, Go syntax) compiles', () => {
    const template = baseTemplate();
    template.apiVersion = 'sre.smm.cisco.com/v1alpha1';
    template.spec.goodEvents = 'sum(rate(http_requests_total{job="{{ .Params.job }}", code!~"5.."}[{{ .SLO.Period }}]))';
    const slo = baseSlo();
    slo.apiVersion = 'sre.smm.cisco.com/v1alpha1';
    slo.spec.sli = { templateRef: { name: 'custom' }, parameters: { job: 'api' } };
    const result = compile(resourcesFrom([template, slo]));
    expect(result.issues.filter((i) => i.level === 'error')).toEqual([]);
    expect(result.slos[0]!.groups[0]!.rules[0]!.expr).toContain('job="api"');
  });

  it('SLO.PeriodMinus1ms is the window less a millisecond, and counts as the template using the window', () => {
    const template = baseTemplate();
    template.spec.goodEvents = 'sum(sum_over_time(up[{{ .SLO.PeriodMinus1ms }}]))';
    template.spec.totalEvents = 'sum(count_over_time(up[{{SLO.PeriodMinus1ms}}]))';
    const slo = baseSlo();
    slo.spec.sli = { templateRef: { name: 'custom' }, parameters: { job: 'unused' } };
    const result = compile(resourcesFrom([template, slo]));
    expect(result.issues.filter((i) => i.level === 'error')).toEqual([]);
    const exprs = result.slos[0]!.groups[0]!.rules.map((r) => r.expr).join('\n');
    expect(exprs).toContain('sum_over_time(up[4m59s999ms])');
    expect(exprs).toContain('count_over_time(up[59m59s999ms])');
  });

  it('never HTML-escapes', () => {
    const slo = baseSlo();
    slo.spec.sli.parameters = { reporter: "a&b<c>'d" };
    const result = compile(resourcesFrom([slo]));
    expect(result.slos[0]!.groups[0]!.rules[0]!.expr).toContain(`reporter="a&b<c>'d"`);
  });
});

describe('PromQL escaping and parsing', () => {
  it.each(['plain', 'with "quotes"', 'back\\slash', 'new\nline', '"} or vector(1) #', '\u0001ctl'])('quote(%j) parses as one string', (value) => {
    expect(checkPromql(`x{a=${quote(value)}}`)).toEqual({ ok: true });
  });

  it('reports where a query breaks', () => {
    const check = checkPromql('sum(rate(x[5m])) +');
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.message).toContain('line 1');
  });
});

describe('PromQL syntax cache by shape', () => {
  it.each([
    ['x{a="b"}', 'x{a=""}'],
    ['x{a="\\"}"} or y', 'x{a=""} or y'],
    ["x{a='it\\'s'} # note \"quoted\"\n+ 1", "x{a=''} \n+ 1"],
    ['x{a=`raw\\`}', 'x{a=``}'],
  ])('%j has shape %j', (expr, shape) => {
    expect(blankStringContents(expr)).toBe(shape);
  });

  it('unterminated literals are left to the parser', () => {
    expect(blankStringContents('x{a="b}')).toBeUndefined();
    expect(checkPromql('x{a="b}').ok).toBe(false);
  });

  it('cached and uncached checks agree', () => {
    const valid = 'sum(rate(x{a="one"}[5m]))';
    expect(checkPromql(valid)).toEqual({ ok: true });
    expect(checkPromql(valid.replace('one', 'two'))).toEqual({ ok: true });
    expect(checkPromql('sum(rate(x{a="one"}[5m])').ok).toBe(false);
    expect(checkPromql('sum(rate(x{a="two"}[5m])').ok).toBe(false);
  });
});
