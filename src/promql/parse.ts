/** Syntax check of PromQL with the Prometheus project's own grammar (@prometheus-io/lezer-promql). */
import { parser } from '@prometheus-io/lezer-promql';
import type { QuoteForm } from './escape.js';

export type PromqlCheck = { ok: true } | { ok: false; message: string; offset: number };

/**
 * The syntax of a query does not depend on what its string literals hold, so results are cached by the
 * query's shape (literal contents blanked): 10,000 SLOs rendered from one template parse once per window.
 */
const shapeCache = new Map<string, PromqlCheck>();
const SHAPE_CACHE_LIMIT = 10_000;

export function checkPromql(expr: string): PromqlCheck {
  const shape = blankStringContents(expr);
  if (shape === undefined) return parseCheck(expr);
  let result = shapeCache.get(shape);
  if (result === undefined) {
    result = parseCheck(expr);
    // Error offsets depend on literal lengths: cache only successes.
    if (result.ok && shapeCache.size < SHAPE_CACHE_LIMIT) shapeCache.set(shape, result);
  }
  return result;
}

/** A string literal's position in a query: `from` is its opening quote, `to` is just past its closing quote. */
export interface StringLiteralSpan {
  readonly from: number;
  readonly to: number;
  readonly form: QuoteForm;
}

/**
 * The string literals and comments of a query, found the way Prometheus's lexer finds them (a `"`, `'` or
 * `` ` `` opens a literal anywhere outside one; `#` starts a comment to the end of the line; a backslash
 * escapes the next character except in raw strings; a newline ends `"…"` and `'…'` with an error).
 * `complete` is false when a literal is not closed.
 */
export function scanQuery(expr: string): { literals: StringLiteralSpan[]; comments: Array<[number, number]>; complete: boolean } {
  const literals: StringLiteralSpan[] = [];
  const comments: Array<[number, number]> = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '#') {
      const end = expr.indexOf('\n', i);
      comments.push([i, end < 0 ? expr.length : end]);
      i = end < 0 ? expr.length : end;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < expr.length && expr[j] !== c) {
        if (expr[j] === '\\' && c !== '`') j++;
        if (expr[j] === '\n' && c !== '`') return { literals, comments, complete: false };
        j++;
      }
      if (j >= expr.length) return { literals, comments, complete: false };
      literals.push({ from: i, to: j + 1, form: c });
      i = j + 1;
      continue;
    }
    i++;
  }
  return { literals, comments, complete: true };
}

/**
 * The query with every string literal's content removed and comments dropped, or undefined when the
 * literals are not well-formed (then the full parser must judge).
 */
export function blankStringContents(expr: string): string | undefined {
  const scan = scanQuery(expr);
  if (!scan.complete) return undefined;
  const cuts = [...scan.literals.map((l) => ({ from: l.from + 1, to: l.to - 1 })), ...scan.comments.map(([from, to]) => ({ from, to }))].sort((a, b) => a.from - b.from);
  let out = '';
  let at = 0;
  for (const cut of cuts) {
    out += expr.slice(at, cut.from);
    at = cut.to;
  }
  return out + expr.slice(at);
}

function parseCheck(expr: string): PromqlCheck {
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

/**
 * The range selectors and subqueries of a parseable query whose range is spelled `range`, each as its whole
 * text with the `offset` and `@` that apply to it, distinct and in order of appearance.
 */
export function rangeReadsOf(expr: string, range: string): string[] {
  const reads = new Set<string>();
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.name !== 'MatrixSelector' && node.name !== 'SubqueryExpr') return true;
      const duration = node.node.getChild('DurationExpr');
      if (!duration || expr.slice(duration.from, duration.to) !== range) return true;
      let whole = node.node;
      while (whole.parent && (whole.parent.name === 'OffsetExpr' || whole.parent.name === 'StepInvariantExpr')) whole = whole.parent;
      reads.add(expr.slice(whole.from, whole.to));
      return false;
    },
  });
  return [...reads];
}
