/**
 * `--source dir:PATH`: every *.yaml / *.yml file under PATH (recursively; dot-directories such as .git are
 * skipped), each possibly holding several YAML documents. Watched with fs.watch (debounced) and rescanned
 * periodically as a safety net (editors that replace files, network filesystems, lost events).
 *
 * A file that no longer parses keeps its last good resources in play (their rules stay), and every
 * resource it held reports the problem with file and line; so does a log line and the
 * vigil_source_broken_files gauge. Each resource keeps its origin (file, document index, line).
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { importDocuments } from '../import/import.js';
import { defaultTranslateOptions, foreignFormat } from '../import/imported.js';
import { parseResourcesYaml } from '../model/parse-yaml.js';
import type { Logger } from '../observability/logger.js';
import type { ControllerMetrics } from '../observability/controller-metrics.js';
import { isResourceKind, type CompileIssue, type ResourceKind, type SourcedResource } from './compile-contract.js';
import { refKey, refOf, type ChangeListener, type ResourceRef, type Source } from './source.js';

export interface DirectorySourceOptions {
  readonly root: string;
  readonly logger: Logger;
  readonly metrics?: ControllerMetrics;
  /** Quiet time after a filesystem event before rescanning. Default 100 ms. */
  readonly debounceMs?: number;
  /** Full rescan interval. Default 30 s; 0 disables. */
  readonly rescanMs?: number;
  /** Use fs.watch (default true); without it only the periodic rescan notices changes. */
  readonly watch?: boolean;
  readonly defaultNamespace?: string;
  /** Files or directories of built-in resources (templates, policy sets); the user's resources win. */
  readonly builtinPaths?: readonly string[];
}

/** API groups whose manifests are read: Vigil's, and Calisti's for users moving over. */
export const acceptedGroups = ['sre.vigil.dev', 'sre.smm.cisco.com'];

interface FileProblem {
  readonly message: string;
  readonly line?: number;
}

interface FileState {
  readonly mtimeMs: number;
  readonly size: number;
  readonly builtin: boolean;
  /** Last good parse (kept when the file breaks). */
  readonly resources: readonly SourcedResource[];
  readonly problem?: FileProblem;
}

export interface ParsedFile {
  readonly resources: SourcedResource[];
  /** Set when the file does not parse: its last good resources stay in use. */
  readonly problem?: FileProblem;
  /** Documents skipped for other reasons (no name, not an object…), as warnings. */
  readonly skipped: FileProblem[];
}

/** Parses one multi-document YAML file into Vigil resources with their origin (pure). */
export function parseResourceFile(file: string, text: string, defaultNamespace = 'default'): ParsedFile {
  const parsed = parseResourcesYaml(text, file, defaultNamespace, (value) => foreignFormat(value) !== undefined);
  const yamlError = parsed.issues.find((i) => i.level === 'error' && i.message.startsWith('YAML'));
  if (yamlError) return { resources: [], skipped: [], problem: { message: yamlError.message, ...(yamlError.line !== undefined ? { line: yamlError.line } : {}) } };
  // Sloth and OpenSLO documents are converted as `vigil import` would (references within this file only);
  // an SLO they cannot express is skipped with the reason.
  const converted = parsed.foreign.length ? importDocuments(parsed.foreign, { ...defaultTranslateOptions, namespace: defaultNamespace }) : { resources: [], issues: [] };
  const resources = [...parsed.resources, ...converted.resources].filter((r) => acceptedGroups.includes(r.apiVersion.split('/')[0]!) && isResourceKind(r.kind));
  const skipped = [...parsed.issues, ...converted.issues].map((i) => ({ message: i.message, ...(i.line !== undefined ? { line: i.line } : {}) }));
  return { resources, skipped };
}

export class DirectorySource implements Source {
  private readonly files = new Map<string, FileState>();
  private resources = new Map<string, { resource: SourcedResource; json: string; file: string; problem: string }>();
  private readonly duplicates = new Map<string, string[]>();
  private onChange: ChangeListener | undefined;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  readonly stats = { scans: 0, parses: 0 };

  constructor(private readonly options: DirectorySourceOptions) {}

  async start(onChange: ChangeListener): Promise<void> {
    this.onChange = onChange;
    await this.rescan();
    if (this.options.watch !== false) this.startWatching();
    const every = this.options.rescanMs ?? 30_000;
    if (every > 0) {
      this.rescanTimer = setInterval(() => void this.rescan(), every);
      this.rescanTimer.unref?.();
    }
  }

  private startWatching(): void {
    try {
      this.watcher = watch(this.options.root, { recursive: true }, () => this.schedule());
      this.watcher.on('error', (error) => this.options.logger.warn({ err: String(error) }, 'directory watch failed; relying on periodic rescans'));
    } catch (error) {
      this.options.logger.warn({ err: String(error) }, 'cannot watch the directory; relying on periodic rescans');
    }
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.rescan(), this.options.debounceMs ?? 100);
  }

  /** Scans now (serialised: a request during a scan runs one more scan after it). */
  rescan(): Promise<void> {
    if (this.scanning) {
      this.again = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      do {
        this.again = false;
        try {
          await this.scanOnce();
        } catch (error) {
          this.options.logger.error({ err: String(error), root: this.options.root }, 'directory scan failed');
        }
      } while (this.again && !this.closed);
    })().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    this.stats.scans++;
    const { root, logger, metrics } = this.options;
    const userPaths = await listYamlFiles(root);
    const builtinPaths = (await Promise.all((this.options.builtinPaths ?? []).map((p) => listYamlFiles(p)))).flat();
    const builtin = new Set(builtinPaths);
    const paths = [...userPaths, ...builtinPaths];
    const present = new Set(paths);
    let changed = false;
    for (const file of [...this.files.keys()]) {
      if (!present.has(file)) {
        this.files.delete(file);
        changed = true;
      }
    }
    for (const file of paths) {
      let info;
      try {
        info = await stat(file);
      } catch {
        continue; // vanished between listing and stat
      }
      const before = this.files.get(file);
      if (before && before.mtimeMs === info.mtimeMs && before.size === info.size) continue;
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        logger.warn({ file, err: String(error) }, 'cannot read resource file');
        continue;
      }
      this.stats.parses++;
      const rel = builtin.has(file) ? `(built-in) ${file}` : relative(root, file) || file;
      const parsed = parseResourceFile(rel, text, this.options.defaultNamespace);
      if (parsed.problem) {
        metrics?.parseErrors.inc();
        logger.error(
          { file: rel, line: parsed.problem.line, err: parsed.problem.message, kept: (before?.resources ?? []).map((r) => refKey(refOf(r))) },
          'resource file does not parse; keeping the last good version of its resources',
        );
        this.files.set(file, { mtimeMs: info.mtimeMs, size: info.size, builtin: builtin.has(file), resources: before?.resources ?? [], problem: parsed.problem });
      } else {
        if (before?.problem) logger.info({ file: rel }, 'resource file parses again');
        for (const s of parsed.skipped) logger.warn({ file: rel, line: s.line }, s.message);
        this.files.set(file, { mtimeMs: info.mtimeMs, size: info.size, builtin: builtin.has(file), resources: parsed.resources });
      }
      changed = true;
    }
    metrics?.brokenFiles.set([...this.files.values()].filter((f) => f.problem).length);
    if (changed) this.rebuild();
  }

  private rebuild(): void {
    const next = new Map<string, { resource: SourcedResource; json: string; file: string; problem: string }>();
    const previousDuplicates = new Map(this.duplicates);
    this.duplicates.clear();
    const ordered = [...this.files.keys()].sort((a, b) => Number(this.files.get(a)!.builtin) - Number(this.files.get(b)!.builtin) || a.localeCompare(b));
    for (const file of ordered) {
      const state = this.files.get(file)!;
      for (const resource of state.resources) {
        const key = refKey(refOf(resource));
        const existing = next.get(key);
        if (existing && state.builtin) continue; // the user's version overrides a built-in one
        if (existing) {
          this.duplicates.set(key, [...(this.duplicates.get(key) ?? [existing.resource.origin?.file ?? existing.file]), resource.origin?.file ?? file]);
          continue;
        }
        next.set(key, { resource, json: JSON.stringify(resource), file, problem: this.problemKey(file) });
      }
    }
    const changedKeys = new Set<string>();
    for (const [key, entry] of next) {
      const old = this.resources.get(key);
      if (!old || old.json !== entry.json || old.problem !== entry.problem) changedKeys.add(key);
    }
    for (const key of this.resources.keys()) if (!next.has(key)) changedKeys.add(key);
    for (const key of new Set([...previousDuplicates.keys(), ...this.duplicates.keys()])) {
      if (JSON.stringify(previousDuplicates.get(key)) !== JSON.stringify(this.duplicates.get(key))) changedKeys.add(key);
    }
    // A file that broke or recovered changes the problems of all its resources.
    this.resources = next;
    for (const key of changedKeys) {
      const [kind, namespace, name] = key.split('/') as [ResourceKind, string, string];
      this.onChange?.({ kind, namespace, name });
    }
  }

  private problemKey(file: string): string {
    return JSON.stringify(this.files.get(file)?.problem ?? null);
  }

  get(ref: ResourceRef): SourcedResource | undefined {
    return this.resources.get(refKey(ref))?.resource;
  }

  list(kind?: ResourceKind): readonly SourcedResource[] {
    const all = [...this.resources.values()].map((e) => e.resource);
    return kind ? all.filter((r) => r.kind === kind) : all;
  }

  problems(ref: ResourceRef): readonly CompileIssue[] {
    const key = refKey(ref);
    const entry = this.resources.get(key);
    const out: CompileIssue[] = [];
    if (entry) {
      const problem = this.files.get(entry.file)?.problem;
      const file = entry.resource.origin?.file ?? entry.file;
      if (problem) {
        out.push({ kind: ref.kind, namespace: ref.namespace, name: ref.name, path: '', level: 'error', file, ...(problem.line !== undefined ? { line: problem.line } : {}), message: `the file does not parse: ${problem.message}` });
      }
    }
    const dup = this.duplicates.get(key);
    if (dup) {
      out.push({ kind: ref.kind, namespace: ref.namespace, name: ref.name, path: 'metadata.name', level: 'error', message: `defined more than once (${dup.join(', ')}); the first (${dup[0]}) is used. Remove the others.` });
    }
    return out;
  }

  /** Files that do not parse, with why. */
  brokenFiles(): Array<{ file: string; message: string; line?: number }> {
    return [...this.files].flatMap(([file, s]) => (s.problem ? [{ file: relative(this.options.root, file), ...s.problem }] : []));
  }

  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.closed = true;
      if (this.debounce) clearTimeout(this.debounce);
      if (this.rescanTimer) clearInterval(this.rescanTimer);
      this.watcher?.close();
      await this.scanning;
    })());
  }
}

async function listYamlFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  try {
    if ((await stat(root)).isFile()) return [root];
  } catch {
    return [];
  }
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(path);
    }
  };
  await walk(root);
  return out.sort();
}
