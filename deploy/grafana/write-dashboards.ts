/** Writes deploy/grafana/dashboards/*.json from dashboards.ts:  node --import tsx deploy/grafana/write-dashboards.ts */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dashboards, dashboardText } from './dashboards.js';

const dir = join(import.meta.dirname, 'dashboards');
for (const file of Object.keys(dashboards)) {
  writeFileSync(join(dir, file), dashboardText(file));
  process.stdout.write(`wrote deploy/grafana/dashboards/${file}\n`);
}
