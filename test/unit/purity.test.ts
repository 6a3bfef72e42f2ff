/**
 * The core stays pure (STYLE.md): model, promql, rules, budget and health take data and return data.
 * This test fails when one of their files imports an I/O module or reads the clock or the environment.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../src');
const pureFolders = ['model', 'promql', 'rules', 'budget', 'health', 'import'];
const forbiddenImports = /from ['"](node:)?(fs|fs\/promises|net|http|https|child_process|dgram|dns|tls|worker_threads)['"]|from ['"](ioredis|bullmq|fastify|prometheus-query|@kubernetes\/client-node|pino)['"]/;
const forbiddenCalls = /\bDate\.now\(\)|\bprocess\.env\b|\bnew Date\(\)/;
// Scripts that write generated files are adapters by design.
const exempt = new Set(['model/write-crds.ts']);

function files(folder: string): string[] {
  const dir = join(root, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${folder}/${f}`)
    .filter((f) => !exempt.has(f));
}

describe('pure core', () => {
  const all = pureFolders.flatMap(files);
  it('has files to check', () => expect(all.length).toBeGreaterThan(10));
  it.each(all)('%s has no I/O imports, clock or environment reads', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    expect(text).not.toMatch(forbiddenImports);
    expect(text).not.toMatch(forbiddenCalls);
  });
});
