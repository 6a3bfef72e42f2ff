/**
 * A small typed PromQL builder: every query Vigil writes is composed from these nodes, which print
 * themselves with correct quoting and parentheses. Label values go through `quote` only. User-written
 * template queries enter as `verbatim` nodes after they passed `checkPromql`.
 */
import { formatDuration } from '../model/duration.js';
import { quote } from './escape.js';

export interface Expr {
  /** Operator precedence for parenthesising: higher binds tighter. */
  readonly precedence: number;
  print(): string;
}

const ATOM = 100;
const precedences: Record<BinaryOp, number> = { or: 1, and: 2, unless: 2, '==': 3, '!=': 3, '>': 3, '<': 3, '>=': 3, '<=': 3, '+': 4, '-': 4, '*': 5, '/': 5 };
export type BinaryOp = 'or' | 'and' | 'unless' | '==' | '!=' | '>' | '<' | '>=' | '<=' | '+' | '-' | '*' | '/';

const atom = (text: string): Expr => ({ precedence: ATOM, print: () => text });

/** A metric selector with equality matchers, e.g. `vigil:sli_total:rate5m{slo="x"}`. */
export function selector(metric: string, matchers: Readonly<Record<string, string>> = {}): Expr {
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(metric)) throw new Error(`invalid metric name ${metric}`);
  const entries = Object.entries(matchers);
  for (const [label] of entries) if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)) throw new Error(`invalid label name ${label}`);
  const body = entries.map(([label, value]) => `${label}=${quote(value)}`).join(', ');
  return atom(entries.length ? `${metric}{${body}}` : metric);
}

/** A number literal printed without binary noise. */
export function number(value: number): Expr {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return atom(String(Number(value.toPrecision(12))));
}

/**
 * A query that was checked by checkPromql. It gets the lowest precedence, so every operator around it
 * parenthesises it; inside function calls and aggregations it needs no parentheses.
 */
export function verbatim(checkedQuery: string): Expr {
  const text = checkedQuery.trim();
  return { precedence: 0, print: () => text };
}

export function call(fn: string, ...args: Expr[]): Expr {
  return atom(`${fn}(${args.map((a) => a.print()).join(', ')})`);
}

/** `expr[range:step]` or `expr[range]` over a selector. */
export function range(expr: Expr, rangeMs: number, stepMs?: number): Expr {
  const window = stepMs === undefined ? formatDuration(rangeMs) : `${formatDuration(rangeMs)}:${formatDuration(stepMs)}`;
  const inner = expr.precedence === ATOM ? expr.print() : `(${expr.print()})`;
  return atom(`${inner}[${window}]`);
}

/** `selector offset 1h`: the selector's value that long ago (no modifier for 0). Only selectors take one. */
export function offset(selectorExpr: Expr, offsetMs: number): Expr {
  if (offsetMs === 0) return selectorExpr;
  if (selectorExpr.precedence !== ATOM) throw new Error(`offset needs a selector, got ${selectorExpr.print()}`);
  return atom(`${selectorExpr.print()} offset ${formatDuration(offsetMs)}`);
}

export function aggregate(op: 'sum' | 'max' | 'min' | 'avg' | 'count', expr: Expr, by?: readonly string[]): Expr {
  return atom(by ? `${op} by (${by.join(', ')}) (${expr.print()})` : `${op}(${expr.print()})`);
}

export function binary(
  op: BinaryOp,
  left: Expr,
  right: Expr,
  options: { on?: readonly string[]; bool?: boolean } = {},
): Expr {
  const precedence = precedences[op];
  // Left-associative: parenthesise a right operand of equal precedence.
  const side = (e: Expr, isRight: boolean) => (e.precedence < precedence || (isRight && e.precedence === precedence) ? `(${e.print()})` : e.print());
  const modifiers = `${options.bool ? ' bool' : ''}${options.on ? ` on (${options.on.join(', ')})` : ''}`;
  const text = `${side(left, false)} ${op}${modifiers} ${side(right, true)}`;
  return { precedence, print: () => text };
}
