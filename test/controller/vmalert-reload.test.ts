/** Directory mode driving vmalert instead of Prometheus: rule files in, vmalert reloaded and the reload confirmed. */
import { createServer, type Server } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectoryController, type DirectoryController } from '../../src/controller/assemble.js';
import { defaultCompile } from '../../src/resources/compile-contract.js';
import { builtinPaths } from '../../src/resources/load-resources.js';
import { promtoolChecker } from '../../src/sink/promtool-check.js';
import { freePort, tempDir, waitFor } from '../support/processes.js';
import { startVictoriaMetrics, startVmalert, type RunningVictoriaMetrics, type RunningVmalert } from '../support/victoria-metrics.js';
import { policy, slo, template } from './fixtures.js';
import { quietLogger } from './kube-harness.js';

const yamlDocs = (...docs: unknown[]) => docs.map((d) => stringify(d)).join('---\n');

describe('controller in directory mode with --rules-reload vmalert:URL (real vmalert)', () => {
  let resources: Awaited<ReturnType<typeof tempDir>>;
  let rules: Awaited<ReturnType<typeof tempDir>>;
  let vm: RunningVictoriaMetrics;
  let vmalert: RunningVmalert;
  let notifier: Server;
  let c: DirectoryController;

  const groups = async () =>
    ((await (await fetch(`${vmalert.url}/api/v1/rules`)).json()) as { data: { groups: Array<{ name: string; rules: Array<{ name: string; query: string }> }> | null } }).data.groups ?? [];

  beforeAll(async () => {
    resources = await tempDir('resources');
    rules = await tempDir('rules');
    vm = await startVictoriaMetrics();
    const port = await freePort();
    notifier = createServer((_req, res) => res.end());
    await new Promise<void>((r) => notifier.listen(port, '127.0.0.1', () => r()));
    vmalert = await startVmalert(vm, join(rules.path, '*.yaml'), `http://127.0.0.1:${port}`);
    await mkdir(join(resources.path, 'templates'));
    await writeFile(join(resources.path, 'templates', 'availability.yaml'), yamlDocs(template('availability')));
    c = createDirectoryController({
      compile: defaultCompile,
      logger: quietLogger,
      source: { root: resources.path, debounceMs: 50, rescanMs: 2_000, builtinPaths },
      sink: { dir: rules.path, prometheusUrl: vmalert.url, ruleEngine: 'vmalert', reloadDebounceMs: 50, checkRules: promtoolChecker() },
      resyncMs: 0,
    });
    await c.start();
  });
  afterAll(async () => {
    await c?.close();
    await vmalert?.stop();
    await vm?.stop();
    notifier?.close();
    await resources?.remove();
    await rules?.remove();
  });

  it('a new SLO file is loaded by vmalert and the reload confirmed', async () => {
    const file = join(resources.path, 'checkout.yaml');
    const t0 = Date.now();
    await writeFile(file, yamlDocs(slo('checkout'), policy('checkout-page', 'checkout')));
    await waitFor('vmalert runs both groups', async () => {
      const names = (await groups()).map((g) => g.name).sort();
      return names.join() === 'vigil.team-a.checkout.long,vigil.team-a.checkout.short';
    }, { timeoutMs: 10_000, intervalMs: 100 });
    await waitFor('reload confirmed', async () => c.sink.lastReload?.ok === true && (await c.metrics.reloadLastSuccess.get()).values[0]!.value > t0 / 1000 - 1, { timeoutMs: 5_000, intervalMs: 20 });
    // Edits are not exercised here: vmalert swaps an edited group in only when that group next wakes, which for
    // a freshly started group is up to one group interval (1m) later.
  });

  it('a rule file vmalert cannot load is reported as a failed reload, and vmalert keeps its rules', async () => {
    await writeFile(join(rules.path, 'broken.yaml'), 'groups:\n  - name: broken\n    rules:\n      - record: x\n        expr: "sum(("\n');
    const state = await c.sink.reload();
    expect(state.ok).toBe(false);
    expect(state.error).toMatch(/vmalert could not load the rule files/);
    expect((await groups()).map((g) => g.name)).toContain('vigil.team-a.checkout.short');
  });
});
