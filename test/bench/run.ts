/**
 * `npm run bench [name…]`: runs every `test/bench/*.bench.ts` (or only those whose name contains an
 * argument; flags after the names are passed to each, e.g. `npm run bench health-nab -- --verbose`), one
 * after the other in separate processes so one benchmark's memory does not skew the next.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
// Names first; from the first `--flag` on, the arguments go to every benchmark run (e.g. health-nab's --verbose).
const args = process.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith('-'));
const filters = firstFlag < 0 ? args : args.slice(0, firstFlag);
const forwarded = firstFlag < 0 ? [] : args.slice(firstFlag);
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
