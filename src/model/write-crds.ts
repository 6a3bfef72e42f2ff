/** `npm run crds:update`: regenerates crds/*.yaml from the schema. */
import { writeFileSync } from 'node:fs';
import { buildCrds } from './crds.js';
import { renderCrdYaml } from './crd-yaml.js';

for (const { file, crd } of buildCrds()) {
  const path = new URL(`../../crds/${file}`, import.meta.url);
  writeFileSync(path, renderCrdYaml(crd));
  process.stdout.write(`wrote crds/${file}\n`);
}
