/** Directory mode against a real Prometheus: files in, rule files out, reload confirmed. */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectoryController, type DirectoryController } from '../../src/controller/assemble.js';
import { promtoolChecker } from '../../src/sink/promtool-check.js';
import { RuleFileSink } from '../../src/sink/rule-file-sink.js';
import { freePort, tempDir, waitFor } from '../support/processes.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { defaultCompile } from '../../src/resources/compile-contract.js';
import { builtinPaths } from '../../src/resources/load-resources.js';
import { alertsIn, objectiveIn, policy, slo, template } from './fixtures.js';
import { quietLogger } from './kube-harness.js';

interface RulesResponse {
  data: { groups: Array<{ name: string; file: string; rules: Array<{ name: string; query: string; type: string }> }> };
}

const yamlDocs = (...docs: unknown[]) => docs.map((d) => stringify(d)).join('---\n');

describe('controller in directory mode (real Prometheus)', () => {
  let resources: { path: string; remove(): Promise<void> };
  let rules: { path: string; remove(): Promise<void> };
  let prometheus: RunningPrometheus;
  let c: DirectoryController;

  const groups = async () => ((await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as RulesResponse).data.groups;
  /** The SLO's rules as Prometheus loaded them (both groups), or undefined when none are loaded. */
  const group = async (sloName: string) => {
    const gs = (await groups()).filter((g) => g.name.startsWith(`vigil.team-a.${sloName}.`));
    if (gs.length === 0) return undefined;
    const rules = gs.flatMap((g) => g.rules);
    return { file: gs[0]!.file, names: gs.map((g) => g.name), rules, objective: rules.find((r) => r.name === 'vigil:slo_objective:ratio')?.query, alerts: rules.filter((r) => r.type === 'alerting') };
  };

  beforeAll(async () => {
    resources = await tempDir('resources');
    rules = await tempDir('rules');
    prometheus = await startPrometheus({ ruleFiles: [join(rules.path, '*.yaml')] });
    await mkdir(join(resources.path, 'templates'));
    await writeFile(join(resources.path, 'templates', 'availability.yaml'), yamlDocs(template('availability')));
    c = createDirectoryController({
      compile: defaultCompile,
      logger: quietLogger,
      source: { root: resources.path, debounceMs: 50, rescanMs: 2_000, builtinPaths },
      sink: { dir: rules.path, prometheusUrl: prometheus.url, reloadDebounceMs: 50, checkRules: promtoolChecker() },
      resyncMs: 0,
    });
    await c.start();
  });
  afterAll(async () => {
    await c?.close();
    await prometheus?.stop();
    await resources?.remove();
    await rules?.remove();
  });

  it('a new SLO file shows up in /api/v1/rules within 5 s; an edit replaces it; a delete removes it', async () => {
    const file = join(resources.path, 'checkout.yaml');
    const t0 = Date.now();
    await writeFile(file, yamlDocs(slo('checkout'), policy('checkout-page', 'checkout')));
    const g = await waitFor('rules loaded', async () => { const x = await group('checkout'); return x?.alerts.length === 1 && x; }, { timeoutMs: 5_000, intervalMs: 50 });
    const appeared = Date.now() - t0;
    expect(appeared).toBeLessThan(5_000);
    expect([...g.names].sort()).toEqual(['vigil.team-a.checkout.long', 'vigil.team-a.checkout.short']);
    expect(g.objective).toBe('vector(0.999)');
    expect(g.file).toBe(join(rules.path, 'team-a_checkout.yaml'));
    expect(c.metrics.registry.getSingleMetric('vigil_rule_reload_last_success_timestamp_seconds')).toBeDefined();
    await waitFor('reload confirmed', async () => (await c.metrics.reloadLastSuccess.get()).values[0]!.value > t0 / 1000 - 1, { timeoutMs: 5_000, intervalMs: 20 });

    await writeFile(file, yamlDocs(slo('checkout', { goal: '99.5' }), policy('checkout-page', 'checkout', { threshold: '6' })));
    await waitFor('edit applied', async () => {
      const x = await group('checkout');
      return x?.objective === 'vector(0.995)' && x.alerts[0]?.query.includes('/ 0.005 > 6');
    }, { timeoutMs: 5_000, intervalMs: 50 });

    // A rule file deleted behind the controller's back comes back at the next reconcile (here: a resync).
    await rm(join(rules.path, 'team-a_checkout.yaml'));
    c.controller.resync();
    await waitFor('rule file restored', async () => existsSync(join(rules.path, 'team-a_checkout.yaml')), { timeoutMs: 5_000, intervalMs: 20 });

    await rm(file);
    await waitFor('rules removed', async () => (await group('checkout')) === undefined, { timeoutMs: 5_000, intervalMs: 50 });
    expect(existsSync(join(rules.path, 'team-a_checkout.yaml'))).toBe(false);
    console.log(`directory mode: new SLO file → rules in Prometheus in ${appeared} ms`);
  });

  it('a broken file keeps the last good rules and says why (status, log metric); fixing it recovers', async () => {
    const file = join(resources.path, 'nested', 'payments.yaml');
    await mkdir(join(resources.path, 'nested'), { recursive: true });
    await writeFile(file, yamlDocs(slo('payments'), slo('refunds')));
    await waitFor('rules loaded', async () => (await group('payments')) && (await group('refunds')), { timeoutMs: 5_000, intervalMs: 50 });

    await writeFile(file, 'apiVersion: sre.vigil.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata:\n  name: payments\n spec: [unclosed\n');
    const ref = { kind: 'ServiceLevelObjective' as const, namespace: 'team-a', name: 'payments' };
    const valid = await waitFor('status says why', async () => c.status.get(ref)?.conditions.find((x) => x.type === 'Valid' && x.reason === 'SourceUnreadable'), { timeoutMs: 5_000, intervalMs: 50 });
    expect(valid.message).toMatch(/nested\/payments\.yaml:\d+: the file does not parse/);
    expect(c.status.get(ref)!.conditions.find((x) => x.type === 'Ready')!.status).not.toBe('True');
    expect((await c.metrics.brokenFiles.get()).values[0]!.value).toBe(1);
    expect(c.source.brokenFiles()).toEqual([expect.objectContaining({ file: join('nested', 'payments.yaml') })]);
    // The rules stay loaded, both SLOs of the broken file.
    await new Promise((r) => setTimeout(r, 500));
    expect(await group('payments')).toBeDefined();
    expect(await group('refunds')).toBeDefined();
    expect(existsSync(join(rules.path, 'team-a_payments.yaml'))).toBe(true);

    await writeFile(file, yamlDocs(slo('payments', { goal: '99' })));
    await waitFor('recovered', async () => (await group('payments'))?.objective === 'vector(0.99)' && (await group('refunds')) === undefined, { timeoutMs: 5_000, intervalMs: 50 });
    expect(c.status.get(ref)!.conditions.find((x) => x.type === 'Ready')!.status).toBe('True');
    expect((await c.metrics.brokenFiles.get()).values[0]!.value).toBe(0);
  });

  it('an invalid SLO gets a Valid=False status with file and line, and does not disturb the others', async () => {
    // 'fine' uses the built-in template from sli-templates/ (vigil-system) and the built-in workbook policy set.
    const fine = { ...slo('fine', { policySet: 'workbook' }), spec: { ...slo('fine', { policySet: 'workbook' }).spec, sli: { templateRef: { name: 'http-requests-success-rate', namespace: 'vigil-system' } } } };
    await writeFile(join(resources.path, 'mixed.yaml'), yamlDocs(fine, slo('wrong', { goal: 'lots' })));
    const loaded = await waitFor('fine loaded', async () => group('fine'), { timeoutMs: 5_000, intervalMs: 50 });
    expect(loaded.alerts.length).toBeGreaterThanOrEqual(3); // the workbook set: page, page, ticket
    const status = await waitFor('wrong reported', async () => c.status.get({ kind: 'ServiceLevelObjective', namespace: 'team-a', name: 'wrong' }), { timeoutMs: 5_000, intervalMs: 50 });
    expect(status.conditions.find((x) => x.type === 'Valid')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(status.conditions.find((x) => x.type === 'Valid')!.message).toContain('mixed.yaml:');
    expect(await group('wrong')).toBeUndefined();
  });

  it('an SLO whose rules promtool refuses is set aside (RulesRejected, a metric) and the others keep loading (issue 12 item 2)', async () => {
    // The grammar accepts clamp_max with one argument; Prometheus does not.
    const arity = template('arity');
    arity.spec.goodEvents = 'clamp_max(sum(rate(http_requests_total{service="{{Service.Name}}"}[{{SLO.Period}}])))';
    await writeFile(join(resources.path, 'refused.yaml'), yamlDocs(arity, slo('refused', { templateName: 'arity' }), slo('accepted')));
    const ref = { kind: 'ServiceLevelObjective' as const, namespace: 'team-a', name: 'refused' };
    const applied = await waitFor('refusal reported', async () => c.status.get(ref)?.conditions.find((x) => x.type === 'RulesApplied' && x.reason === 'RulesRejected'), { timeoutMs: 5_000, intervalMs: 50 });
    expect(applied).toMatchObject({ status: 'False' });
    expect(applied.message).toMatch(/promtool check rules failed: .*clamp_max/);
    expect((await c.metrics.rulesRejected.get()).values[0]!.value).toBeGreaterThanOrEqual(1);
    await waitFor('the other SLO loads', async () => group('accepted'), { timeoutMs: 5_000, intervalMs: 50 });
    expect(await group('refused')).toBeUndefined();
    expect(existsSync(join(rules.path, 'team-a_refused.yaml'))).toBe(false);
    await rm(join(resources.path, 'refused.yaml'));
  });
});

describe('rule-file sink reload failures', () => {
  it('counts and logs a failed reload, keeps the files, and retries until Prometheus answers', async () => {
    const dir = await tempDir('rules-noprom');
    const port = await freePort();
    let prometheus: RunningPrometheus | undefined;
    const sink = new RuleFileSink({ dir: dir.path, logger: quietLogger, prometheusUrl: `http://127.0.0.1:${port}`, reloadDebounceMs: 10, reloadBackoff: { baseMs: 200, maxMs: 500 } });
    try {
      await sink.start();
      await sink.apply({ namespace: 'team-a', name: 'x' }, [{ name: 'g', interval: '30s', rules: [{ record: 'vigil:x', expr: 'vector(1)' }] }]);
      await waitFor('reload failed', async () => sink.stats.reloadFailures >= 2, { timeoutMs: 5_000, intervalMs: 20 });
      expect(sink.lastReload).toMatchObject({ ok: false });
      expect(await readdir(dir.path)).toEqual(['team-a_x.yaml']);
      expect(await readFile(join(dir.path, 'team-a_x.yaml'), 'utf8')).toContain('record: vigil:x');
      // Prometheus arrives on that port: the pending retry reloads and confirms.
      prometheus = await startPrometheusOn(port, dir.path);
      await waitFor('reload confirmed', async () => sink.lastReload?.ok === true, { timeoutMs: 10_000, intervalMs: 50 });
    } finally {
      await sink.close();
      await prometheus?.stop();
      await dir.remove();
    }
  });
});

async function startPrometheusOn(port: number, rulesDir: string): Promise<RunningPrometheus> {
  // startPrometheus picks its own port; retry until it happens to be free is overkill — reuse its config on ours.
  const { startProcess } = await import('../support/processes.js');
  const work = await tempDir('prom-fixed');
  const config = join(work.path, 'prometheus.yml');
  await writeFile(config, `global:\n  evaluation_interval: 1s\nrule_files:\n  - ${JSON.stringify(join(rulesDir, '*.yaml'))}\n`);
  const proc = startProcess('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(work.path, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-lifecycle', '--log.level=warn']);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('prometheus ready', async () => (await fetch(`${url}/-/ready`)).ok);
  return {
    url,
    port,
    configPath: config,
    process: proc,
    query: async () => [],
    stop: async () => {
      await proc.stop();
      await work.remove();
    },
  };
}
