/** Writes deploy/delivery/**.yaml from delivery.ts:  npm run delivery:update */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deliveryManifests, manifestText } from './delivery.js';

for (const file of Object.keys(deliveryManifests())) {
  const path = join(import.meta.dirname, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, manifestText(file));
  process.stdout.write(`wrote deploy/delivery/${file}\n`);
}
