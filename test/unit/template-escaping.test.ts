/**
 * Values reach PromQL escaped for the exact string form they land in (issue 12 item 1). A template may quote a
 * parameter with "…", '…' or `…`; whatever the value, it must stay exactly one string literal whose content,
 * decoded the way Prometheus decodes it, is the value.
 */
import fc from 'fast-check';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import type { SliTemplate, Slo } from '../../src/model/model.js';
import { decodeStringLiteral, escapeForQuote, type QuoteForm } from '../../src/promql/escape.js';
import { renderSliQuery } from '../../src/rules/render-template.js';
import { compile } from '../../src/rules/compile.js';
import { baseSlo, baseTemplate, resourcesFrom } from './fixtures.js';

const forms: QuoteForm[] = ['"', "'", '`'];
const WINDOW_MS = 300_000;

function models(): { template: SliTemplate; slo: Slo } {
  const template = baseTemplate();
  const slo = baseSlo();
  slo.spec.sli = { templateRef: { name: 'custom' }, parameters: { job: 'api' } };
  const compiled = compile(resourcesFrom([template, slo]));
  const first = compiled.slos[0]!;
  return { template: first.template, slo: first.slo };
}
const base = models();

function render(goodEvents: string, value: string, service = base.slo.service) {
  const template: SliTemplate = { ...base.template, goodEvents, parameters: [{ name: 'v', description: '', advanced: false }] };
  const slo: Slo = { ...base.slo, service, parameters: { v: value } };
  return renderSliQuery(template, 'goodEvents', slo, { v: value }, WINDOW_MS);
}

/** The string literals of a query as the lezer grammar finds them, and whether it found any syntax error. */
function literalsOf(query: string): { literals: string[]; errors: number } {
  const literals: string[] = [];
  let errors = 0;
  parser.parse(query).iterate({
    enter: (node) => {
      if (node.type.isError) errors++;
      if (node.name === 'StringLiteral') literals.push(query.slice(node.from, node.to));
    },
  });
  return { literals, errors };
}

const special = fc.constantFrom('"', "'", '`', '\\', '\n', '\r', '\t', '\0', '}', '{', ')', '(', ']', '[', '#', ',', ' ', '=', '~', '\u00e9', '\u{1F600}', '\uFFFD', '\u2028', '\x7f', '\x1b', 'x', 'or', 'vector(1)');
const value = fc.oneof(
  fc.array(special, { maxLength: 24 }).map((parts) => parts.join('')),
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.constantFrom(`x'}[5m])) or vector(1) or sum(rate(m_good{a='`, 'x"}[5m])) or vector(1) or sum(rate(m_good{a="', 'x`}[5m])) or vector(1) or sum(rate(m_good{a=`'),
);

describe('template values escaped for their string form', () => {
  it.each(forms)('the issue\'s breakout value stays one %s string', (form) => {
    const breakout = `x${form}}[5m])) or vector(1) or sum(rate(m_good{a=${form}`;
    const result = render(`sum(rate(m_good{a=${form}{{Params.v}}${form}}[{{SLO.Period}}]))`, breakout);
    if (form === '`') {
      expect(result).toMatchObject({ ok: false, field: 'parameters', message: expect.stringContaining('backtick') });
      return;
    }
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.query).not.toMatch(/^sum\(rate\(m_good\{a=.x.\}\[5m\]\)\) or vector/);
    const { literals, errors } = literalsOf(result.query);
    expect(errors).toBe(0);
    expect(literals).toHaveLength(1);
    expect(decodeStringLiteral(literals[0]!)).toEqual({ ok: true, value: breakout });
  });

  it('property: every value in every form is exactly one literal decoding to the value', () => {
    fc.assert(
      fc.property(value, fc.array(fc.constantFrom(...forms), { minLength: 1, maxLength: 3 }), (v, used) => {
        // One template quoting the same parameter in several forms, as label matcher values and as function arguments.
        const pieces = used.map((form, i) => (i % 2 === 0 ? `m_good{a=${form}{{Params.v}}${form}}` : `label_replace(m_good, "dst", ${form}{{Params.v}}${form}, "src", "(.*)")`));
        const goodEvents = `sum(rate((${pieces.join(' or ')})[{{SLO.Period}}:]))`;
        const result = render(goodEvents, v);
        const refusable = used.includes('`') && (v.includes('`') || v.includes('\uFFFD'));
        const illFormed = !(escapeForQuote(v, '"').ok);
        if (refusable || illFormed) {
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.field).toBe('parameters');
          return;
        }
        expect(result).toMatchObject({ ok: true });
        if (!result.ok) return;
        const { literals, errors } = literalsOf(result.query);
        expect(errors).toBe(0);
        const expected = used.flatMap((form, i) => (i % 2 === 0 ? [[form, v]] : [['"', 'dst'], [form, v], ['"', 'src'], ['"', '(.*)']]));
        expect(literals.map((l) => [l[0], decodeStringLiteral(l)])).toEqual(expected.map(([form, content]) => [form, { ok: true, value: content }]));
      }),
      { numRuns: 400 },
    );
  });

  it('a value used outside quotes must be a plain token', () => {
    expect(render('sum(rate(m_{{Params.v}}[{{SLO.Period}}]))', 'good')).toMatchObject({ ok: true, query: 'sum(rate(m_good[5m]))' });
    expect(render('sum(rate(m_{{Params.v}}[{{SLO.Period}}]))', 'good[5m])) or vector(1) #')).toMatchObject({ ok: false, field: 'parameters', message: expect.stringContaining('outside quotes') });
  });

  it('service and SLO names are escaped for their form too', () => {
    const result = render(`sum(rate(m_good{s='{{Service.Name}}', v="{{Params.v}}"}[{{SLO.Period}}]))`, 'x', { ...base.slo.service, name: "it's" });
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(literalsOf(result.query).literals.map((l) => decodeStringLiteral(l))).toEqual([{ ok: true, value: "it's" }, { ok: true, value: 'x' }]);
  });

  it('latency helpers still read the real parameter values', () => {
    const template: SliTemplate = {
      ...base.template,
      goodEvents: 'sum(rate(b{le="{{floorBucket Params.t Params.b}}"}[{{SLO.Period}}])) * {{floorWeight Params.t Params.b}}',
      parameters: [{ name: 't', description: '', advanced: false }, { name: 'b', description: '', advanced: false }],
    };
    const params = { t: '200', b: '100, 250' };
    const result = renderSliQuery(template, 'goodEvents', { ...base.slo, parameters: params }, params, WINDOW_MS);
    expect(result).toEqual({ ok: true, query: 'sum(rate(b{le="100"}[5m])) * 0.333333333333' });
  });
});

describe('decoding PromQL string literals like Prometheus', () => {
  it.each([
    [`'a\\"b'`, 'unknown escape sequence'],
    [`"a\\'b"`, 'unknown escape sequence'],
    ['"\\q"', 'unknown escape sequence'],
    ['"\\ud800"', 'invalid Unicode code point'],
    ['"\\777"', 'invalid Unicode code point'],
    ['"\\U00110000"', 'invalid Unicode code point'],
    ['"a\nb"', 'unterminated'],
    ['"\uFFFD"', 'invalid UTF-8'],
  ])('%j is refused', (literal, message) => {
    expect(decodeStringLiteral(literal)).toEqual({ ok: false, message: expect.stringContaining(message) });
  });

  it.each([
    [`'it\\'s'`, "it's"],
    [`'a"b'`, 'a"b'],
    ['"\\x41\\u00e9\\101\\U0001F600"', 'AéA\u{1F600}'],
    ['`a\\nb`', 'a\\nb'],
  ])('%j decodes to %j', (literal, decoded) => {
    expect(decodeStringLiteral(literal)).toEqual({ ok: true, value: decoded });
  });
});
