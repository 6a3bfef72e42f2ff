/**
 * Restricts every series a query reads to one label value: `restrictSelectors(q, 'destination_workload', 'checkout-canary')`
 * adds `destination_workload="checkout-canary"` to each vector selector (inside range selectors and
 * subqueries too), so an SLI template can be evaluated for a canary's pods alone. Pure; the query is parsed
 * with the Prometheus project's grammar and the value is escaped for the double-quoted literal it lands in.
 */
import { parser } from '@prometheus-io/lezer-promql';
import { quote } from './escape.js';
import { checkPromql } from './parse.js';

export type RestrictResult = { ok: true; query: string } | { ok: false; message: string };

const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function restrictSelectors(query: string, label: string, value: string, op: '=' | '=~' = '='): RestrictResult {
  if (!labelName.test(label)) return { ok: false, message: `"${label}" is not a label name (letters, digits and _, not starting with a digit)` };
  const check = checkPromql(query);
  if (!check.ok) return { ok: false, message: check.message };
  const tree = parser.parse(query);
  const inserts: Array<{ at: number; text: string }> = [];
  const matcher = `${label}${op}${quote(value)}`;
  let conflict: string | undefined;
  tree.iterate({
    enter: (node) => {
      if (node.name !== 'VectorSelector') return true;
      const selector = node.node;
      const matchers = selector.getChild('LabelMatchers');
      if (!matchers) {
        inserts.push({ at: selector.to, text: `{${matcher}}` });
        return false;
      }
      const existing = [...matchers.getChildren('UnquotedLabelMatcher'), ...matchers.getChildren('QuotedLabelMatcher')];
      for (const m of existing) {
        const name = m.getChild('LabelName');
        if (name && query.slice(name.from, name.to) === label) conflict ??= query.slice(selector.from, selector.to);
      }
      const inner = query.slice(matchers.from + 1, matchers.to - 1).trim();
      inserts.push({ at: matchers.from + 1, text: inner === '' ? matcher : `${matcher}, ` });
      return false;
    },
  });
  if (conflict !== undefined) return { ok: false, message: `the query already matches on ${label} in ${conflict}; restrict it through the template's own parameter instead` };
  if (inserts.length === 0) return { ok: false, message: 'the query reads no series, so there is nothing to restrict' };
  let out = query;
  for (const { at, text } of inserts.sort((a, b) => b.at - a.at)) out = out.slice(0, at) + text + out.slice(at);
  const after = checkPromql(out);
  if (!after.ok) return { ok: false, message: `restricting the query broke it (${after.message}); this is a bug` };
  return { ok: true, query: out };
}
