import { describe, expect, it } from 'vitest';
import { restrictSelectors } from '../../src/promql/restrict.js';

describe('restrictSelectors', () => {
  it.each([
    ['a selector with matchers', 'sum(rate(m{a="1"}[5m]))', 'sum(rate(m{w="c", a="1"}[5m]))'],
    ['a bare selector', 'sum(rate(m[5m])) / sum(rate(n[5m]))', 'sum(rate(m{w="c"}[5m])) / sum(rate(n{w="c"}[5m]))'],
    ['empty braces', 'rate(m{}[1m])', 'rate(m{w="c"}[1m])'],
    ['a selector without a metric name', 'sum(rate({__name__="m"}[1m]))', 'sum(rate({w="c", __name__="m"}[1m]))'],
    ['an instant selector and a subquery', 'max_over_time(m[1h:5m]) + n', 'max_over_time(m{w="c"}[1h:5m]) + n{w="c"}'],
  ])('%s', (_, query, expected) => {
    expect(restrictSelectors(query, 'w', 'c')).toEqual({ ok: true, query: expected });
  });

  it('escapes the value for the double-quoted literal it lands in', () => {
    const r = restrictSelectors('m', 'w', 'x"} or vector(1) #');
    expect(r).toEqual({ ok: true, query: 'm{w="x\\"} or vector(1) #"}' });
  });

  it('refuses a label the query already matches, a bad label name and a query without series', () => {
    expect(restrictSelectors('m{w="a"}', 'w', 'c')).toMatchObject({ ok: false, message: 'the query already matches on w in m{w="a"}; restrict it through the template\'s own parameter instead' });
    expect(restrictSelectors('m', '1w', 'c')).toMatchObject({ ok: false });
    expect(restrictSelectors('vector(1)', 'w', 'c')).toEqual({ ok: false, message: 'the query reads no series, so there is nothing to restrict' });
    expect(restrictSelectors('sum(', 'w', 'c')).toMatchObject({ ok: false });
  });
});
