/**
 * Who depends on whom, from the specs alone (the referenced resource need not exist yet): an SLO depends
 * on its template (spec.sli.templateRef), on every AlertingPolicy whose spec.sloRef names it, and on the
 * members of the policy set it opts into (spec.alertingPolicySet: policies with that spec.policySet in the
 * SLO's namespace or in vigil-system). A change
 * to a template fans out to every SLO using it; a change to a policy reaches its SLO (the old one too, when
 * the policy is re-pointed); a dependency that appears later reaches the SLOs that were waiting for it.
 */
import { SYSTEM_NAMESPACE, type SourcedResource } from '../resources/compile-contract.js';
import { refKey, type ResourceRef } from '../resources/source.js';

export class DependencyIndex {
  private readonly sloTemplate = new Map<string, string>();
  private readonly templateUsers = new Map<string, Set<string>>();
  private readonly policySlo = new Map<string, string>();
  private readonly sloPolicies = new Map<string, Set<string>>();
  /** SLO key → policy set name, and back. */
  private readonly sloSet = new Map<string, string>();
  private readonly setUsers = new Map<string, Set<string>>();
  /** Policy key → "namespace/set", and back. */
  private readonly policySet = new Map<string, string>();
  private readonly setMembers = new Map<string, Set<string>>();

  /**
   * Records `resource` (or its deletion, when undefined). Returns the keys to reconcile now, and the keys
   * whose status merely counts this resource (templates and policies an SLO uses), to refresh lazily.
   */
  update(ref: ResourceRef, resource: SourcedResource | undefined): { reconcile: string[]; refresh: string[] } {
    const key = refKey(ref);
    const affected = new Set<string>([key]);
    const refresh = new Set<string>();
    switch (ref.kind) {
      case 'ServiceLevelObjective': {
        const template = resource ? templateRefOf(resource) : undefined;
        this.relink(this.sloTemplate, this.templateUsers, key, template ? refKey(template) : undefined);
        if (template) refresh.add(refKey(template)); // its status counts its users
        const set = resource ? policySetOf(resource) : undefined;
        const oldSet = this.sloSet.get(key);
        this.relink(this.sloSet, this.setUsers, key, set);
        for (const p of this.policiesOf(key)) refresh.add(p);
        if (oldSet && oldSet !== set) for (const p of this.setMembersFor(ref.namespace, oldSet)) refresh.add(p);
        break;
      }
      case 'ServiceLevelIndicatorTemplate':
        for (const slo of this.templateUsers.get(key) ?? []) affected.add(slo);
        break;
      case 'AlertingPolicy': {
        const previous = this.policySlo.get(key);
        if (previous) affected.add(previous);
        for (const slo of this.setUsersOf(key)) affected.add(slo);
        const slo = resource ? sloRefOf(resource) : undefined;
        this.relink(this.policySlo, this.sloPolicies, key, slo ? refKey(slo) : undefined);
        if (slo) affected.add(refKey(slo));
        const set = resource ? memberSetOf(resource) : undefined;
        this.relink(this.policySet, this.setMembers, key, set ? `${ref.namespace}/${set}` : undefined);
        for (const s of this.setUsersOf(key)) affected.add(s);
        break;
      }
    }
    return { reconcile: [...affected], refresh: [...refresh] };
  }

  templateOf(sloKey: string): string | undefined {
    return this.sloTemplate.get(sloKey);
  }

  /** Policies aimed at the SLO by sloRef, plus the members of its policy set (own namespace and vigil-system). */
  policiesOf(sloKey: string): readonly string[] {
    const direct = [...(this.sloPolicies.get(sloKey) ?? [])];
    const set = this.sloSet.get(sloKey);
    if (!set) return direct;
    const namespace = sloKey.split('/')[1]!;
    return [...new Set([...direct, ...this.setMembersFor(namespace, set)])];
  }

  private setMembersFor(namespace: string, set: string): string[] {
    return [...(this.setMembers.get(`${namespace}/${set}`) ?? []), ...(namespace === SYSTEM_NAMESPACE ? [] : (this.setMembers.get(`${SYSTEM_NAMESPACE}/${set}`) ?? []))];
  }

  /** SLOs that use the set this policy belongs to (same namespace, or any namespace for vigil-system). */
  setUsersOf(policyKey: string): readonly string[] {
    const member = this.policySet.get(policyKey);
    if (!member) return [];
    const [namespace, set] = member.split('/') as [string, string];
    return [...(this.setUsers.get(set) ?? [])].filter((slo) => namespace === SYSTEM_NAMESPACE || slo.split('/')[1] === namespace);
  }

  usersOf(templateKey: string): readonly string[] {
    return [...(this.templateUsers.get(templateKey) ?? [])];
  }

  sloOf(policyKey: string): string | undefined {
    return this.policySlo.get(policyKey);
  }

  private relink(forward: Map<string, string>, reverse: Map<string, Set<string>>, from: string, to: string | undefined): void {
    const old = forward.get(from);
    if (old === to) return;
    if (old !== undefined) {
      const set = reverse.get(old);
      set?.delete(from);
      if (set && set.size === 0) reverse.delete(old);
    }
    if (to === undefined) {
      forward.delete(from);
      return;
    }
    forward.set(from, to);
    let set = reverse.get(to);
    if (!set) reverse.set(to, (set = new Set()));
    set.add(from);
  }
}

interface RefSpec {
  name?: unknown;
  namespace?: unknown;
}

function refFrom(value: unknown, kind: ResourceRef['kind'], defaultNamespace: string): ResourceRef | undefined {
  const r = value as RefSpec | undefined;
  if (!r || typeof r.name !== 'string' || r.name === '') return undefined;
  return { kind, name: r.name, namespace: typeof r.namespace === 'string' && r.namespace ? r.namespace : defaultNamespace };
}

export function templateRefOf(slo: SourcedResource): ResourceRef | undefined {
  const spec = slo.spec as { sli?: { templateRef?: unknown } } | undefined;
  return refFrom(spec?.sli?.templateRef, 'ServiceLevelIndicatorTemplate', slo.metadata.namespace);
}

export function policySetOf(slo: SourcedResource): string | undefined {
  const set = (slo.spec as { alertingPolicySet?: unknown } | undefined)?.alertingPolicySet;
  return typeof set === 'string' && set ? set : undefined;
}

export function memberSetOf(policy: SourcedResource): string | undefined {
  const set = (policy.spec as { policySet?: unknown } | undefined)?.policySet;
  return typeof set === 'string' && set ? set : undefined;
}

export function sloRefOf(policy: SourcedResource): ResourceRef | undefined {
  const spec = policy.spec as { sloRef?: unknown } | undefined;
  return refFrom(spec?.sloRef, 'ServiceLevelObjective', policy.metadata.namespace);
}
