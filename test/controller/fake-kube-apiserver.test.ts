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

  it('server-side apply honours field ownership: drops what the applier dropped, keeps what others own', async () => {
    const rule = gvr.PrometheusRule;
    const where = { ...rule, namespace: 'team-a', name: 'vigil-checkout' };
    const ruleBody = (labels: Record<string, string>, groups: unknown[]) => ({
      apiVersion: `${rule.group}/${rule.version}`,
      kind: 'PrometheusRule',
      metadata: { name: 'vigil-checkout', namespace: 'team-a', labels },
      spec: { groups },
    });
    const apply = (manager: string, object: unknown, force = false) =>
      clients.custom.patchNamespacedCustomObject({ ...where, body: object, fieldManager: manager, ...(force ? { force: true } : {}) }, clients.apply);
    const groupsV1 = [{ name: 'vigil.team-a.checkout.short', rules: [{ record: 'a', expr: '1' }] }];
    const groupsV2 = [{ name: 'vigil.team-a.checkout.short', rules: [{ record: 'a', expr: '2' }] }];

    await apply('vigil-controller', ruleBody({ 'app.kubernetes.io/managed-by': 'vigil', 'sre.vigil.dev/slo': 'checkout' }, groupsV1), true);
    // Someone else labels and annotates the object (kubectl label/annotate are merge patches).
    await clients.custom.patchNamespacedCustomObject({ ...where, body: { metadata: { labels: { team: 'payments' }, annotations: { note: 'x' } } }, fieldManager: 'kubectl-label' }, clients.mergePatch);
    // Vigil applies again without its sre.vigil.dev/slo label and with new groups.
    const after = await apply('vigil-controller', ruleBody({ 'app.kubernetes.io/managed-by': 'vigil' }, groupsV2), true);
    expect(after.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'vigil', team: 'payments' });
    expect(after.metadata.annotations).toEqual({ note: 'x' });
    expect(after.spec.groups).toEqual(groupsV2);
    expect(server.fieldOwners(rule.group, rule.plural, 'team-a', 'vigil-checkout')).toEqual({
      'vigil-controller': ['.metadata.labels.app.kubernetes.io/managed-by', '.spec.groups'],
      'kubectl-label': ['.metadata.annotations.note', '.metadata.labels.team'],
    });

    // Changing a field another applier owns is a conflict, unless forced (which takes it over).
    const rival = ruleBody({}, [{ name: 'other', rules: [] }]);
    await expect(apply('someone-else', rival)).rejects.toSatisfy((e) => apiStatus(e) === 409);
    await apply('someone-else', rival, true);
    expect(server.fieldOwners(rule.group, rule.plural, 'team-a', 'vigil-checkout')['vigil-controller']).toEqual(['.metadata.labels.app.kubernetes.io/managed-by']);
    // Fields several managers own survive one of them dropping them: Vigil dropping the groups now removes nothing.
    const shared = await apply('vigil-controller', ruleBody({ 'app.kubernetes.io/managed-by': 'vigil' }, [{ name: 'other', rules: [] }]), true);
    expect(shared.spec.groups).toEqual([{ name: 'other', rules: [] }]);
    const dropped = await apply('vigil-controller', { ...ruleBody({ 'app.kubernetes.io/managed-by': 'vigil' }, []), spec: undefined }, true);
    expect(dropped.spec.groups).toEqual([{ name: 'other', rules: [] }]);
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
