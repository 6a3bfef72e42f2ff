/**
 * Escaping for PromQL string literals. PromQL has three string forms and they escape differently
 * (Prometheus's lexer and `strutil.Unquote`): in `"…"` and `'…'` a backslash starts an escape and only the
 * form's own quote may be escaped (`\'` inside `"…"` and `\"` inside `'…'` are errors); a raw `` `…` ``
 * string has no escapes at all, so a backtick cannot appear inside one. These are the only functions that put
 * user-controlled text inside quotes; a value such as `"} or vector(1) #` stays inside its string.
 */

/** The quote character that opens (and closes) a PromQL string literal. */
export type QuoteForm = '"' | "'" | '`';

const commonEscapes: Record<string, string> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\0': '\\x00',
  // Prometheus's lexer reads U+FFFD as a decoding error ("invalid UTF-8 rune"), even when it is written
  // correctly; the escape sequence is accepted.
  '\uFFFD': '\\ufffd',
};

/* eslint-disable no-control-regex */
const needsEscape: Record<'"' | "'", RegExp> = {
  '"': /[\\"\n\r\t\0\uFFFD]|[\x01-\x1f\x7f]/g,
  "'": /[\\'\n\r\t\0\uFFFD]|[\x01-\x1f\x7f]/g,
};
/* eslint-enable no-control-regex */

function escapeQuoted(value: string, form: '"' | "'"): string {
  return value.replace(needsEscape[form], (c) =>
    c === form ? `\\${form}` : commonEscapes[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** Content for a double-quoted literal (label matcher values the builder writes). */
export function escapeStringContent(value: string): string {
  return escapeQuoted(value, '"');
}

export function quote(value: string): string {
  return `"${escapeStringContent(value)}"`;
}

const unpairedSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export type EscapeResult = { ok: true; text: string } | { ok: false; message: string };

/**
 * The content that makes `value` one string literal of the given form, or why it cannot be one. Lone UTF-16
 * surrogates have no UTF-8 encoding (the rule file would silently hold U+FFFD instead), so they are refused.
 */
export function escapeForQuote(value: string, form: QuoteForm): EscapeResult {
  if (unpairedSurrogate.test(value)) return { ok: false, message: 'contains an unpaired UTF-16 surrogate (not valid Unicode)' };
  if (form !== '`') return { ok: true, text: escapeQuoted(value, form) };
  if (value.includes('`')) {
    return { ok: false, message: 'contains a backtick, which a `…` raw string cannot hold (PromQL raw strings have no escapes); quote it with "…" in the template' };
  }
  if (value.includes('\uFFFD')) return { ok: false, message: 'contains U+FFFD, which Prometheus refuses inside a `…` raw string; quote it with "…" in the template' };
  return { ok: true, text: value };
}

export type DecodeResult = { ok: true; value: string } | { ok: false; message: string };

const simpleEscapes: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
const numericEscapes: Record<string, { digits: number; base: number; max: number }> = {
  x: { digits: 2, base: 16, max: 0xff },
  u: { digits: 4, base: 16, max: 0x10ffff },
  U: { digits: 8, base: 16, max: 0x10ffff },
};

/**
 * The value of a PromQL string literal (quotes included) under Prometheus's rules, or the error Prometheus
 * would report. The lezer grammar is laxer (it accepts `\q`, or `\"` inside `'…'`), so queries are checked
 * with this too. Octal and `\x` escapes above 0x7f are raw bytes in Go; they decode here as U+0080–U+00FF.
 */
export function decodeStringLiteral(literal: string): DecodeResult {
  const form = literal[0];
  if (literal.length < 2 || (form !== '"' && form !== "'" && form !== '`') || literal.at(-1) !== form) {
    return { ok: false, message: 'not a complete string literal' };
  }
  const body = literal.slice(1, -1);
  if (unpairedSurrogate.test(body)) return { ok: false, message: 'invalid UTF-8 rune' };
  if (body.includes('\uFFFD')) return { ok: false, message: 'invalid UTF-8 rune (U+FFFD must be written as \\ufffd)' };
  if (form === '`') return body.includes('`') ? { ok: false, message: 'a raw string cannot contain a backtick' } : { ok: true, value: body };
  let value = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === form) return { ok: false, message: `unescaped ${form} inside the string` };
    if (c === '\n') return { ok: false, message: 'unterminated quoted string (a newline must be written as \\n)' };
    if (c !== '\\') {
      value += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) return { ok: false, message: 'escape sequence not terminated' };
    if (e === form) {
      value += e;
      continue;
    }
    const simple = simpleEscapes[e];
    if (simple !== undefined) {
      value += simple;
      continue;
    }
    const octal = e >= '0' && e <= '7';
    const numeric = octal ? { digits: 3, base: 8, max: 0xff } : numericEscapes[e];
    if (!numeric) return { ok: false, message: `unknown escape sequence \\${e}` };
    const digits = octal ? body.slice(i, i + 3) : body.slice(i + 1, i + 1 + numeric.digits);
    const pattern = numeric.base === 8 ? /^[0-7]+$/ : /^[0-9a-fA-F]+$/;
    if (digits.length !== numeric.digits || !pattern.test(digits)) return { ok: false, message: `illegal character in escape sequence \\${e}${digits}` };
    const code = parseInt(digits, numeric.base);
    if (code > numeric.max || (code >= 0xd800 && code < 0xe000)) return { ok: false, message: 'escape sequence is an invalid Unicode code point' };
    value += String.fromCodePoint(code);
    i += octal ? 2 : numeric.digits;
  }
  return { ok: true, value };
}
