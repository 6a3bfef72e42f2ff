import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { signalNames } from '../../src/health/signals.js';
import { parseDuration } from '../../src/model/duration.js';
import { RATE_WINDOW, RATE_WINDOW_MS, entityLabels, healthQueries } from '../../src/prometheus/prometheus-health-queries.js';

function syntaxErrors(expr: string): number {
  let errors = 0;
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors++;
    },
  });
  return errors;
}

describe('health queries', () => {
  const queries = healthQueries();

  it('needs at most 2 queries per signal (one per entity kind), whatever the entity count', () => {
    for (const signal of signalNames) {
      const n = queries.filter((q) => q.signal === signal).length;
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(2);
    }
    expect(queries).toHaveLength(11);
  });

  it.each(queries.map((q) => ({ ...q, label: `${q.kind} ${q.signal}` })))('$label parses as PromQL and groups by the entity labels', ({ expr, kind }) => {
    expect(syntaxErrors(expr)).toBe(0);
    const { namespace, name } = entityLabels[kind];
    expect(expr).toContain(`by (${namespace}, ${name}`);
  });

  it('tells the scorer the rate window the queries use', () => {
    expect(parseDuration(RATE_WINDOW)).toEqual({ ok: true, ms: RATE_WINDOW_MS });
    expect(queries.filter((q) => q.expr.includes(`[${RATE_WINDOW}]`)).length).toBeGreaterThanOrEqual(10);
  });

  it('a broken expression is caught by the check', () => {
    expect(syntaxErrors('sum by (a (rate(x[5m]))')).toBeGreaterThan(0);
  });
});
