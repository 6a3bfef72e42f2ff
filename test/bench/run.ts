/**
 * `npm run bench [name…]`: runs every `test/bench/*.bench.ts` (or only those whose name contains an
 * argument), one after the other in separate processes so one benchmark's memory does not skew the next.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
// Arguments up to the first flag pick benchmarks; the flag and everything after it go to each benchmark
// (`npm run bench health-nab -- --verbose`).
const firstFlag = process.argv.findIndex((a, i) => i >= 2 && a.startsWith('-'));
const filters = process.argv.slice(2, firstFlag < 0 ? undefined : firstFlag);
const forwarded = firstFlag < 0 ? [] : process.argv.slice(firstFlag);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
let failed = 0;
for (const file of benches) {
  process.stdout.write(`\n### ${file}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', `${dir}${file}`, ...forwarded], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
