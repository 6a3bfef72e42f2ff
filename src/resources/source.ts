/**
 * Where resources come from. A source keeps the current set of resources (a cache) and says which one
 * changed; the controller reads the current state back (level-triggered), so a burst of changes to one
 * resource costs one reconcile.
 */
import type { CompileIssue, ResourceKind, SourcedResource } from './compile-contract.js';

export interface ResourceRef {
  readonly kind: ResourceKind;
  readonly namespace: string;
  readonly name: string;
}

export type ChangeListener = (ref: ResourceRef) => void;

export interface Source {
  /** Starts watching; resolves once the initial state is loaded (caches synced). */
  start(onChange: ChangeListener): Promise<void>;
  get(ref: ResourceRef): SourcedResource | undefined;
  list(kind?: ResourceKind): readonly SourcedResource[];
  /** Problems the source itself found for a resource (e.g. its file no longer parses). */
  problems(ref: ResourceRef): readonly CompileIssue[];
  close(): Promise<void>;
}

export function refKey(ref: ResourceRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

export function parseRefKey(key: string): ResourceRef {
  const [kind, namespace, name] = key.split('/') as [ResourceKind, string, string];
  return { kind, namespace, name };
}

export function refOf(resource: Pick<SourcedResource, 'kind' | 'metadata'>): ResourceRef {
  return { kind: resource.kind as ResourceKind, namespace: resource.metadata.namespace, name: resource.metadata.name };
}
