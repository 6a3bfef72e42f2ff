/** Kubernetes mode end to end: informers → reconcile → PrometheusRule + status, against the loopback API server. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubernetesController } from '../../src/controller/assemble.js';
import { annotations } from '../../src/sink/prometheus-rule-sink.js';
import { patchSloMeasurements } from '../../src/controller/slo-measurements.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../support/fake-kube-apiserver.js';
import { waitFor } from '../support/processes.js';
import { alertsIn, objectiveIn, policy, rulesIn, slo, template } from './fixtures.js';
import { del, isReady, put, ruleOf, startKubeController, statusOf } from './kube-harness.js';

const fast = { timeoutMs: 10_000, intervalMs: 20 };

describe('controller in Kubernetes mode', () => {
  let server: FakeKubeApiServer;
  let c: KubernetesController | undefined;
  beforeEach(async () => {
    server = await startFakeKubeApiServer();
    put(server, 'ServiceLevelIndicatorTemplate', template('availability'));
  });
  afterEach(async () => {
    await c?.close();
    c = undefined;
    await server.stop();
  });

  it('creates a PrometheusRule per SLO by server-side apply, owned and labelled, and marks every resource Ready', async () => {
    put(server, 'ServiceLevelObjective', slo('checkout'));
    put(server, 'AlertingPolicy', policy('checkout-page', 'checkout'));
    c = await startKubeController(server);
    await waitFor('SLO ready', async () => isReady(server, 'ServiceLevelObjective', 'checkout'), fast);
    const rule = ruleOf(server, 'checkout')!;
    const sloObject = server.getObject('sre.vigil.dev', 'servicelevelobjectives', 'team-a', 'checkout')!;
    expect(rule.metadata.ownerReferences).toEqual([
      { apiVersion: 'sre.vigil.dev/v1alpha1', kind: 'ServiceLevelObjective', name: 'checkout', uid: sloObject.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(rule.metadata.labels).toMatchObject({ prometheus: 'k8s', 'app.kubernetes.io/managed-by': 'vigil' });
    expect(rule.metadata.annotations[annotations.hash]).toMatch(/^[0-9a-f]{32}$/);
    expect(rule.spec.groups.map((g: { name: string }) => g.name)).toEqual(['vigil.team-a.checkout.short', 'vigil.team-a.checkout.long']);
    expect(alertsIn(rule.spec.groups)).toEqual([expect.objectContaining({ alert: 'VigilErrorBudgetBurn', labels: expect.objectContaining({ policy: 'checkout-page', severity: 'page' }) })]);
    const writes = server.log.filter((r) => r.path.includes('/prometheusrules/'));
    expect(writes.every((r) => r.method === 'PATCH' && r.contentType === 'application/apply-patch+yaml')).toBe(true);
    const s = statusOf(server, 'ServiceLevelObjective', 'checkout');
    expect(s.condition('Valid')).toMatchObject({ status: 'True', reason: 'Valid', observedGeneration: 1 });
    expect(s.condition('RulesApplied')).toMatchObject({ status: 'True', reason: 'RulesApplied' });
    expect(s.condition('RulesApplied')!.message).toBe(`PrometheusRule team-a/vigil-slo-checkout holds ${rulesIn(rule.spec.groups).length} rules in 2 groups for generation 1.`);
    await waitFor('template and policy ready', async () => isReady(server, 'ServiceLevelIndicatorTemplate', 'availability') && isReady(server, 'AlertingPolicy', 'checkout-page'), fast);

    // Level-triggered and idempotent: a full resync writes nothing.
    await c.controller.whenIdle();
    const before = server.counts.total;
    const verbs = { ...server.counts.byVerb };
    c.controller.resync();
    await c.controller.whenIdle();
    const writesAfter = Object.entries(server.counts.byVerb).filter(([verb, n]) => !['list', 'watch', 'get'].includes(verb) && n !== verbs[verb]);
    expect(writesAfter).toEqual([]);
    expect(server.counts.total - before).toBe(0);
    expect((await c.metrics.compileSkips.get()).values[0]!.value).toBeGreaterThanOrEqual(1); // no recompile either
  });

  it('updates the PrometheusRule and observedGeneration on edit, and deletes it with the SLO (no GC)', async () => {
    put(server, 'ServiceLevelObjective', slo('search'));
    c = await startKubeController(server);
    await waitFor('ready', async () => isReady(server, 'ServiceLevelObjective', 'search'), fast);
    const firstHash = ruleOf(server, 'search')!.metadata.annotations[annotations.hash];
    // The worker's figures (printer columns) and the controller's conditions live side by side in status.
    await patchSloMeasurements(c.clients, { namespace: 'team-a', name: 'search' }, { currentBurnRate: '0.42', errorBudgetConsumed: '12.5', compliance: '99.95' });
    put(server, 'ServiceLevelObjective', slo('search', { goal: '99.5' }));
    await waitFor('updated', async () => ruleOf(server, 'search')!.metadata.annotations[annotations.hash] !== firstHash, fast);
    expect(objectiveIn(ruleOf(server, 'search')!.spec.groups)).toBe('vector(0.995)');
    await waitFor('observed generation 2', async () => statusOf(server, 'ServiceLevelObjective', 'search').observedGeneration === 2, fast);
    expect(ruleOf(server, 'search')!.metadata.annotations[annotations.generation]).toBe('2');
    expect(server.getObject('sre.vigil.dev', 'servicelevelobjectives', 'team-a', 'search')!.status).toMatchObject({ currentBurnRate: '0.42', errorBudgetConsumed: '12.5', compliance: '99.95', observedGeneration: 2 });

    del(server, 'ServiceLevelObjective', 'search');
    await waitFor('rule deleted', async () => ruleOf(server, 'search') === undefined, fast);
  });

  it('at startup, deletes PrometheusRules whose SLO was deleted while it was away (no garbage collector)', async () => {
    put(server, 'ServiceLevelObjective', slo('kept'));
    put(server, 'ServiceLevelObjective', slo('gone'));
    c = await startKubeController(server);
    await waitFor('ready', async () => isReady(server, 'ServiceLevelObjective', 'gone'), fast);
    await c.close();
    c = undefined;
    del(server, 'ServiceLevelObjective', 'gone');
    expect(ruleOf(server, 'gone')).toBeDefined();
    c = await startKubeController(server);
    await waitFor('orphan removed', async () => ruleOf(server, 'gone') === undefined, fast);
    expect(ruleOf(server, 'kept')).toBeDefined();
  });

  it('re-applies a PrometheusRule edited or deleted behind its back', async () => {
    put(server, 'ServiceLevelObjective', slo('drift'));
    c = await startKubeController(server);
    await waitFor('ready', async () => isReady(server, 'ServiceLevelObjective', 'drift'), fast);
    const good = ruleOf(server, 'drift')!;
    server.upsert('monitoring.coreos.com', 'v1', 'prometheusrules', { ...good, metadata: { ...good.metadata, annotations: { ...good.metadata.annotations, [annotations.hash]: 'tampered' } }, spec: { groups: [] } });
    await waitFor('repaired', async () => ruleOf(server, 'drift')!.spec.groups.length === 2, fast);
    del(server, 'PrometheusRule', good.metadata.name as string);
    await waitFor('recreated', async () => ruleOf(server, 'drift') !== undefined, fast);
  });

  it('fans a template change out to every SLO using it, and readies SLOs whose template or policy appears later', async () => {
    for (const name of ['a', 'b', 'c']) put(server, 'ServiceLevelObjective', slo(name));
    put(server, 'ServiceLevelObjective', slo('waiting', { templateName: 'latency' }));
    c = await startKubeController(server);
    await waitFor('three ready', async () => ['a', 'b', 'c'].every((n) => isReady(server, 'ServiceLevelObjective', n)), fast);
    const waiting = statusOf(server, 'ServiceLevelObjective', 'waiting');
    expect(waiting.condition('Valid')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(waiting.condition('Valid')!.message).toBe('Fix these and re-apply: spec.sli.templateRef: ServiceLevelIndicatorTemplate team-a/latency not found (or invalid: see its own errors)');
    expect(waiting.condition('Ready')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(ruleOf(server, 'waiting')).toBeUndefined();

    put(server, 'ServiceLevelIndicatorTemplate', template('availability', 'team-a', 'grpc_requests_total'));
    await waitFor('all three rewritten', async () => ['a', 'b', 'c'].every((n) => rulesIn(ruleOf(server, n)!.spec.groups)[0]!.expr.includes('grpc_requests_total')), fast);

    put(server, 'ServiceLevelIndicatorTemplate', template('latency'));
    await waitFor('late template', async () => isReady(server, 'ServiceLevelObjective', 'waiting'), fast);
    put(server, 'AlertingPolicy', policy('late-policy', 'a'));
    expect(alertsIn(ruleOf(server, 'a')!.spec.groups)).toEqual([]);
    await waitFor('late policy alert', async () => alertsIn(ruleOf(server, 'a')!.spec.groups).length === 1, fast);
    await waitFor('policy ready', async () => isReady(server, 'AlertingPolicy', 'late-policy'), fast);
    // Re-pointing the policy moves its alert from a to b.
    put(server, 'AlertingPolicy', policy('late-policy', 'b'));
    await waitFor('moved', async () => alertsIn(ruleOf(server, 'b')!.spec.groups).length === 1 && alertsIn(ruleOf(server, 'a')!.spec.groups).length === 0, fast);
    // A policy set in vigil-system reaches every SLO that opts into it, across namespaces.
    put(server, 'AlertingPolicy', policy('ticket', { set: 'standard' }, { namespace: 'vigil-system', threshold: '1', severity: 'ticket' }));
    put(server, 'ServiceLevelObjective', slo('c', { policySet: 'standard' }));
    await waitFor('set member applied', async () => alertsIn(ruleOf(server, 'c')!.spec.groups).some((r) => r.labels?.severity === 'ticket'), fast);
    put(server, 'AlertingPolicy', policy('ticket', { set: 'standard' }, { namespace: 'vigil-system', threshold: '2', severity: 'ticket' }));
    await waitFor('set member change fans out', async () => alertsIn(ruleOf(server, 'c')!.spec.groups).some((r) => r.labels?.burn_rate === '2'), fast);
    await waitFor('set member status', async () => isReady(server, 'AlertingPolicy', 'ticket', 'vigil-system'), fast);
  });

  it('an invalid resource gets a condition saying why, keeps its last good rules, and leaves other SLOs alone', async () => {
    put(server, 'ServiceLevelObjective', slo('good'));
    put(server, 'ServiceLevelObjective', slo('flaky'));
    c = await startKubeController(server);
    await waitFor('ready', async () => isReady(server, 'ServiceLevelObjective', 'flaky'), fast);
    put(server, 'ServiceLevelObjective', slo('flaky', { goal: '250' }));
    put(server, 'ServiceLevelObjective', slo('good', { goal: '99' }));
    await waitFor('flaky invalid', async () => statusOf(server, 'ServiceLevelObjective', 'flaky').condition('Valid')?.status === 'False', fast);
    const s = statusOf(server, 'ServiceLevelObjective', 'flaky');
    expect(s.observedGeneration).toBe(2);
    expect(s.condition('Valid')!.message).toBe('Fix these and re-apply: spec.slo.goal: slo.goal must be a percentage strictly between 0 and 100, e.g. "99.9"');
    expect(s.condition('RulesApplied')).toMatchObject({ status: 'False', reason: 'KeptLastGoodRules' });
    expect(s.condition('RulesApplied')!.message).toContain('(generation 1)');
    expect(objectiveIn(ruleOf(server, 'flaky')!.spec.groups)).toBe('vector(0.999)');
    await waitFor('good updated', async () => isReady(server, 'ServiceLevelObjective', 'good') && objectiveIn(ruleOf(server, 'good')!.spec.groups) === 'vector(0.99)', fast);
    await waitFor('template reports the SLO', async () => statusOf(server, 'ServiceLevelIndicatorTemplate', 'availability').condition('RulesApplied')?.reason === 'SlosNotApplied', fast);
  });

  it('retries status writes that hit 409 Conflict', async () => {
    put(server, 'ServiceLevelObjective', slo('contended'));
    server.injectFailure({ method: 'PATCH', path: '/servicelevelobjectives/contended/status', status: 409, times: 3 });
    c = await startKubeController(server);
    await waitFor('ready despite conflicts', async () => isReady(server, 'ServiceLevelObjective', 'contended'), fast);
    const statusWrites = server.log.filter((r) => r.path.endsWith('/servicelevelobjectives/contended/status'));
    expect(statusWrites.filter((r) => r.status === 409)).toHaveLength(3);
    expect(statusWrites.at(-1)!.status).toBe(200);
    expect(c.status.stats.conflicts).toBe(3);
  });

  it('loses no event across a dropped watch and a 410 Gone relist', async () => {
    put(server, 'ServiceLevelObjective', slo('stays'));
    put(server, 'ServiceLevelObjective', slo('goes'));
    c = await startKubeController(server);
    await waitFor('ready', async () => isReady(server, 'ServiceLevelObjective', 'goes'), fast);
    const listsBefore = server.counts.byVerb.list ?? 0;
    // Drop every watch; while they reconnect, change things and compact history so resuming gets 410.
    expect(server.dropWatches()).toBeGreaterThanOrEqual(4);
    put(server, 'ServiceLevelObjective', slo('new-one'));
    del(server, 'ServiceLevelObjective', 'goes');
    put(server, 'ServiceLevelObjective', slo('stays', { goal: '98' }));
    server.compact();
    await waitFor('all changes seen', async () => isReady(server, 'ServiceLevelObjective', 'new-one') && ruleOf(server, 'goes') === undefined && objectiveIn(ruleOf(server, 'stays')?.spec.groups) === 'vector(0.98)', fast);
    expect((server.counts.byVerb.list ?? 0) - listsBefore).toBeGreaterThanOrEqual(1);
  });

  it('rides out the API server going down for 30 s and coming back (changes made meanwhile are applied), and a hung watch', { timeout: 120_000 }, async () => {
    put(server, 'ServiceLevelObjective', slo('before'));
    c = await startKubeController(server, {
      watchTimeouts: { timeoutSeconds: 30, responseTimeoutMs: 1_000, idleTimeoutMs: 1_500, minWatchIntervalMs: 50 },
    });
    await waitFor('ready', async () => isReady(server, 'ServiceLevelObjective', 'before'), fast);
    await server.stop();
    // Down: the informers fail, back off (capped at 1 s here; 30 s by default) and keep trying.
    const down = Date.now();
    put(server, 'ServiceLevelObjective', slo('during'));
    put(server, 'ServiceLevelObjective', slo('before', { goal: '97' }));
    await new Promise((r) => setTimeout(r, 30_000));
    const restarts = Object.values(c.source.informerStats()).reduce((n, s) => n + s.restarts, 0);
    expect(restarts).toBeGreaterThanOrEqual(10);
    await server.start();
    await waitFor('caught up', async () => isReady(server, 'ServiceLevelObjective', 'during') && objectiveIn(ruleOf(server, 'before')?.spec.groups) === 'vector(0.97)', { timeoutMs: 15_000, intervalMs: 50 });
    expect(Date.now() - down).toBeGreaterThan(30_000);

    // A watch that connects but then says nothing (a dead connection) is abandoned and re-established.
    server.hangWatches = true;
    server.dropWatches();
    await new Promise((r) => setTimeout(r, 300));
    server.hangWatches = false;
    put(server, 'ServiceLevelObjective', slo('after-hang'));
    await waitFor('after hang', async () => isReady(server, 'ServiceLevelObjective', 'after-hang'), { timeoutMs: 15_000, intervalMs: 50 });
    expect(Object.values(c.source.informerStats()).reduce((n, s) => n + s.watchTimeouts, 0)).toBeGreaterThanOrEqual(1);
  });
});
