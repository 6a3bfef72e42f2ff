/**
 * What the translators share: a foreign document with its origin in, Vigil resources (as Kubernetes-shaped
 * objects, the same the YAML loader produces) and issues out. Pure: no I/O, nothing thrown on bad input.
 */
import type { Issue } from '../model/issue.js';
import type { ResourceOrigin, SourcedResource } from '../model/resource.js';
import { API_GROUP, API_VERSION } from '../model/schema.js';

export const VIGIL_API_VERSION = `${API_GROUP}/${API_VERSION}`;

/** A parsed YAML document of another tool's format, with where it came from. */
export interface ForeignDocument {
  readonly value: Readonly<Record<string, unknown>>;
  readonly origin: ResourceOrigin;
}

export type ForeignFormat = 'sloth' | 'openslo';

/** A Vigil resource made from a foreign document; `origin` points at the source document. */
export interface ImportedResource extends SourcedResource {
  readonly origin: ResourceOrigin;
  /** One line saying what it was made from (written as a comment above it). */
  readonly comment: string;
}

export interface TranslateOptions {
  /** Namespace for resources whose source has none (Sloth prometheus/v1, OpenSLO). */
  readonly namespace: string;
  /** Sloth's SLO period (its --default-slo-period); Sloth specs cannot choose one. */
  readonly slothPeriod: string;
}

export const defaultTranslateOptions: TranslateOptions = { namespace: 'default', slothPeriod: '30d' };

export interface Translation {
  readonly resources: ImportedResource[];
  readonly issues: Issue[];
}

/** The format of a document, by `apiVersion` (Sloth CRs, OpenSLO) or Sloth's `version` key; undefined for others. */
export function foreignFormat(value: Readonly<Record<string, unknown>>): ForeignFormat | undefined {
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  if (apiVersion.startsWith('sloth.slok.dev/')) return 'sloth';
  if (apiVersion.startsWith('openslo/')) return 'openslo';
  if (!apiVersion && value.kind === undefined && typeof value.version === 'string') return 'sloth';
  return undefined;
}

/** A lowercase DNS name from free text (`My_Service` → `my-service`); empty when nothing usable is left. */
export function dnsName(text: string, maxLength = 253): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, maxLength)
    .replace(/[-.]+$/g, '');
}

/** A goal in percent as Vigil writes it ("99.9") from a number, without binary noise. */
export function goalText(percent: number): string {
  return String(Number(percent.toPrecision(12)));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** String map from a YAML mapping whose values may be numbers or booleans (Sloth labels often are). */
export function stringRecord(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (text(v) === undefined ? [] : [[k, text(v)!]])));
}

/** Builds issues located in a foreign document. */
export function foreignIssue(
  doc: ForeignDocument,
  what: { kind: string; namespace: string; name: string },
  path: readonly (string | number)[],
  message: string,
): Issue {
  return {
    level: 'error',
    kind: what.kind,
    namespace: what.namespace,
    name: what.name,
    path: path.join('.'),
    message,
    file: doc.origin.file,
    document: doc.origin.document,
    line: doc.origin.lineOf?.(path) ?? doc.origin.line,
  };
}

/** A Vigil resource whose origin lines point into the source document at `path`. */
export function imported(
  doc: ForeignDocument,
  path: readonly (string | number)[],
  kind: string,
  metadata: { name: string; namespace: string },
  spec: Record<string, unknown>,
  comment: string,
): ImportedResource {
  const line = doc.origin.lineOf?.(path) ?? doc.origin.line;
  return {
    apiVersion: VIGIL_API_VERSION,
    kind,
    metadata,
    spec,
    comment,
    origin: { file: doc.origin.file, document: doc.origin.document, line, lineOf: () => line },
  };
}
