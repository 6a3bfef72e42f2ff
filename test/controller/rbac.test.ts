/**
 * deploy/rbac is least privilege for what the controller really does: every request the controller made in
 * a full scenario (create, edit, delete, drift repair, leader election and release, merge mode too) is
 * allowed by the ClusterRole/Role, and no granted verb goes unused.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { startFakeKubeApiServer } from '../support/fake-kube-apiserver.js';
import { waitFor } from '../support/processes.js';
import { policy, slo, template } from './fixtures.js';
import { del, isReady, put, ruleOf, startKubeController } from './kube-harness.js';

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const rbacDir = fileURLToPath(new URL('../../deploy/rbac/', import.meta.url));

function loadRules(): Array<PolicyRule & { namespace?: string; role: string }> {
  const out: Array<PolicyRule & { namespace?: string; role: string }> = [];
  for (const file of readdirSync(rbacDir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
    for (const doc of parseAllDocuments(readFileSync(join(rbacDir, file), 'utf8'))) {
      const o = doc.toJS() as { kind: string; metadata: { name: string; namespace?: string }; rules?: PolicyRule[] };
      if (o.kind !== 'ClusterRole' && o.kind !== 'Role') continue;
      for (const r of o.rules ?? []) out.push({ ...r, role: o.metadata.name, ...(o.kind === 'Role' ? { namespace: o.metadata.namespace! } : {}) });
    }
  }
  return out;
}

/** Maps an API request to an RBAC attribute (verb, group, resource[/subresource], namespace, name). */
function attributes(method: string, path: string, query: string) {
  const m = /^\/apis\/([^/]+)\/[^/]+(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(path)!;
  const [, group, namespace, resource, name, sub] = m;
  const watch = /(^|&)watch=true/.test(query);
  const verb = name
    ? ({ GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[method]!
    : method === 'POST'
      ? 'create'
      : watch
        ? 'watch'
        : 'list';
  return { verb, group: group!, resource: sub ? `${resource}/${sub}` : resource!, namespace, name };
}

describe('RBAC (deploy/rbac)', () => {
  it('allows every request the controller makes, and grants nothing it does not use', async () => {
    const server = await startFakeKubeApiServer();
    const seen: Array<{ method: string; path: string; query: string }> = [];
    try {
      put(server, 'ServiceLevelIndicatorTemplate', template('availability'));
      put(server, 'ServiceLevelObjective', slo('one'));
      put(server, 'AlertingPolicy', policy('one-page', 'one'));
      for (const applyMode of ['apply', 'merge'] as const) {
        const c = await startKubeController(server, { applyMode, leaderElection: { namespace: 'vigil-system', name: 'vigil-controller', identity: `rbac-${applyMode}`, leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 200 } });
        await waitFor('ready', async () => isReady(server, 'ServiceLevelObjective', 'one'), { timeoutMs: 10_000, intervalMs: 20 });
        put(server, 'ServiceLevelObjective', slo(`extra-${applyMode}`));
        await waitFor('extra', async () => isReady(server, 'ServiceLevelObjective', `extra-${applyMode}`), { timeoutMs: 10_000, intervalMs: 20 });
        put(server, 'ServiceLevelObjective', slo(`extra-${applyMode}`, { goal: '99' }));
        await waitFor('edited', async () => isReady(server, 'ServiceLevelObjective', `extra-${applyMode}`), { timeoutMs: 10_000, intervalMs: 20 });
        del(server, 'ServiceLevelObjective', `extra-${applyMode}`);
        await waitFor('deleted', async () => ruleOf(server, `extra-${applyMode}`) === undefined, { timeoutMs: 10_000, intervalMs: 20 });
        // A 409 on each kind's status write forces the re-read (get) of that kind.
        for (const plural of ['servicelevelobjectives', 'servicelevelindicatortemplates', 'alertingpolicies']) server.injectFailure({ method: 'PATCH', path: `/${plural}/`, status: 409 });
        put(server, 'ServiceLevelIndicatorTemplate', template('availability', 'team-a', applyMode === 'apply' ? 'grpc_requests_total' : 'http_requests_total'));
        put(server, 'AlertingPolicy', policy('one-page', 'one', { threshold: applyMode === 'apply' ? '10' : '14.4' }));
        put(server, 'ServiceLevelObjective', slo('one', { goal: applyMode === 'apply' ? '99.5' : '99.9' }));
        await waitFor('re-ready', async () => ['ServiceLevelObjective', 'ServiceLevelIndicatorTemplate', 'AlertingPolicy'].every((k) => isReady(server, k as 'AlertingPolicy', k === 'ServiceLevelObjective' ? 'one' : k === 'AlertingPolicy' ? 'one-page' : 'availability')), { timeoutMs: 10_000, intervalMs: 20 });
        await c.close();
      }
      seen.push(...server.log.map((r) => ({ method: r.method, path: r.path, query: r.query })));
    } finally {
      await server.stop();
    }
    const rules = loadRules();
    const used = new Set<string>();
    const denied: string[] = [];
    for (const r of seen) {
      const a = attributes(r.method, r.path, r.query);
      const verbs = [a.verb];
      const rule = rules.find(
        (p) =>
          p.apiGroups.includes(a.group) &&
          p.resources.includes(a.resource) &&
          verbs.some((v) => p.verbs.includes(v)) &&
          (!p.namespace || p.namespace === a.namespace) &&
          (!p.resourceNames || (a.name !== undefined && p.resourceNames.includes(a.name))),
      );
      if (!rule) denied.push(`${a.verb} ${a.group}/${a.resource} ${a.namespace ?? ''}/${a.name ?? ''}`);
      else for (const v of verbs) if (rule.verbs.includes(v)) used.add(`${rule.role}:${a.group}/${a.resource}:${v}`);
    }
    expect(denied).toEqual([]);
    const granted = rules.flatMap((p) => p.apiGroups.flatMap((g) => p.resources.flatMap((res) => p.verbs.map((v) => `${p.role}:${g}/${res}:${v}`))));
    // finalizers/update is checked by an admission plugin when blockOwnerDeletion is set, never requested.
    const unused = granted.filter((g) => !used.has(g) && !g.endsWith('/finalizers:update'));
    expect(unused).toEqual([]);
  }, 60_000);
});
