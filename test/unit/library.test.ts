/** The library entry point (src/index.ts, package.json "exports"): load, validate, generate. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, load, validate } from '../../src/index.js';
import { goldenDir } from '../golden/golden.js';

const root = join(import.meta.dirname, '../..');

describe('library', () => {
  it('generates exactly what `vigil generate` prints (the golden output)', async () => {
    const dir = join(goldenDir, 'availability-workbook');
    const result = await generate(['in'], { cwd: dir, checkRules: 'none' });
    if (!result.ok) throw new Error(result.message);
    expect(result.errors).toBe(0);
    expect([...result.chunks()].join('')).toBe(readFileSync(join(dir, 'out.yaml'), 'utf8'));
  });

  it('loads and validates with every issue, and generates only the valid SLOs', async () => {
    const dir = join(goldenDir, 'invalid-keep-going');
    const loaded = load(['in'], { cwd: dir });
    expect(loaded.files).toBeGreaterThan(0);
    expect(loaded.builtinFiles).toBeGreaterThan(0);
    const checked = validate(['in'], { cwd: dir });
    expect(checked.errors).toBeGreaterThan(0);
    expect(checked.issues.every((i) => typeof i.message === 'string' && i.message.length > 0)).toBe(true);
    const result = await generate(['in'], { cwd: dir, checkRules: 'none' });
    if (!result.ok) throw new Error(result.message);
    expect(result.errors).toBe(checked.errors);
    expect(result.slos.length).toBe(checked.compiled.slos.length);
  });

  it('is what package.json exports, with its types', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; import: string }> };
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { rootDir: string; declaration: boolean } };
    // src/index.ts compiles to dist/index.js (+ .d.ts) under this build.
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', declaration: true });
  });
});
