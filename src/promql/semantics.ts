/**
 * What Prometheus checks after parsing and the lezer grammar does not: value types (a range vector where an
 * instant vector is needed, `sum(m[5m])`), string literals under Prometheus's escaping rules (`\"` inside
 * `'…'` is an error there), regexes that RE2 compiles, and durations within Prometheus's range (int64
 * nanoseconds). A query that passes `checkPromql` but fails here would make `promtool check rules` fail and,
 * without promtool, every Prometheus rule reload.
 *
 * The tree-shaped part (types, durations, which literals are regexes) depends only on the query's shape
 * (literal contents blanked), so it is cached like the syntax check; literal contents are checked per query.
 */
import { parser } from '@prometheus-io/lezer-promql';
import { parseDuration } from '../model/duration.js';
import { decodeStringLiteral } from './escape.js';
import { blankStringContents, scanQuery } from './parse.js';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

export type ValueType = 'instant vector' | 'range vector' | 'scalar' | 'string';
export type SemanticCheck = { ok: true } | { ok: false; message: string };

/** Argument kinds: v instant vector, m range vector, s scalar, str string; `?` optional, `*` repeated. */
const signatures: Record<string, { args: string[]; returns: ValueType }> = {};
const define = (names: string, args: string, returns: ValueType = 'instant vector') => {
  for (const name of names.split(' ')) signatures[name] = { args: args ? args.split(',') : [], returns };
};
define('abs ceil exp floor ln log2 log10 sqrt sgn acos acosh asin asinh atan atanh cos cosh sin sinh tan tanh deg rad', 'v');
define('absent sort sort_desc timestamp histogram_count histogram_sum histogram_avg histogram_stddev histogram_stdvar', 'v');
define('day_of_month day_of_week day_of_year days_in_month hour minute month year', 'v?');
define('round', 'v,s?');
define('clamp', 'v,s,s');
define('clamp_max clamp_min', 'v,s');
define('histogram_quantile', 's,v');
define('histogram_fraction', 's,s,v');
define('label_replace', 'v,str,str,str,str');
define('label_join', 'v,str,str,str*');
define('sort_by_label sort_by_label_desc', 'v,str*');
define(
  'rate irate increase delta idelta deriv changes resets absent_over_time present_over_time avg_over_time count_over_time last_over_time first_over_time max_over_time min_over_time sum_over_time stddev_over_time stdvar_over_time mad_over_time ts_of_max_over_time ts_of_min_over_time ts_of_first_over_time ts_of_last_over_time',
  'm',
);
define('quantile_over_time', 's,m');
define('predict_linear', 'm,s');
define('holt_winters double_exponential_smoothing', 'm,s,s');
define('scalar', 'v', 'scalar');
define('time pi', '', 'scalar');
define('vector', 's');

/** Aggregations whose first argument is a parameter, and its type. */
const aggregationParameter: Record<string, ValueType> = { topk: 'scalar', bottomk: 'scalar', quantile: 'scalar', limitk: 'scalar', limit_ratio: 'scalar', count_values: 'string' };
const setOperators = new Set(['And', 'Or', 'Unless']);

class QueryTypeError extends Error {}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) out.push(child);
  return out;
}

interface ShapeFacts {
  readonly error?: string;
  readonly type?: ValueType;
  /** Indexes (in document order) of the string literals that are regexes. */
  readonly regexLiterals: readonly number[];
}

function analyze(expr: string): ShapeFacts {
  const tree = parser.parse(expr);
  const literalIndex = new Map<number, number>();
  const regexLiterals: number[] = [];
  let durationError: string | undefined;
  tree.iterate({
    enter: (node) => {
      if (node.name === 'StringLiteral') literalIndex.set(node.from, literalIndex.size);
      if (node.name === 'NumberDurationLiteralInDurationContext' || (node.name === 'NumberDurationLiteral' && /[a-z]$/.test(expr.slice(node.from, node.to)))) {
        durationError ??= checkDurationLiteral(expr.slice(node.from, node.to));
      }
    },
  });
  const noteRegex = (literal: SyntaxNode | null | undefined) => {
    if (literal?.name === 'StringLiteral') regexLiterals.push(literalIndex.get(literal.from)!);
  };
  tree.iterate({
    enter: (ref) => {
      const node = ref.node;
      if (node.name === 'UnquotedLabelMatcher' || node.name === 'QuotedLabelMatcher') {
        const op = node.getChild('MatchOp')?.firstChild?.name;
        if (op === 'EqlRegex' || op === 'NeqRegex') noteRegex(node.lastChild);
      }
      if (node.name === 'FunctionCall' && node.getChild('FunctionIdentifier')?.firstChild?.name === 'LabelReplace') {
        noteRegex(children(node.getChild('FunctionCallBody')!)[4]);
      }
    },
  });
  const top = tree.topNode.firstChild;
  if (!top) return { regexLiterals };
  try {
    const type = typeOf(top, expr);
    return { type, regexLiterals, ...(durationError ? { error: durationError } : {}) };
  } catch (error) {
    if (error instanceof QueryTypeError) return { error: error.message, regexLiterals };
    throw error;
  }
}

function checkDurationLiteral(text: string): string | undefined {
  if (!/^([0-9]+(\.[0-9]+)?(ms|s|m|h|d|w|y))+$/.test(text)) return undefined;
  const parsed = parseDuration(text);
  if (!parsed.ok && /out of range/.test(parsed.message)) return parsed.message;
  return undefined;
}

function expect(node: SyntaxNode, expr: string, wanted: ValueType, context: string): void {
  const got = typeOf(node, expr);
  if (got !== wanted) throw new QueryTypeError(`${context}: expected ${article(wanted)}, got ${article(got)} (${snippet(node, expr)})`);
}

function article(type: ValueType): string {
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

function snippet(node: SyntaxNode, expr: string): string {
  const text = expr.slice(node.from, node.to).replace(/\s+/g, ' ');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function typeOf(node: SyntaxNode, expr: string): ValueType {
  switch (node.name) {
    case 'VectorSelector':
      return 'instant vector';
    case 'MatrixSelector':
      return 'range vector';
    case 'SubqueryExpr': {
      const inner = typeOf(node.firstChild!, expr);
      if (inner !== 'instant vector') throw new QueryTypeError(`subquery is only allowed on an instant vector, got ${article(inner)} (${snippet(node, expr)})`);
      return 'range vector';
    }
    case 'NumberDurationLiteral':
      return 'scalar';
    case 'StringLiteral':
      return 'string';
    case 'ParenExpr':
    case 'StepInvariantExpr':
    case 'OffsetExpr':
    case 'AnchoredExpr':
    case 'SmoothedExpr':
      return typeOf(node.firstChild!, expr);
    case 'UnaryExpr': {
      const operand = node.lastChild!;
      const type = typeOf(operand, expr);
      if (type !== 'instant vector' && type !== 'scalar') throw new QueryTypeError(`unary expression only allowed on scalars or instant vectors, got ${article(type)} (${snippet(node, expr)})`);
      return type;
    }
    case 'BinaryExpr': {
      const parts = children(node);
      const left = typeOf(parts[0]!, expr);
      const right = typeOf(parts.at(-1)!, expr);
      for (const [side, type] of [[parts[0]!, left], [parts.at(-1)!, right]] as const) {
        if (type !== 'instant vector' && type !== 'scalar') {
          throw new QueryTypeError(`binary expression must contain only scalar and instant vector types, got ${article(type)} (${snippet(side, expr)})`);
        }
      }
      if (setOperators.has(parts[1]?.name ?? '') && (left !== 'instant vector' || right !== 'instant vector')) {
        throw new QueryTypeError(`set operator ${expr.slice(parts[1]!.from, parts[1]!.to)} not allowed in binary scalar expression (${snippet(node, expr)})`);
      }
      return left === 'instant vector' || right === 'instant vector' ? 'instant vector' : 'scalar';
    }
    case 'AggregateExpr': {
      const op = expr.slice(node.getChild('AggregateOp')!.from, node.getChild('AggregateOp')!.to);
      const args = children(node.getChild('FunctionCallBody')!);
      const parameterType = aggregationParameter[op];
      if (parameterType && args.length === 2) expect(args[0]!, expr, parameterType, `parameter of ${op}`);
      if (args.length > 0) expect(args.at(-1)!, expr, 'instant vector', `argument of ${op}`);
      return 'instant vector';
    }
    case 'FunctionCall': {
      const name = expr.slice(node.getChild('FunctionIdentifier')!.from, node.getChild('FunctionIdentifier')!.to);
      const args = children(node.getChild('FunctionCallBody')!);
      const signature = signatures[name];
      if (!signature) {
        // A function this table does not know (newer Prometheus): still no range vector where none fits.
        return 'instant vector';
      }
      args.forEach((arg, i) => {
        const spec = signature.args[i] ?? signature.args.at(-1);
        if (!spec || (i >= signature.args.length && !spec.endsWith('*'))) return; // arity is the grammar's and promtool's business
        const kind = spec.replace(/[?*]$/, '');
        const wanted: ValueType = kind === 'v' ? 'instant vector' : kind === 'm' ? 'range vector' : kind === 's' ? 'scalar' : 'string';
        expect(arg, expr, wanted, `argument ${i + 1} of ${name}()`);
      });
      return signature.returns;
    }
    default:
      return 'instant vector';
  }
}

const shapeCache = new Map<string, ShapeFacts>();
const SHAPE_CACHE_LIMIT = 10_000;

function factsOf(expr: string): ShapeFacts {
  const shape = blankStringContents(expr);
  if (shape === undefined) return analyze(expr);
  let facts = shapeCache.get(shape);
  if (!facts) {
    facts = analyze(expr);
    if (shapeCache.size < SHAPE_CACHE_LIMIT) shapeCache.set(shape, facts);
  }
  return facts;
}

/**
 * Checks a query that already passed `checkPromql`: its result type (when `resultType` is given), every
 * string literal, every regex and every duration literal.
 */
export function checkQuerySemantics(expr: string, resultType?: ValueType): SemanticCheck {
  const facts = factsOf(expr);
  if (facts.error) return { ok: false, message: facts.error };
  if (resultType && facts.type && facts.type !== resultType) {
    return { ok: false, message: `the query must give ${article(resultType)}, it gives ${article(facts.type)}` };
  }
  const { literals } = scanQuery(expr);
  const regexes = new Set(facts.regexLiterals);
  for (const [index, span] of literals.entries()) {
    const text = expr.slice(span.from, span.to);
    const decoded = decodeStringLiteral(text);
    if (!decoded.ok) return { ok: false, message: `string ${clip(text)}: ${decoded.message}` };
    if (regexes.has(index)) {
      const problem = re2Problem(decoded.value);
      if (problem) return { ok: false, message: `regex ${clip(text)}: ${problem}` };
    }
  }
  return { ok: true };
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const re2LetterEscapes = new Set('afnrtvdDsSwWbBAzpPxQEC');

/**
 * Why Go's RE2 (regexp/syntax, which Prometheus uses) would refuse a regex, or undefined. RE2-only syntax
 * (`(?i)`, `(?P<name>…)`, `\z`, `[[:alpha:]]`, `\Q…\E`) is translated so that JavaScript's parser can judge
 * the structure (brackets, repetition); constructs RE2 lacks (lookaround, backreferences, possessive or
 * nested repetition) and repeat counts above 1000 are refused by name.
 */
export function re2Problem(pattern: string): string | undefined {
  let js = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const e = pattern[i + 1];
      if (e === undefined) return 'trailing backslash at end of expression';
      if (e === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const literal = pattern.slice(i + 2, end < 0 ? undefined : end);
        js += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? pattern.length : end + 1;
        continue;
      }
      if (/[0-9]/.test(e)) {
        const next = pattern[i + 2];
        if (e !== '0' && (e > '7' || next === undefined || next < '0' || next > '7')) return `invalid escape sequence \\${e} (RE2 has no backreferences)`;
      } else if (/[A-Za-z]/.test(e) && !re2LetterEscapes.has(e)) {
        return `invalid escape sequence \\${e}`;
      }
      if (!inClass && e === 'z') js += '$';
      else if (!inClass && e === 'A') js += '^';
      else if (e === 'C') js += '.';
      else js += `\\${e}`;
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        if (end > 0 && /^\^?[a-z]+$/.test(pattern.slice(i + 2, end))) {
          js += 'a';
          i = end + 1;
          continue;
        }
      }
      if (c === ']') inClass = false;
      js += c === '[' ? '\\[' : c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      js += c;
      // A `]` right after `[` or `[^` is a literal in RE2.
      const negated = pattern[i + 1] === '^';
      if (negated) js += '^';
      if (pattern[i + 1 + (negated ? 1 : 0)] === ']') {
        js += '\\]';
        i += 1 + (negated ? 1 : 0);
      } else if (negated) i++;
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      if (/^(=|!|<=|<!)/.test(rest)) return 'lookaround assertions ((?=, (?!, (?<=, (?<!) are not supported by RE2';
      if (rest.startsWith('>')) return 'atomic groups ((?>) are not supported by RE2';
      const named = /^P?<([A-Za-z0-9_]+)>/.exec(rest);
      if (named) {
        js += `(?<${named[1]}>`;
        i += 1 + named[0].length;
        continue;
      }
      const flags = /^([imsU]*(-[imsU]*)?)(\)|:)/.exec(rest);
      if (!flags) return `invalid or unsupported Perl syntax: ${clip(pattern.slice(i, i + 4))}`;
      js += flags[3] === ':' ? '(?:' : '';
      i += 1 + flags[0].length;
      continue;
    }
    if ('*+?'.includes(c) && i > 0 && '*+'.includes(pattern[i - 1]!) && pattern[i - 2] !== '\\') {
      if (c !== '?') return `invalid nested repetition operator: ${pattern[i - 1]}${c}`;
    }
    if (c === '{') {
      const repeat = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (repeat && (Number(repeat[1]) > 1000 || Number(repeat[3] || 0) > 1000)) return `invalid repeat count: ${repeat[0]} (RE2 allows at most 1000)`;
    }
    js += c;
  }
  try {
    new RegExp(js);
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // "Invalid regular expression: /…/: Unterminated group" → "Unterminated group"
    return message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '').toLowerCase();
  }
}
