/**
 * Golden cases: test/golden/<case>/in/*.yaml → out.yaml (what `vigil generate -f in` prints) and
 * result.txt (exit code and diagnostics). Optional `args` holds extra flags. `npm run golden:update`
 * rewrites the expected files; the test compares byte for byte and runs promtool on every output.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

export const goldenDir = fileURLToPath(new URL('.', import.meta.url));

export function goldenCases(): string[] {
  return readdirSync(goldenDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(goldenDir, e.name, 'in')))
    .map((e) => e.name)
    .sort();
}

/** `overrideArgs` is appended after the case's own flags (a later `--format` wins). */
export async function runGoldenCase(name: string, overrideArgs: readonly string[] = []): Promise<{ out: string; result: string; args: string[] }> {
  const dir = join(goldenDir, name);
  const argsFile = join(dir, 'args');
  const extra = existsSync(argsFile) ? readFileSync(argsFile, 'utf8').trim().split(/\s+/).filter(Boolean) : [];
  let out = '';
  let err = '';
  const code = await main(['generate', '-f', 'in', ...extra, ...overrideArgs], {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    env: {},
    cwd: dir,
  });
  return { out, result: `exit code: ${code}\n${err}`, args: extra };
}
