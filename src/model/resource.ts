/** A resource as a source hands it over: Kubernetes object shape, spec not yet validated. */
export interface SourcedResource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ResourceMetadata;
  readonly spec: unknown;
  /** Where the resource was read from, when it came from a file. */
  readonly origin?: ResourceOrigin;
}

export interface ResourceMetadata {
  readonly name: string;
  readonly namespace: string;
  readonly generation?: number;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ResourceOrigin {
  readonly file: string;
  /** 1-based index of the YAML document within the file. */
  readonly document: number;
  /** 1-based line where the document starts. */
  readonly line: number;
  /** Line of a field, given its path below the document root (e.g. ['spec', 'slo', 'goal']). */
  readonly lineOf?: (path: readonly (string | number)[]) => number | undefined;
}

export interface ObjectRef {
  readonly namespace: string;
  readonly name: string;
}

export const refKey = (ref: ObjectRef): string => `${ref.namespace}/${ref.name}`;

/** `NAMESPACE/NAME` as people type it on a command line or in a webhook's metadata; undefined when it is not one. */
export function parseObjectRef(text: string): ObjectRef | undefined {
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(text);
  return match ? { namespace: match[1]!, name: match[3]! } : undefined;
}
