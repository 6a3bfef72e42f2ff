/** Syntax check of PromQL with the Prometheus project's own grammar (@prometheus-io/lezer-promql). */
import { parser } from '@prometheus-io/lezer-promql';

export type PromqlCheck = { ok: true } | { ok: false; message: string; offset: number };

export function checkPromql(expr: string): PromqlCheck {
  if (expr.trim() === '') return { ok: false, message: 'the query is empty', offset: 0 };
  const tree = parser.parse(expr);
  let errorAt: number | undefined;
  tree.iterate({
    enter: (node) => {
      if (errorAt === undefined && node.type.isError) errorAt = node.from;
      return errorAt === undefined;
    },
  });
  if (errorAt === undefined) return { ok: true };
  const { line, column } = position(expr, errorAt);
  const near = expr.slice(errorAt, errorAt + 20).split('\n')[0] ?? '';
  const message = near
    ? `PromQL syntax error at line ${line}, column ${column} near "${near}"`
    : `PromQL syntax error at line ${line}, column ${column}: the query ends too early (unclosed bracket or missing operand?)`;
  return { ok: false, message, offset: errorAt };
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
