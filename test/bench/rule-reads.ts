/**
 * Samples a rule file reads per minute, counted from its expressions (for the rules benchmark's comparison
 * with Sloth): per evaluation, a range over a raw series reads range ÷ scrape interval samples, a range
 * over a recorded series range ÷ the interval of the group recording it, an instant selector (with or
 * without `offset`) one sample, and a subquery `[R:s]` evaluates its inner expression R ÷ s times. Counts
 * are per series a selector matches; evaluations per minute come from each group's interval (Prometheus's
 * default 1m when a group has none).
 */
import { parser } from '@prometheus-io/lezer-promql';
import { parseDuration } from '../../src/model/duration.js';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

interface Group {
  readonly interval?: string;
  readonly rules: ReadonlyArray<{ readonly record?: string; readonly expr: string }>;
}

export interface ReadsPerMinute {
  /** Samples of the user's series. */
  readonly raw: number;
  /** Samples of recorded series. */
  readonly recorded: number;
}

const seconds = (text: string) => {
  const parsed = parseDuration(text.trim());
  if (!parsed.ok) throw new Error(`not a duration: ${text}`);
  return parsed.ms / 1000;
};

export function readsPerMinute(groups: readonly Group[], scrapeSeconds: number): ReadsPerMinute {
  const recordedEvery = new Map<string, number>();
  for (const g of groups) for (const r of g.rules) if (r.record) recordedEvery.set(r.record, seconds(g.interval ?? '1m'));
  let raw = 0;
  let recorded = 0;
  for (const g of groups) {
    const perMinute = 60 / seconds(g.interval ?? '1m');
    for (const rule of g.rules) {
      const expr = rule.expr;
      const text = (n: SyntaxNode) => expr.slice(n.from, n.to);
      const nameOf = (selector: SyntaxNode) => text(selector.getChild('Identifier') ?? selector).replace(/\{.*$/s, '');
      const durations = (n: SyntaxNode) => n.getChildren('DurationExpr').map((d) => seconds(text(d)));
      // Samples per evaluation, scaled by `times` (how often an enclosing subquery evaluates this node).
      const walk = (n: SyntaxNode, times: number): void => {
        if (n.name === 'SubqueryExpr') {
          const [range, step] = durations(n);
          const inner = n.firstChild!;
          walk(inner, times * Math.round(range! / (step ?? seconds(g.interval ?? '1m'))));
          return;
        }
        if (n.name === 'MatrixSelector') {
          const selector = n.getChild('VectorSelector')!;
          const [range] = durations(n);
          const every = recordedEvery.get(nameOf(selector));
          if (every === undefined) raw += times * perMinute * Math.round(range! / scrapeSeconds);
          else recorded += times * perMinute * Math.round(range! / every);
          return;
        }
        if (n.name === 'VectorSelector') {
          if (recordedEvery.has(nameOf(n))) recorded += times * perMinute;
          else raw += times * perMinute;
          return;
        }
        for (let c = n.firstChild; c; c = c.nextSibling) walk(c, times);
      };
      walk(parser.parse(expr).topNode, 1);
    }
  }
  return { raw, recorded };
}
