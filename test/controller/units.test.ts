/** Pure and near-pure parts: work queue semantics, dependency index, status conditions, backoff. */
import { describe, expect, it, vi } from 'vitest';
import { backoffDelay } from '../../src/runtime/backoff.js';
import { DependencyIndex } from '../../src/controller/dependency-index.js';
import type { SourcedResource } from '../../src/resources/compile-contract.js';
import { buildStatus, readyCondition, sameStatus, validCondition } from '../../src/controller/status.js';
import { WorkQueue } from '../../src/controller/work-queue.js';
import { policy, slo, template } from './fixtures.js';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  const options = { concurrency: 2, retryBackoff: { baseMs: 20, maxMs: 200 }, retryQps: 1_000, retryBurst: 1_000 };

  it('deduplicates waiting keys and never runs one key twice at once, re-running it once if it changed meanwhile', async () => {
    const q = new WorkQueue(options);
    const runs: string[] = [];
    let active = 0;
    let maxActive = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    q.run(async (key) => {
      runs.push(key);
      active++;
      maxActive = Math.max(maxActive, active);
      if (key === 'a' && runs.filter((k) => k === 'a').length === 1) await gate;
      active--;
    });
    q.add('a');
    q.add('a');
    q.add('b');
    q.add('b');
    await tick(5);
    q.add('a'); // while a runs: marked dirty, runs once more afterwards
    q.add('a');
    release();
    await q.whenIdle();
    expect(runs.sort()).toEqual(['a', 'a', 'b']);
    expect(maxActive).toBeLessThanOrEqual(2);
  });

  // Backoff and the token bucket on fake timers: the fake clock makes the delays exact, whatever the load.
  it('retries failures with growing backoff, and forgets the failures after a success', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }); // the pump's setImmediate stays real: it is a turn, not a delay
    try {
      const q = new WorkQueue(options);
      const times: number[] = [];
      let fail = 3;
      q.run(async () => {
        times.push(Date.now());
        if (fail-- > 0) throw new Error('boom');
      });
      q.add('k');
      await vi.runAllTimersAsync();
      await q.whenIdle();
      expect(times).toHaveLength(4);
      // base 20 ms, doubling per attempt, no jitter configured.
      expect(times.slice(1).map((t, i) => t - times[i]!)).toEqual([20, 40, 80]);
      expect(q.retriesOf('k')).toBe(0); // forgotten after success
    } finally {
      vi.useRealTimers();
    }
  });

  it('holds retries to the token bucket (burst 2, then 10 per second)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }); // the pump's setImmediate stays real: it is a turn, not a delay
    try {
      const q = new WorkQueue({ concurrency: 4, retryBackoff: { baseMs: 0, maxMs: 0 }, retryQps: 10, retryBurst: 2 });
      const start = Date.now();
      const at: Record<string, number> = {};
      q.run(async (k) => void (at[k] = Date.now() - start));
      for (const k of ['a', 'b', 'c', 'd']) q.addRateLimited(k);
      await vi.runAllTimersAsync();
      await q.whenIdle();
      expect(at).toEqual({ a: 0, b: 0, c: 100, d: 200 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('pauses without losing queued work', async () => {
    const q = new WorkQueue(options);
    const runs: string[] = [];
    q.add('x');
    await tick(5);
    expect(runs).toEqual([]); // not running yet
    q.run(async (k) => void runs.push(k));
    await q.whenIdle();
    q.pause();
    q.add('y');
    await tick(10);
    expect(runs).toEqual(['x']);
    q.run(async (k) => void runs.push(k));
    await q.whenIdle();
    expect(runs).toEqual(['x', 'y']);
  });
});

describe('DependencyIndex', () => {
  const r = (o: Record<string, unknown>) => o as unknown as SourcedResource;
  const refOf = (o: { kind: string; metadata: { name: string; namespace: string } }) => ({ kind: o.kind as 'ServiceLevelObjective', namespace: o.metadata.namespace, name: o.metadata.name });

  it.each([
    {
      name: 'a template change reaches every SLO using it, even SLOs that arrived before the template',
      setup: [slo('a'), slo('b'), slo('c', { templateName: 'other' })],
      change: template('availability'),
      reconcile: ['ServiceLevelIndicatorTemplate/team-a/availability', 'ServiceLevelObjective/team-a/a', 'ServiceLevelObjective/team-a/b'],
    },
    {
      name: 'a policy change reaches its SLO',
      setup: [slo('a')],
      change: policy('p', 'a'),
      reconcile: ['AlertingPolicy/team-a/p', 'ServiceLevelObjective/team-a/a'],
    },
    {
      name: 'a vigil-system set member reaches SLOs in every namespace that opt in',
      setup: [slo('a', { policySet: 'workbook' }), slo('b', { namespace: 'team-b', policySet: 'workbook' }), slo('c')],
      change: policy('fast', { set: 'workbook' }, { namespace: 'vigil-system' }),
      reconcile: ['AlertingPolicy/vigil-system/fast', 'ServiceLevelObjective/team-a/a', 'ServiceLevelObjective/team-b/b'],
    },
    {
      name: 'a namespaced set member only reaches SLOs of its namespace',
      setup: [slo('a', { policySet: 'mine' }), slo('b', { namespace: 'team-b', policySet: 'mine' })],
      change: policy('fast', { set: 'mine' }, { namespace: 'team-b' }),
      reconcile: ['AlertingPolicy/team-b/fast', 'ServiceLevelObjective/team-b/b'],
    },
  ])('$name', ({ setup, change, reconcile }) => {
    const index = new DependencyIndex();
    for (const o of setup) index.update(refOf(o), r(o));
    expect(index.update(refOf(change), r(change)).reconcile.sort()).toEqual(reconcile.sort());
  });

  it('re-pointing a policy reaches the old and the new SLO; an SLO change only refreshes its template and policies', () => {
    const index = new DependencyIndex();
    index.update(refOf(slo('a')), r(slo('a')));
    index.update(refOf(slo('b')), r(slo('b')));
    index.update(refOf(policy('p', 'a')), r(policy('p', 'a')));
    expect(index.update(refOf(policy('p', 'b')), r(policy('p', 'b'))).reconcile.sort()).toEqual(['AlertingPolicy/team-a/p', 'ServiceLevelObjective/team-a/a', 'ServiceLevelObjective/team-a/b']);
    expect(index.update(refOf(slo('b')), r(slo('b', { goal: '99' })))).toEqual({
      reconcile: ['ServiceLevelObjective/team-a/b'],
      refresh: ['ServiceLevelIndicatorTemplate/team-a/availability', 'AlertingPolicy/team-a/p'],
    });
    expect(index.update(refOf(policy('p', 'b')), undefined).reconcile.sort()).toEqual(['AlertingPolicy/team-a/p', 'ServiceLevelObjective/team-a/b']);
    expect(index.policiesOf('ServiceLevelObjective/team-a/b')).toEqual([]);
  });
});

describe('status conditions', () => {
  const now = new Date('2026-01-01T00:00:00.000Z');
  const later = new Date('2026-01-02T00:00:00.000Z');
  const issue = (message: string, level: 'error' | 'warning' = 'error') => ({ kind: 'ServiceLevelObjective', namespace: 'a', name: 'b', path: 'spec.slo.goal', message, level, file: 'slos.yaml', line: 7 });

  it.each([
    { name: 'no issues', issues: [], expected: { status: 'True', reason: 'Valid' } },
    { name: 'warnings only', issues: [issue('odd', 'warning')], expected: { status: 'True', reason: 'Valid', message: 'Valid, with warnings: slos.yaml:7: spec.slo.goal: odd' } },
    { name: 'errors', issues: [issue('bad')], expected: { status: 'False', reason: 'InvalidSpec', message: 'Fix these and re-apply: slos.yaml:7: spec.slo.goal: bad' } },
  ])('Valid: $name', ({ issues, expected }) => {
    expect(validCondition(issues as never)).toMatchObject(expected);
  });

  it('moves lastTransitionTime only when a condition flips, and compares statuses without it', () => {
    const ok = validCondition([]);
    const first = buildStatus(1, [ok, readyCondition([ok], 'fine')], undefined, now);
    const same = buildStatus(1, [ok, readyCondition([ok], 'fine')], first, later);
    expect(same.conditions[0]!.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    expect(sameStatus(first, same)).toBe(true);
    const bad = validCondition([issue('bad')]);
    const flipped = buildStatus(2, [bad, readyCondition([bad], 'fine')], same, later);
    expect(flipped.conditions[0]!.lastTransitionTime).toBe('2026-01-02T00:00:00Z');
    expect(flipped.conditions[1]).toMatchObject({ type: 'Ready', status: 'False', reason: 'InvalidSpec', observedGeneration: 2 });
    expect(sameStatus(same, flipped)).toBe(false);
  });

  it('backoff doubles up to its cap, with bounded jitter', () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, { baseMs: 100, maxMs: 500 }))).toEqual([100, 200, 400, 500, 500]);
    expect(backoffDelay(1, { baseMs: 100, maxMs: 500, jitter: 0.5 }, () => 1)).toBe(300);
  });
});

describe('controller options', () => {
  it('reads flag, then VIGIL_* variable, then default, and rejects bad values with the flag named', async () => {
    const { resolveControllerConfig } = await import('../../src/controller/controller-config.js');
    const defaults = resolveControllerConfig({}, {});
    expect(defaults).toMatchObject({ applyMode: 'apply', leaderElect: true, leaseName: 'vigil-controller', resyncMs: 600_000, ruleLabels: {}, checkRules: 'auto', builtins: true });
    const env = { VIGIL_RULE_LABELS: 'prometheus=k8s,role=alert-rules', VIGIL_LEADER_ELECT: 'false', VIGIL_RESYNC: '30s' };
    expect(resolveControllerConfig({}, env)).toMatchObject({ ruleLabels: { prometheus: 'k8s', role: 'alert-rules' }, leaderElect: false, resyncMs: 30_000 });
    expect(resolveControllerConfig({ 'rule-labels': 'team=a', resync: '0' }, env)).toMatchObject({ ruleLabels: { team: 'a' }, resyncMs: 0 });
    expect(() => resolveControllerConfig({ 'apply-mode': 'strategic' }, {})).toThrow('--apply-mode must be apply or merge');
    expect(() => resolveControllerConfig({ 'rule-labels': 'novalue' }, {})).toThrow('--rule-labels must be KEY=VALUE');
    expect(() => resolveControllerConfig({}, { VIGIL_LEADER_ELECT: 'yes' })).toThrow('--leader-elect must be true or false');
  });
});
