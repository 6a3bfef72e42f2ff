/** One contract, both sources: the Kubernetes informers (loopback API server) and the directory watcher. */
import { KubeConfig } from '@kubernetes/client-node';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { createKubeClients } from '../../src/kube/kube-client.js';
import { DirectorySource } from '../../src/resources/directory-source.js';
import { KubernetesSource } from '../../src/resources/kubernetes-source.js';
import { refKey, type ResourceRef, type Source } from '../../src/resources/source.js';
import { startFakeKubeApiServer } from '../support/fake-kube-apiserver.js';
import { tempDir, waitFor } from '../support/processes.js';
import { slo, template } from './fixtures.js';
import { put, del, quietLogger } from './kube-harness.js';

interface World {
  source: Source;
  /** Creates or replaces resources; each call stands for one user action. */
  write(name: string, docs: Array<Record<string, unknown>>): Promise<void>;
  remove(name: string, docs: Array<Record<string, unknown>>): Promise<void>;
  close(): Promise<void>;
}

const worlds: Record<string, () => Promise<World>> = {
  kubernetes: async () => {
    const server = await startFakeKubeApiServer();
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigYaml());
    const clients = await createKubeClients(kc);
    const source = new KubernetesSource({ clients, logger: quietLogger, watchTimeouts: { timeoutSeconds: 30, responseTimeoutMs: 2_000, idleTimeoutMs: 0, minWatchIntervalMs: 20 } });
    return {
      source,
      async write(_name, docs) {
        for (const d of docs) put(server, d.kind as 'ServiceLevelObjective', d);
      },
      async remove(_name, docs) {
        for (const d of docs) del(server, d.kind as 'ServiceLevelObjective', (d.metadata as { name: string }).name);
      },
      async close() {
        await source.close();
        clients.close();
        await server.stop();
      },
    };
  },
  directory: async () => {
    const dir = await tempDir('contract');
    const source = new DirectorySource({ root: dir.path, logger: quietLogger, debounceMs: 20, rescanMs: 0 });
    return {
      source,
      async write(name, docs) {
        await writeFile(join(dir.path, `${name}.yaml`), docs.map((d) => stringify(d)).join('---\n'));
      },
      async remove(name) {
        await rm(join(dir.path, `${name}.yaml`));
      },
      async close() {
        await source.close();
        await dir.remove();
      },
    };
  },
};

describe.each(Object.keys(worlds))('Source contract: %s', (kind) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('loads the initial state before start() resolves, then reports adds, edits and deletes by reference', async () => {
    world = await worlds[kind]!();
    await world.write('base', [template('availability'), slo('one')]);
    const changes: string[] = [];
    await world.source.start((ref: ResourceRef) => changes.push(refKey(ref)));
    expect(world.source.list().map((r) => `${r.kind}/${r.metadata.name}`).sort()).toEqual(['ServiceLevelIndicatorTemplate/availability', 'ServiceLevelObjective/one']);
    const one = { kind: 'ServiceLevelObjective' as const, namespace: 'team-a', name: 'one' };
    expect((world.source.get(one)!.spec as { slo: { goal: string } }).slo.goal).toBe('99.9');
    expect(changes).toContain('ServiceLevelObjective/team-a/one');

    changes.length = 0;
    await world.write('two', [slo('two')]);
    await waitFor('add', async () => changes.includes('ServiceLevelObjective/team-a/two'), { timeoutMs: 5_000, intervalMs: 10 });
    expect(world.source.list('ServiceLevelObjective')).toHaveLength(2);

    await world.write('base', [template('availability'), slo('one', { goal: '99' })]);
    await waitFor('edit', async () => (world!.source.get(one)?.spec as { slo: { goal: string } }).slo.goal === '99', { timeoutMs: 5_000, intervalMs: 10 });
    expect(changes).toContain('ServiceLevelObjective/team-a/one');

    await world.remove('two', [slo('two')]);
    await waitFor('delete', async () => world!.source.get({ ...one, name: 'two' }) === undefined, { timeoutMs: 5_000, intervalMs: 10 });
    expect(changes.filter((c) => c === 'ServiceLevelObjective/team-a/two').length).toBeGreaterThanOrEqual(2);
    expect(world.source.problems(one)).toEqual([]);
  });
});

describe('directory source specifics', () => {
  it('keeps file, document and line origins, and notices changes by periodic rescan alone', async () => {
    const dir = await tempDir('dir-rescan');
    const source = new DirectorySource({ root: dir.path, logger: quietLogger, watch: false, rescanMs: 100 });
    try {
      await writeFile(join(dir.path, 'a.yaml'), `# comment\n${stringify(template('availability'))}---\n${stringify(slo('x'))}`);
      const seen: string[] = [];
      await source.start((ref) => seen.push(ref.name));
      const x = source.get({ kind: 'ServiceLevelObjective', namespace: 'team-a', name: 'x' })!;
      expect(x.origin).toMatchObject({ file: 'a.yaml', document: 2 });
      expect(x.origin!.line).toBe(stringify(template('availability')).split('\n').length + 2);
      await writeFile(join(dir.path, 'b.yaml'), stringify(slo('y')));
      await waitFor('rescan', async () => seen.includes('y'), { timeoutMs: 3_000, intervalMs: 20 });
    } finally {
      await source.close();
      await dir.remove();
    }
  });

  it('reports a resource defined in two files, using the first', async () => {
    const dir = await tempDir('dir-dup');
    const source = new DirectorySource({ root: dir.path, logger: quietLogger, rescanMs: 0 });
    try {
      await writeFile(join(dir.path, 'a.yaml'), stringify(slo('dup', { goal: '99' })));
      await writeFile(join(dir.path, 'b.yaml'), stringify(slo('dup', { goal: '98' })));
      await source.start(() => undefined);
      const ref = { kind: 'ServiceLevelObjective' as const, namespace: 'team-a', name: 'dup' };
      expect((source.get(ref)!.spec as { slo: { goal: string } }).slo.goal).toBe('99');
      expect(source.problems(ref)).toEqual([expect.objectContaining({ path: 'metadata.name', message: 'defined more than once (a.yaml, b.yaml); the first (a.yaml) is used. Remove the others.' })]);
    } finally {
      await source.close();
      await dir.remove();
    }
  });
});
