/**
 * Multi-document YAML text → resources with file/document/line origins (pure: the caller reads the file).
 * Documents that are not objects, or lack kind/metadata.name, come back as issues, never thrown.
 */
import { LineCounter, parseAllDocuments, isMap, isScalar, isSeq, type Node } from 'yaml';
import type { Issue } from './issue.js';
import type { ResourceOrigin, SourcedResource } from './resource.js';

export interface ParsedFile {
  readonly resources: SourcedResource[];
  readonly issues: Issue[];
  /** Documents `isForeign` claimed (another tool's format, converted by the caller), with their origin. */
  readonly foreign: RawDocument[];
}

export interface RawDocument {
  readonly value: Readonly<Record<string, unknown>>;
  readonly origin: ResourceOrigin;
}

export function parseResourcesYaml(
  text: string,
  file: string,
  defaultNamespace = 'default',
  isForeign: (value: Readonly<Record<string, unknown>>) => boolean = () => false,
): ParsedFile {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const resources: SourcedResource[] = [];
  const issues: Issue[] = [];
  const foreign: RawDocument[] = [];
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  const base = { kind: '', namespace: '', name: '', path: '', file } as const;
  // Field lines are needed only for the rare resource with an issue: re-parse the file then, instead of
  // keeping every document's syntax tree alive (10,000 SLOs would hold hundreds of MB of nodes).
  const reparsed = lazyLocator(text);

  const list = Array.isArray(documents) ? documents : [documents];
  list.forEach((doc, index) => {
    const document = index + 1;
    const startLine = lineAt(doc.contents?.range?.[0] ?? doc.range?.[0]) ?? 1;
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        issues.push({ ...base, level: 'error', document, line: lineAt(error.pos[0]) ?? startLine, message: `YAML: ${error.message.split('\n')[0]}` });
      }
      return;
    }
    if (doc.contents === null) return; // an empty document (e.g. trailing ---)
    const value: unknown = doc.toJS();
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      issues.push({ ...base, level: 'error', document, line: startLine, message: 'a document must be a Kubernetes object (a mapping)' });
      return;
    }
    const object = value as Record<string, unknown>;
    if (isForeign(object)) {
      foreign.push({ value: object, origin: { file, document, line: startLine, lineOf: (path) => reparsed(index, path) ?? startLine } });
      return;
    }
    if (object.kind === 'List' && Array.isArray(object.items)) {
      issues.push({ ...base, level: 'error', document, line: startLine, message: 'kind: List is not supported; write one document per resource' });
      return;
    }
    const metadata = (object.metadata ?? {}) as Record<string, unknown>;
    const kind = typeof object.kind === 'string' ? object.kind : '';
    const name = typeof metadata.name === 'string' ? metadata.name : '';
    const namespace = typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : defaultNamespace;
    if (!kind || !name) {
      issues.push({ ...base, kind, level: 'error', document, line: startLine, message: `${!kind ? 'kind' : 'metadata.name'} is required` });
      return;
    }
    resources.push({
      apiVersion: typeof object.apiVersion === 'string' ? object.apiVersion : '',
      kind,
      metadata: {
        name,
        namespace,
        labels: stringMap(metadata.labels),
        annotations: stringMap(metadata.annotations),
        generation: typeof metadata.generation === 'number' ? metadata.generation : undefined,
      },
      spec: object.spec,
      origin: { file, document, line: startLine, lineOf: (path) => reparsed(index, path) ?? startLine },
    });
  });
  return { resources, issues, foreign };
}

/** Finds the line of a field path in document `index` of `text`, parsing the text on first use. */
function lazyLocator(text: string): (index: number, path: readonly (string | number)[]) => number | undefined {
  let parsed: { documents: ReturnType<typeof parseAllDocuments>; lines: LineCounter } | undefined;
  return (index, path) => {
    if (!parsed) {
      const lines = new LineCounter();
      parsed = { documents: parseAllDocuments(text, { lineCounter: lines }), lines };
    }
    const list = Array.isArray(parsed.documents) ? parsed.documents : [parsed.documents];
    const doc = list[index];
    if (!doc) return undefined;
    const startLine = parsed.lines.linePos(doc.contents?.range?.[0] ?? 0).line;
    // Point at the field's key (for a list item, the item), not its value: a block map's value starts on the
    // next line, an inline `{...}` map on the key's own line, so the value's position cannot tell.
    for (let depth = path.length; depth > 0; depth--) {
      const parent: unknown = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
      const segment = path[depth - 1];
      let offset: number | undefined;
      if (isMap(parent)) {
        const pair = parent.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === segment);
        offset = (pair?.key as Node | undefined)?.range?.[0];
      } else if (isSeq(parent) && typeof segment === 'number') {
        offset = (parent.items[segment] as Node | undefined)?.range?.[0];
      }
      if (offset !== undefined) return parsed.lines.linePos(offset).line;
    }
    return startLine;
  };
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}
