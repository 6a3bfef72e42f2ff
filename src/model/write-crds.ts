/** `npm run crds:update`: regenerates crds/*.yaml from the schema. */
import { writeFileSync } from 'node:fs';
import { buildCrds } from './crds.js';
import { renderCrdKustomization, renderCrdYaml } from './crd-yaml.js';

const crds = buildCrds();
writeFileSync(new URL('../../crds/kustomization.yaml', import.meta.url), renderCrdKustomization(crds.map((c) => c.file)));
process.stdout.write('wrote crds/kustomization.yaml\n');
for (const { file, crd } of crds) {
  const path = new URL(`../../crds/${file}`, import.meta.url);
  writeFileSync(path, renderCrdYaml(crd));
  process.stdout.write(`wrote crds/${file}\n`);
}
