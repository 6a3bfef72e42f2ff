/** The loopback API server, driven through the real @kubernetes/client-node. */
import { KubeConfig, ListWatch, type KubernetesObject, type KubernetesListObject } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiStatus, createKubeClients, gvr, type KubeClients } from '../../src/kube/kube-client.js';
import { RobustWatch } from '../../src/kube/kube-watch.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../support/fake-kube-apiserver.js';
import { waitFor } from '../support/processes.js';

const slo = gvr.ServiceLevelObjective;

describe('fake kube-apiserver through client-node', () => {
  let server: FakeKubeApiServer;
  let kc: KubeConfig;
  let clients: KubeClients;
  beforeEach(async () => {
    server = await startFakeKubeApiServer();
    kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigYaml());
    clients = await createKubeClients(kc);
  });
  afterEach(async () => {
    clients.close();
    await server.stop();
  });

  const body = (name: string, spec: unknown = { slo: { goal: '99.9' } }) => ({
    apiVersion: 'sre.vigil.dev/v1alpha1',
    kind: 'ServiceLevelObjective',
    metadata: { name, namespace: 'team-a' },
    spec,
  });

  it('creates, bumps generation on spec change only, and rejects stale resourceVersions with 409', async () => {
    const created = await clients.custom.createNamespacedCustomObject({ ...slo, namespace: 'team-a', body: body('a') }, clients.options);
    expect(created.metadata.generation).toBe(1);
    const labelled = await clients.custom.patchNamespacedCustomObject(
      { ...slo, namespace: 'team-a', name: 'a', body: { metadata: { labels: { x: 'y' } } } },
      clients.mergePatch,
    );
    expect(labelled.metadata.generation).toBe(1);
    const edited = await clients.custom.patchNamespacedCustomObject(
      { ...slo, namespace: 'team-a', name: 'a', body: { spec: { slo: { goal: '99' } } } },
      clients.mergePatch,
    );
    expect(edited.metadata.generation).toBe(2);
    const stale = clients.custom.replaceNamespacedCustomObject(
      { ...slo, namespace: 'team-a', name: 'a', body: { ...body('a'), metadata: { ...created.metadata } } },
      clients.options,
    );
    await expect(stale).rejects.toSatisfy((e) => apiStatus(e) === 409);
  });

  it('applies with apply-patch+yaml, refuses strategic merge (415), and keeps status apart', async () => {
    const applied = await clients.custom.patchNamespacedCustomObject(
      { ...slo, namespace: 'team-a', name: 'b', body: body('b'), fieldManager: 'vigil', force: true },
      clients.apply,
    );
    expect(applied.metadata.uid).toBeTypeOf('string');
    const status = await clients.custom.patchNamespacedCustomObjectStatus(
      { ...slo, namespace: 'team-a', name: 'b', body: { status: { observedGeneration: 1 }, spec: { ignored: true } } },
      clients.mergePatch,
    );
    expect(status.status).toEqual({ observedGeneration: 1 });
    expect(status.spec).toEqual(body('b').spec);
    const wrongType = clients.custom.patchNamespacedCustomObject({ ...slo, namespace: 'team-a', name: 'b', body: {} });
    await expect(wrongType).rejects.toSatisfy((e) => apiStatus(e) === 415);
    expect(server.log.some((r) => r.contentType === 'application/apply-patch+yaml')).toBe(true);
  });

  it('streams watch events to the client-node ListWatch and relists after 410', async () => {
    const watch = new RobustWatch(kc, { timeoutSeconds: 60, responseTimeoutMs: 2000, idleTimeoutMs: 0, minWatchIntervalMs: 50 });
    const list = async () =>
      (await clients.custom.listClusterCustomObject({ ...slo }, clients.options)) as KubernetesListObject<KubernetesObject>;
    const informer = new ListWatch<KubernetesObject>(`/apis/${slo.group}/${slo.version}/${slo.plural}`, watch, list, false);
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    server.upsert(slo.group, slo.version, slo.plural, body('one'));
    await informer.start();
    await waitFor('one', async () => seen.includes('add one'));
    server.upsert(slo.group, slo.version, slo.plural, body('two'));
    await waitFor('two', async () => seen.includes('add two'));
    // Drop the watch, make changes, and forget history: the informer must relist and see both.
    server.dropWatches();
    server.compact();
    server.remove(slo.group, slo.plural, 'team-a', 'one');
    server.upsert(slo.group, slo.version, slo.plural, body('three'));
    server.compact();
    await waitFor('relist', async () => seen.includes('delete one') && seen.includes('add three'));
    expect(server.counts.byVerb.list).toBeGreaterThanOrEqual(2);
    await informer.stop();
    watch.close();
  });
});
