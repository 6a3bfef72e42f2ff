/**
 * Escaping for PromQL double-quoted string literals (label matcher values). This is the only function that
 * puts user-controlled text inside quotes; a value such as `"} or vector(1) #` stays inside its string.
 */
const escapes: Record<string, string> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\0': '\\x00',
};

export function escapeStringContent(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\\"\n\r\t\0]|[\x01-\x1f\x7f]/g, (c) => escapes[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function quote(value: string): string {
  return `"${escapeStringContent(value)}"`;
}
