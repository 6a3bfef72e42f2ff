/**
 * Server-side apply field ownership for the fake API server, reduced to what Vigil's writes exercise:
 * every leaf field of an object is owned by the managers that set it. An apply owns exactly the fields it
 * sent: a field the manager applied before and now leaves out is removed (unless another manager owns it
 * too), a field another manager owns is left alone, and setting another manager's field to a different
 * value is a 409 conflict unless `force=true` (which takes the field over). Updates (create, PUT, merge
 * patch) take ownership of the fields they change and drop fields they delete.
 *
 * Simplifications against the real API server: lists are atomic (one field; no `listType: map` merging by
 * key), maps emptied by a removal stay as `{}`, `metadata.managedFields` is not returned (see `owners()`),
 * and an update without `fieldManager` is owned by "unknown" rather than a name derived from the user agent.
 */
// mergePatch is a function declaration, so this import cycle with the server module is safe.
import { mergePatch } from './fake-kube-apiserver.js';

export type Scope = 'main' | 'status';
type Json = Record<string, unknown>;

/** Identity and server-set fields: never owned, never removed. */
const unownedMetadata = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields']);

const isMap = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Leaf fields of `obj` in `scope`: path key (JSON array of segments) → the value as JSON text. */
export function fieldsOf(obj: unknown, scope: Scope): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (value: unknown, path: string[]) => {
    if (isMap(value) && Object.keys(value).length > 0) {
      for (const [key, child] of Object.entries(value)) walk(child, [...path, key]);
    } else out.set(JSON.stringify(path), JSON.stringify(value));
  };
  if (!isMap(obj)) return out;
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if ((key === 'status') !== (scope === 'status')) continue;
    if (key === 'metadata' && isMap(value)) {
      if (scope === 'status') continue;
      for (const [field, child] of Object.entries(value)) if (!unownedMetadata.has(field)) walk(child, ['metadata', field]);
    } else walk(value, [key]);
  }
  return out;
}

function deleteField(obj: Json, pathKey: string): void {
  const path = JSON.parse(pathKey) as string[];
  let parent: unknown = obj;
  for (const segment of path.slice(0, -1)) {
    if (!isMap(parent)) return;
    parent = parent[segment];
  }
  if (isMap(parent)) delete parent[path[path.length - 1]!];
}

const inScope = (pathKey: string, scope: Scope) => (JSON.parse(pathKey) as string[])[0] === 'status' === (scope === 'status');
const dotted = (pathKey: string) => `.${(JSON.parse(pathKey) as string[]).join('.')}`;

export type ApplyOutcome = { ok: true; next: Json } | { ok: false; conflicts: Array<{ manager: string; field: string }> };

/** Owners per object (key `namespace/name`), per manager, per field. */
export class FieldOwners {
  private readonly objects = new Map<string, Map<string, Set<string>>>();

  private managersOf(objectKey: string): Map<string, Set<string>> {
    let managers = this.objects.get(objectKey);
    if (!managers) this.objects.set(objectKey, (managers = new Map()));
    return managers;
  }

  forget(objectKey: string): void {
    this.objects.delete(objectKey);
  }

  /** Fields per manager, as `.spec.groups`, `.metadata.labels.team` (what managedFields would list). */
  owners(objectKey: string): Record<string, string[]> {
    const managers = this.objects.get(objectKey) ?? new Map<string, Set<string>>();
    return Object.fromEntries([...managers].filter(([, fields]) => fields.size > 0).map(([manager, fields]) => [manager, [...fields].map(dotted).sort()]));
  }

  /** Server-side apply of `applied` by `manager` onto `existing` (undefined: create); the object to store. */
  apply(objectKey: string, existing: Json | undefined, applied: Json, manager: string, options: { force: boolean; scope: Scope }): ApplyOutcome {
    const managers = this.managersOf(objectKey);
    const sent = fieldsOf(applied, options.scope);
    const current = existing ? fieldsOf(existing, options.scope) : new Map<string, string>();
    const conflicts: Array<{ manager: string; field: string }> = [];
    for (const [field, value] of sent) {
      for (const [other, fields] of managers) {
        if (other !== manager && fields.has(field) && current.get(field) !== value) conflicts.push({ manager: other, field });
      }
    }
    if (conflicts.length > 0 && !options.force) return { ok: false, conflicts };
    for (const { manager: other, field } of conflicts) managers.get(other)!.delete(field);

    const mine = managers.get(manager) ?? new Set<string>();
    const next = structuredClone(existing ?? {});
    for (const field of mine) {
      if (!inScope(field, options.scope) || sent.has(field)) continue;
      const sharedWith = [...managers].some(([other, fields]) => other !== manager && fields.has(field));
      if (!sharedWith) deleteField(next, field);
    }
    managers.set(manager, new Set([...[...mine].filter((field) => !inScope(field, options.scope)), ...sent.keys()]));
    return { ok: true, next: mergePatch(next, applied, false) as Json };
  }

  /** A create, PUT or merge patch by `manager` turned `before` into `after`. */
  update(objectKey: string, before: Json | undefined, after: Json, manager: string, scope: Scope): void {
    const managers = this.managersOf(objectKey);
    const was = before ? fieldsOf(before, scope) : new Map<string, string>();
    const now = fieldsOf(after, scope);
    const mine = managers.get(manager) ?? new Set<string>();
    for (const [field, value] of now) {
      if (was.get(field) === value) continue;
      for (const fields of managers.values()) fields.delete(field);
      mine.add(field);
    }
    for (const field of was.keys()) if (!now.has(field)) for (const fields of managers.values()) fields.delete(field);
    managers.set(manager, mine);
  }
}
