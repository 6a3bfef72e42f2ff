/** Reads resource files and directories (recursively, *.yaml/*.yml) for the Git-mode commands. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Issue } from '../model/issue.js';
import { importDocuments, type ImportOptions } from '../import/import.js';
import { defaultTranslateOptions, foreignFormat } from '../import/imported.js';
import { parseResourcesYaml, type RawDocument } from '../model/parse-yaml.js';
import { refKey, type SourcedResource } from '../model/resource.js';

export interface LoadedResources {
  readonly resources: SourcedResource[];
  readonly issues: Issue[];
  /** The user's files read (the built-in ones are counted apart). */
  readonly files: number;
  readonly builtinFiles: number;
}

function yamlFiles(path: string): string[] {
  const stat = statSync(path);
  if (stat.isFile()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      if (entry.name.startsWith('.')) return [];
      const child = join(path, entry.name);
      if (entry.isDirectory()) return yamlFiles(child);
      return /\.ya?ml$/.test(entry.name) ? [child] : [];
    });
}

/** Built-in templates and policy sets shipped with Vigil (sli-templates/, alert-rules/ policy files). */
export const builtinPaths = [
  fileURLToPath(new URL('../../sli-templates/', import.meta.url)),
  fileURLToPath(new URL('../../alert-rules/workbook-policies.yaml', import.meta.url)),
];

export interface LoadOptions {
  readonly builtins?: boolean;
  /**
   * How Sloth and OpenSLO documents are converted (they are read in place, as `vigil import` would convert
   * them); `from` restricts the formats accepted and makes Vigil resources an error (for `vigil import`).
   */
  readonly foreign?: ImportOptions;
}

export function loadResources(paths: readonly string[], cwd: string, options: LoadOptions = {}): LoadedResources {
  const resources: SourcedResource[] = [];
  const issues: Issue[] = [];
  const foreign: RawDocument[] = [];
  const importOptions: ImportOptions = options.foreign ?? defaultTranslateOptions;
  const claim = (value: Readonly<Record<string, unknown>>) => importOptions.from !== undefined || foreignFormat(value) !== undefined;
  let files = 0;
  const read = (paths: readonly string[], display: (file: string) => string): number => {
    const filesBefore = files;
    for (const path of paths) {
      let list: string[];
      try {
        list = yamlFiles(resolve(cwd, path));
      } catch (error) {
        issues.push({ level: 'error', kind: '', namespace: '', name: '', path: '', file: path, message: `cannot read: ${(error as Error).message}` });
        continue;
      }
      for (const file of list) {
        files++;
        const parsed = parseResourcesYaml(readFileSync(file, 'utf8'), display(file), 'default', claim);
        resources.push(...parsed.resources);
        issues.push(...parsed.issues);
        foreign.push(...parsed.foreign);
      }
    }
    return files - filesBefore;
  };
  const userFiles = read(paths, (file) => relative(cwd, file) || file);
  let builtinFiles = 0;
  if (foreign.length > 0) {
    // All files at once: OpenSLO SLOs may name SLIs and alert policies defined in other files.
    const converted = importDocuments(foreign, importOptions);
    resources.push(...converted.resources);
    issues.push(...converted.issues);
  }
  if (options.builtins ?? true) {
    // User files win over built-ins of the same kind and name, so a team can override a shipped template.
    const userKeys = new Set(resources.map((r) => `${r.kind}/${refKey(r.metadata)}`));
    const before = resources.length;
    builtinFiles = read(builtinPaths, (file) => `(built-in) ${relative(fileURLToPath(new URL('../../', import.meta.url)), file)}`);
    const builtins = resources.splice(before).filter((r) => !userKeys.has(`${r.kind}/${refKey(r.metadata)}`));
    resources.push(...builtins);
  }
  return { resources, issues, files: userFiles, builtinFiles };
}
