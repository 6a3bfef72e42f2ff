/** Leader election on a coordination.k8s.io/v1 Lease: one writer, failover on death, clean step-down. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubernetesController } from '../../src/controller/assemble.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../support/fake-kube-apiserver.js';
import { waitFor } from '../support/processes.js';
import { slo, template } from './fixtures.js';
import { isReady, put, ruleOf, startKubeController } from './kube-harness.js';

const lease = { namespace: 'vigil-system', name: 'vigil-controller' };

function holder(server: FakeKubeApiServer): string | undefined {
  return (server.getObject('coordination.k8s.io', 'leases', lease.namespace, lease.name)?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
}

function writesBy(server: FakeKubeApiServer, from: number): number {
  return server.log.slice(from).filter((r) => (r.method === 'PATCH' || r.method === 'DELETE') && !r.path.includes('/leases/')).length;
}

describe('leader election', () => {
  let server: FakeKubeApiServer;
  const running: KubernetesController[] = [];
  beforeEach(async () => {
    server = await startFakeKubeApiServer();
    put(server, 'ServiceLevelIndicatorTemplate', template('availability'));
    put(server, 'ServiceLevelObjective', slo('one'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.close()));
    await server.stop();
  });

  const start = async (identity: string, timings: { leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number }) => {
    const c = await startKubeController(server, { leaderElection: { ...lease, identity, ...timings } });
    running.push(c);
    return c;
  };

  it('only the leader writes; a standby takes over after the leader dies (default timings, under 15 s)', async () => {
    const a = await start('replica-a', {});
    await waitFor('a leads', async () => holder(server) === 'replica-a', { timeoutMs: 5_000, intervalMs: 20 });
    const b = await start('replica-b', {});
    await waitFor('SLO ready', async () => isReady(server, 'ServiceLevelObjective', 'one'), { timeoutMs: 5_000, intervalMs: 20 });
    await new Promise((r) => setTimeout(r, 2_000)); // b had time to try
    expect(b.elector!.isLeader()).toBe(false);
    expect(holder(server)).toBe('replica-a');

    // The leader dies without releasing: it stops renewing and writing, like a killed pod.
    a.elector!.abandon();
    await a.controller.queue.shutDown();
    const died = Date.now();
    const mark = server.log.length;
    put(server, 'ServiceLevelObjective', slo('two'));
    await new Promise((r) => setTimeout(r, 500));
    expect(writesBy(server, mark)).toBe(0); // nobody leads yet: nothing is written
    await waitFor('b takes over', async () => holder(server) === 'replica-b', { timeoutMs: 16_000, intervalMs: 50 });
    const takeover = Date.now() - died;
    expect(takeover).toBeLessThan(15_000);
    await waitFor('b reconciles', async () => isReady(server, 'ServiceLevelObjective', 'two'), { timeoutMs: 5_000, intervalMs: 20 });
    expect(ruleOf(server, 'two')).toBeDefined();
    console.log(`leader failover after death: ${takeover} ms`);
  }, 40_000);

  it('the leader releases the lease on shutdown and a standby takes over at its next retry', async () => {
    const timings = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 200 };
    const a = await start('replica-a', timings);
    await waitFor('a leads', async () => holder(server) === 'replica-a', { timeoutMs: 5_000, intervalMs: 20 });
    const b = await start('replica-b', timings);
    await waitFor('ready', async () => isReady(server, 'ServiceLevelObjective', 'one'), { timeoutMs: 5_000, intervalMs: 20 });
    const stepDown = Date.now();
    await a.close(); // what SIGTERM does
    running.splice(running.indexOf(a), 1);
    expect(holder(server)).toBe('');
    await waitFor('b leads', async () => b.elector!.isLeader(), { timeoutMs: 5_000, intervalMs: 10 });
    expect(Date.now() - stepDown).toBeLessThan(1_000); // no lease-duration wait after a clean step-down
    put(server, 'ServiceLevelObjective', slo('three'));
    await waitFor('b writes', async () => isReady(server, 'ServiceLevelObjective', 'three'), { timeoutMs: 5_000, intervalMs: 20 });
    const leaseObject = server.getObject('coordination.k8s.io', 'leases', lease.namespace, lease.name)!;
    expect((leaseObject.spec as { leaseTransitions: number }).leaseTransitions).toBeGreaterThanOrEqual(1);
  });

  it('a leader that cannot renew steps down before its lease can expire', async () => {
    const timings = { leaseDurationMs: 3_000, renewDeadlineMs: 1_500, retryPeriodMs: 200 };
    const a = await start('replica-a', timings);
    await waitFor('a leads', async () => a.elector!.isLeader(), { timeoutMs: 5_000, intervalMs: 20 });
    server.injectFailure({ path: '/leases/', status: 500, times: 1_000 });
    const cut = Date.now();
    await waitFor('a steps down', async () => !a.elector!.isLeader(), { timeoutMs: 5_000, intervalMs: 20 });
    expect(Date.now() - cut).toBeLessThan(timings.leaseDurationMs);
    expect(() => a.elector!.guard()).toThrow(/not the leader/);
  });
});
