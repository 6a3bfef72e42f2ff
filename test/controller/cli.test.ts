/** `vigil controller` as a process: directory mode against a real Prometheus, Kubernetes mode against the loopback API server; SIGTERM exits cleanly. */
import { writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../support/fake-kube-apiserver.js';
import { freePort, startProcess, tempDir, waitFor, type RunningProcess } from '../support/processes.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { startRedis } from '../support/redis.js';
import { Redis } from 'ioredis';
import { readSloCatalog } from '../../src/catalog/slo-catalog.js';
import { readSloDocument, readTemplates } from '../../src/catalog/catalog-store.js';
import { slo, template } from './fixtures.js';
import { isReady, put, ruleOf } from './kube-harness.js';

const main = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));

function vigil(args: string[]): RunningProcess {
  return startProcess(process.execPath, ['--import', 'tsx', main, 'controller', ...args]);
}

function exitCode(proc: RunningProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (proc.child.exitCode !== null) return resolve(proc.child.exitCode);
    proc.child.once('exit', (code) => resolve(code));
  });
}

describe('vigil controller (process)', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });

  it('directory mode: rules reach Prometheus, the SLO reaches the workers\' catalog, /metrics and /status answer, SIGTERM exits 0', async () => {
    const redisServer = await startRedis();
    cleanup.push(redisServer.stop);
    const resources = await tempDir('cli-resources');
    const rules = await tempDir('cli-rules');
    cleanup.push(resources.remove, rules.remove);
    const prometheus: RunningPrometheus = await startPrometheus({ ruleFiles: [join(rules.path, '*.yaml')] });
    cleanup.push(prometheus.stop);
    await writeFile(join(resources.path, 'slos.yaml'), [template('availability'), slo('cli')].map((d) => stringify(d)).join('---\n'));
    const port = await freePort();
    const proc = vigil(['--source', `dir:${resources.path}`, '--rules-dir', rules.path, '--prometheus-url', prometheus.url, '--redis-url', redisServer.url, '--listen', `127.0.0.1:${port}`]);
    cleanup.push(() => proc.stop('SIGKILL'));
    await waitFor('rules in Prometheus', async () => {
      if (proc.child.exitCode !== null) throw new Error(proc.output());
      const body = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as { data: { groups: Array<{ name: string }> } };
      return body.data.groups.some((g) => g.name === 'vigil.team-a.cli.short');
    }, { timeoutMs: 45_000 }); // a tsx start-up alone took over 20 s on the busy shared machine
    const redis = new Redis(redisServer.url);
    cleanup.push(async () => redis.disconnect());
    const catalog = await waitFor('SLO in the workers\' catalog', async () => (await readSloCatalog(redis)).entries.get('team-a/cli'));
    expect(catalog.goal).toBeTypeOf('string');
    // The API's documents: the SLO with its conditions, and the templates (the user's and the built-ins).
    const document = await waitFor('SLO document with Ready=True', async () => {
      const d = await readSloDocument(redis, { namespace: 'team-a', name: 'cli' });
      return d?.conditions.find((c) => c.type === 'Ready')?.status === 'True' ? d : undefined;
    });
    expect(document.conditions.map((c) => c.type).sort()).toEqual(['Ready', 'RulesApplied', 'Valid']);
    expect((await readTemplates(redis)).map((t) => t.name)).toContain('http-requests-success-rate');
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^vigil_rule_reload_last_success_timestamp_seconds \d/m);
    expect(metrics).toMatch(/^vigil_rule_reload_failures_total 0$/m);
    const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as { resources: Record<string, { conditions: Array<{ type: string; status: string }> }> };
    expect(status.resources['ServiceLevelObjective/team-a/cli']!.conditions.find((c) => c.type === 'Ready')!.status).toBe('True');
    proc.child.kill('SIGTERM');
    expect(await exitCode(proc)).toBe(0);
  });

  it('directory mode: SIGTERM while Redis is unreachable exits promptly instead of retrying the catalog publish', async () => {
    // Unreachable as in a network partition: connections are accepted and never answered, so every Redis
    // command waits out the client's connect timeouts (the old shutdown waited on them for half a minute).
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanup.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => silent.close(r));
    });
    const redisPort = (silent.address() as AddressInfo).port;
    const resources = await tempDir('cli-resources');
    const rules = await tempDir('cli-rules');
    cleanup.push(resources.remove, rules.remove);
    await writeFile(join(resources.path, 'slos.yaml'), [template('availability'), slo('cli')].map((d) => stringify(d)).join('---\n'));
    const [nowhere, port] = await Promise.all([freePort(), freePort()]);
    const proc = vigil(['--source', `dir:${resources.path}`, '--rules-dir', rules.path, '--prometheus-url', `http://127.0.0.1:${nowhere}`, '--redis-url', `redis://127.0.0.1:${redisPort}`, '--check-rules', 'none', '--listen', `127.0.0.1:${port}`, '--log-level', 'info']);
    cleanup.push(() => proc.stop('SIGKILL'));
    await waitFor('the SLO reconciled (its catalog write pending on Redis)', async () => {
      if (proc.child.exitCode !== null) throw new Error(proc.output());
      return proc.output().includes('"resource":"ServiceLevelObjective/team-a/cli","msg":"resource ready"') && sockets.size > 0;
    }, { timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 1000)); // the publisher's batched write has started
    const asked = Date.now();
    proc.child.kill('SIGTERM');
    expect(await exitCode(proc)).toBe(0);
    expect(Date.now() - asked).toBeLessThan(15_000);
    expect(proc.output(), proc.output()).toContain('left to the next controller');
  });

  it('Kubernetes mode: reconciles, holds the Lease, and releases it on SIGTERM', async () => {
    const server: FakeKubeApiServer = await startFakeKubeApiServer();
    cleanup.push(() => server.stop());
    const dir = await tempDir('cli-kube');
    cleanup.push(dir.remove);
    const kubeconfig = join(dir.path, 'kubeconfig');
    await writeFile(kubeconfig, server.kubeconfigYaml());
    put(server, 'ServiceLevelIndicatorTemplate', template('availability'));
    put(server, 'ServiceLevelObjective', slo('cli'));
    const port = await freePort();
    const proc = vigil(['--kubeconfig', kubeconfig, '--lease-namespace', 'vigil-system', '--identity', 'cli-test', '--rule-labels', 'prometheus=k8s', '--catalog', 'none', '--listen', `127.0.0.1:${port}`]);
    cleanup.push(() => proc.stop('SIGKILL'));
    await waitFor('ready', async () => {
      if (proc.child.exitCode !== null) throw new Error(proc.output());
      return isReady(server, 'ServiceLevelObjective', 'cli');
    }, { timeoutMs: 45_000 });
    expect(ruleOf(server, 'cli')!.metadata.labels).toMatchObject({ prometheus: 'k8s' });
    const lease = () => server.getObject('coordination.k8s.io', 'leases', 'vigil-system', 'vigil-controller')?.spec as { holderIdentity?: string } | undefined;
    expect(lease()?.holderIdentity).toBe('cli-test');
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(/^vigil_controller_is_leader 1$/m);
    proc.child.kill('SIGTERM');
    expect(await exitCode(proc)).toBe(0);
    expect(lease()?.holderIdentity).toBe('');
  });
});
