/** `npm run golden:update`: rewrites every golden case's expected output. Review the diff before committing. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goldenCases, goldenDir, runGoldenCase } from './golden.js';

for (const name of goldenCases()) {
  const { out, result } = await runGoldenCase(name);
  writeFileSync(join(goldenDir, name, 'out.yaml'), out);
  writeFileSync(join(goldenDir, name, 'result.txt'), result);
  process.stdout.write(`updated ${name}\n`);
}
