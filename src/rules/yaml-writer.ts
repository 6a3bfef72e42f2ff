/**
 * A small block-style YAML writer for plain data (objects, arrays, strings, finite numbers, booleans).
 * Rule output for thousands of SLOs is tens of megabytes; the general-purpose `yaml` library builds a node
 * tree per value and was the bottleneck (and most of the memory) of `vigil generate`. Strings are written
 * plain when that is unambiguous, single-quoted when on one line, and as literal blocks when multi-line.
 */
type Plain = string | number | boolean | null | undefined | readonly Plain[] | { readonly [key: string]: Plain };

// Plain scalars that YAML 1.1/1.2 would read as something other than this string.
const ambiguous = /^(?:[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N|null|Null|NULL|~|<<|)$/;
const unsafeStart = /^[-?:,[\]{}#&*!|>'"%@`\s]/;

export function scalar(value: string): string {
  if (value.includes('\n')) return '';
  // eslint-disable-next-line no-control-regex
  const hasControl = /[\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029\ufeff]/.test(value);
  if (hasControl) return JSON.stringify(value);
  const plain = !ambiguous.test(value) && !unsafeStart.test(value) && !/\s$/.test(value) && !value.includes(': ') && !value.includes(' #') && !value.endsWith(':') && !value.includes('\t');
  if (plain) return value;
  return `'${value.replace(/'/g, "''")}'`;
}

const keyCache = new Map<string, string>();

function key(name: string): string {
  let text = keyCache.get(name);
  if (text === undefined) {
    text = scalar(name) || JSON.stringify(name);
    if (keyCache.size < 10_000) keyCache.set(name, text);
  }
  return text;
}

/** A literal block when that reads back exactly, else a double-quoted string (JSON's escapes are YAML's). */
function multiline(value: string, indent: string): string {
  const lines = value.endsWith('\n') ? value.slice(0, -1).split('\n') : value.split('\n');
  // eslint-disable-next-line no-control-regex
  const simple = !/^\s/.test(value) && !value.endsWith('\n\n') && !/[\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029\ufeff]/.test(value) && lines.every((l) => !/\s$/.test(l));
  if (!simple) return JSON.stringify(value);
  const body = lines.map((line) => (line ? `${indent}  ${line}` : '')).join('\n');
  return `|${value.endsWith('\n') ? '' : '-'}\n${body}`;
}

function write(value: Plain, indent: string, out: string[], inlinePrefix: string): void {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push(`${inlinePrefix}[]`);
      return;
    }
    if (inlinePrefix) out.push(inlinePrefix.trimEnd());
    for (const item of value as readonly Plain[]) {
      if (item !== null && typeof item === 'object') write(item, `${indent}  `, out, `${indent}- `);
      else out.push(`${indent}- ${leaf(item, `${indent}  `)}`);
    }
    return;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) {
      out.push(`${inlinePrefix}{}`);
      return;
    }
    let first = true;
    for (const [k, v] of entries) {
      // The first entry of a list item shares the "- " line.
      const prefix = first && inlinePrefix ? inlinePrefix : indent;
      first = false;
      if (v !== null && typeof v === 'object' && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0)) {
        out.push(`${prefix}${key(k)}:`);
        // Lists sit at the same indentation as their key, as kubectl and the yaml library print them.
        write(v, Array.isArray(v) ? `${indent}  ` : `${indent}  `, out, '');
      } else {
        out.push(`${prefix}${key(k)}: ${leaf(v as Plain, `${indent}`)}`);
      }
    }
    return;
  }
  out.push(`${inlinePrefix}${leaf(value, indent)}`);
}

function leaf(value: Plain, indent: string): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as YAML`);
    return String(value);
  }
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value.includes('\n') ? multiline(value, indent) : scalar(value);
  if (Array.isArray(value)) return '[]';
  return '{}';
}

/** `indent` shifts the whole document right, e.g. to append list items under an existing key. */
export function toYaml(value: Plain, indent = ''): string {
  const out: string[] = [];
  write(value, indent, out, Array.isArray(value) ? '' : indent);
  return `${out.join('\n')}\n`;
}
