/**
 * The one entry point for foreign SLO documents, used both by `vigil import` (which writes the result as
 * YAML) and by the loaders (which compile it in memory), so both give the same rules.
 */
import { formatDuration, parseDuration } from '../model/duration.js';
import type { Issue } from '../model/issue.js';
import { foreignFormat, foreignIssue, type ForeignDocument, type ForeignFormat, type ImportedResource, type TranslateOptions, type Translation } from './imported.js';
import { translateOpenSlo } from './openslo.js';
import { readAlertWindows, slothDefaultWindows, slothKind, translateAlertWindows, translateServiceLevel, type SlothAlertWindows } from './sloth.js';

export interface ImportOptions extends TranslateOptions {
  /** Only this tool's formats (`sloth` also reads the OpenSLO v1alpha form Sloth reads); all when undefined. */
  readonly from?: ForeignFormat;
}

export function importDocuments(docs: readonly ForeignDocument[], options: ImportOptions): Translation {
  const resources: ImportedResource[] = [];
  const issues: Issue[] = [];
  const sloth: ForeignDocument[] = [];
  const openslo: ForeignDocument[] = [];
  for (const doc of docs) {
    const format = foreignFormat(doc.value);
    const accepted =
      format !== undefined &&
      (options.from === undefined || format === options.from || (options.from === 'sloth' && doc.value.apiVersion === 'openslo/v1alpha'));
    if (!accepted) {
      const expected = options.from === 'openslo' ? 'an OpenSLO document (apiVersion openslo/v1 or openslo/v1alpha)' : options.from === 'sloth' ? 'a Sloth spec (version: prometheus/v1, or apiVersion sloth.slok.dev/v1 or openslo/v1alpha)' : 'a Sloth or OpenSLO document';
      issues.push(foreignIssue(doc, { kind: '', namespace: '', name: '' }, [], `not ${expected}`));
      continue;
    }
    (format === 'sloth' ? sloth : openslo).push(doc);
  }

  const period = parseDuration(options.slothPeriod);
  const periodMs = period.ok ? period.ms : 30 * 86_400_000;
  const catalog = new Map<number, SlothAlertWindows>();
  const kinds = sloth.map((doc) => slothKind(doc));
  sloth.forEach((doc, i) => {
    const kind = kinds[i]!;
    if (kind !== 'windows') return;
    const read = readAlertWindows(doc);
    if (read.ok) catalog.set(read.periodMs, read.windows);
  });
  const windows = catalog.get(periodMs) ?? slothDefaultWindows;
  const slothOptions = { ...options, slothPeriod: formatDuration(periodMs) };
  sloth.forEach((doc, i) => {
    const kind = kinds[i]!;
    let result: Translation;
    if (typeof kind === 'object') result = { resources: [], issues: [foreignIssue(doc, { kind: 'Sloth', namespace: '', name: '' }, [doc.value.apiVersion ? 'apiVersion' : 'version'], kind.error)] };
    else if (kind === 'windows') result = translateAlertWindows(doc, slothOptions);
    else result = translateServiceLevel(doc, kind, slothOptions, windows);
    resources.push(...result.resources);
    issues.push(...result.issues);
  });
  if (openslo.length) {
    const result = translateOpenSlo(openslo, options);
    resources.push(...result.resources);
    issues.push(...result.issues);
  }
  return { resources: withoutConflicts(resources, issues), issues };
}

/** Two source objects that map to one Vigil name would overwrite each other: the later one is an error. */
function withoutConflicts(resources: readonly ImportedResource[], issues: Issue[]): ImportedResource[] {
  const first = new Map<string, ImportedResource>();
  const reported = new Set<string>();
  const kept: ImportedResource[] = [];
  for (const r of resources) {
    const key = `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`;
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, r);
      kept.push(r);
      continue;
    }
    // An SLO's template, SLO and policies share its name: one line per pair of source documents.
    const pair = `${r.origin.file}#${r.origin.document}|${earlier.origin.file}#${earlier.origin.document}|${r.metadata.name.replace(/-(page|ticket)-(quick|slow)$/, '')}`;
    if (reported.has(pair)) continue;
    reported.add(pair);
    issues.push({
      level: 'error',
      kind: r.kind,
      namespace: r.metadata.namespace,
      name: r.metadata.name,
      path: '',
      message: `conflicting names: ${source(r)} gets the same Vigil name as ${source(earlier)} (${earlier.origin.file}:${earlier.origin.line}); rename one`,
      file: r.origin.file,
      document: r.origin.document,
      line: r.origin.line,
    });
  }
  return kept;
}

/** The source part of a resource's comment ("Sloth prometheus/v1, service x, SLO y"). */
const source = (r: ImportedResource): string => r.comment.split(': ')[0]!;
