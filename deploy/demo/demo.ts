/**
 * The demo stack: validates and generates the demo mesh's rules (deploy/demo/resources) and serves them
 * from a real Prometheus on loopback. Prints the URLs; Ctrl-C stops everything.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const io = { stdout: (s: string) => process.stdout.write(s), stderr: (s: string) => process.stderr.write(s), env: process.env, cwd: root };
const work = mkdtempSync(join(tmpdir(), 'vigil-demo-'));
const rules = join(work, 'rules.yaml');
const port = Number(process.env.VIGIL_DEMO_PROMETHEUS_PORT ?? 19090);

if ((await main(['validate', '-f', 'deploy/demo/resources'], io)) !== 0) process.exit(1);
if ((await main(['generate', '-f', 'deploy/demo/resources', '-o', rules], io)) !== 0) process.exit(1);

writeFileSync(join(work, 'prometheus.yml'), `global:\n  evaluation_interval: 30s\nrule_files:\n  - ${JSON.stringify(rules)}\n`);
const prometheus = spawn('prometheus', [`--config.file=${join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${join(work, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-lifecycle', '--log.level=warn'], { stdio: 'inherit' });

const stop = () => {
  prometheus.kill('SIGTERM');
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
prometheus.once('exit', () => {
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
});

for (let i = 0; i < 100; i++) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/rules`);
    if (response.ok) {
      const body = (await response.json()) as { data: { groups: Array<{ rules: unknown[] }> } };
      const count = body.data.groups.reduce((n, g) => n + g.rules.length, 0);
      process.stdout.write(`\nPrometheus with ${count} Vigil rules: http://127.0.0.1:${port}/rules   (Ctrl-C stops)\n`);
      break;
    }
  } catch {
    // not up yet
  }
  await new Promise((r) => setTimeout(r, 200));
}
