/** src/budget is pure: no I/O imports, no clock, no environment (time and data come in as arguments). */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../../src/budget/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

describe('src/budget purity', () => {
  it('has modules to check', () => expect(files.length).toBeGreaterThan(5));
  it.each(files)('%s imports only pure modules and reads no clock or environment', (file) => {
    const text = readFileSync(`${dir}${file}`, 'utf8');
    const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
    for (const spec of imports) expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/|^\.\.\/(rules\/(names|windows)|model\/duration)\.js$/);
    expect(text).not.toMatch(/Date\.now\(|new Date\(\)|process\.env|performance\.now/);
  });
});
