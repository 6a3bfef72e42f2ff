/**
 * The folders of src/ are layers (ARCHITECTURE.md, "Folders and layers"): a file may import from its own folder
 * and from folders of a lower layer, never from its own layer's other folders or from above. This test parses
 * every relative import of src/**\/*.ts and fails on an import that runs sideways or upward, on a folder-level
 * cycle, and on a folder that has no layer yet; each failure names the file and the import.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const src = join(repo, 'src');

/** Layer of each folder of src/, lowest first. Folders of one layer may not import each other. */
const layers: Readonly<Record<string, number>> = {
  // the pure core: data in, data out
  model: 0,
  promql: 1,
  rules: 2,
  budget: 3,
  health: 3,
  import: 3,
  // process plumbing that knows nothing of SLOs
  config: 4,
  observability: 4,
  runtime: 4,
  // one adapter per external system
  kube: 5,
  prometheus: 5,
  redis: 5,
  // resources in, catalog and results out
  resources: 6,
  catalog: 6,
  export: 6,
  sink: 7,
  history: 7,
  // the roles
  controller: 8,
  worker: 8,
  api: 8,
  // the library entry point and the command line over it
  'index.ts': 9,
  cli: 10,
  demo: 11,
};

interface FolderImport {
  readonly file: string;
  readonly spec: string;
  readonly from: string;
  readonly to: string;
}

const importPattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]+)\1/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

/** The first path segment below src/ (a folder, or a file that sits in src/ itself). */
function folderOf(path: string): string {
  return relative(src, path).split(sep)[0]!;
}

/** Every relative import of src/ that crosses from one folder into another (or out of src/). */
function crossFolderImports(files: readonly string[] = sourceFiles(src)): FolderImport[] {
  const found: FolderImport[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(importPattern)) {
      const spec = match[2]!;
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      const from = folderOf(file);
      const to = relative(src, target).startsWith('..') ? `outside src: ${relative(repo, target)}` : folderOf(target);
      if (from !== to) found.push({ file: relative(repo, file), spec, from, to });
    }
  }
  return found;
}

/** Imports that break the layering: sideways, upward, out of src/, or from or into a folder with no layer. */
function layeringViolations(imports: readonly FolderImport[], table: Readonly<Record<string, number>> = layers): string[] {
  const problems: string[] = [];
  for (const { file, spec, from, to } of imports) {
    const fromLayer = table[from];
    const toLayer = table[to];
    if (fromLayer === undefined) problems.push(`${file}: folder src/${from} has no layer (add it to layers in test/unit/layers.test.ts and to ARCHITECTURE.md)`);
    else if (toLayer === undefined) problems.push(`${file} imports '${spec}': ${to.startsWith('outside') ? to : `src/${to} has no layer`}`);
    else if (toLayer >= fromLayer) {
      const direction = toLayer === fromLayer ? 'sideways, within layer' : 'upward, to layer';
      problems.push(`${file} imports '${spec}': src/${from} (layer ${fromLayer}) may not import src/${to} (${direction} ${toLayer})`);
    }
  }
  return problems;
}

/** Folder-level cycles (each as a path a → b → … → a), found by depth-first search over the folder graph. */
function folderCycles(imports: readonly FolderImport[]): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const { from, to } of imports) {
    if (!graph.has(from)) graph.set(from, new Set());
    graph.get(from)!.add(to);
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (folder: string): void => {
    state.set(folder, 'open');
    path.push(folder);
    for (const next of [...(graph.get(folder) ?? [])].sort()) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    path.pop();
    state.set(folder, 'done');
  };
  for (const folder of [...graph.keys()].sort()) if (!state.has(folder)) visit(folder);
  return cycles;
}

describe('layers of src/', () => {
  const imports = crossFolderImports();

  it('reads the imports of src/', () => {
    expect(imports.length).toBeGreaterThan(100);
    expect(imports).toContainEqual(expect.objectContaining({ file: 'src/rules/compile.ts', from: 'rules', to: 'model' }));
  });

  it('gives every folder of src/ a layer', () => {
    const folders = new Set(sourceFiles(src).map(folderOf));
    expect([...folders].filter((name) => layers[name] === undefined)).toEqual([]);
  });

  it('has no import that runs sideways or upward', () => {
    expect(layeringViolations(imports)).toEqual([]);
  });

  it('has no folder-level import cycle', () => {
    expect(folderCycles(imports).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('names the file and the import of a violation, and finds a cycle', () => {
    const upward: FolderImport = { file: 'src/rules/x.ts', spec: '../worker/y.js', from: 'rules', to: 'worker' };
    const sideways: FolderImport = { file: 'src/api/a.ts', spec: '../worker/b.js', from: 'api', to: 'worker' };
    const back: FolderImport = { file: 'src/worker/b.ts', spec: '../api/a.js', from: 'worker', to: 'api' };
    expect(layeringViolations([upward])).toEqual(["src/rules/x.ts imports '../worker/y.js': src/rules (layer 2) may not import src/worker (upward, to layer 8)"]);
    expect(layeringViolations([sideways])[0]).toContain('sideways');
    expect(layeringViolations([{ file: 'src/new/a.ts', spec: '../model/m.js', from: 'new', to: 'model' }])[0]).toContain('src/new has no layer');
    expect(folderCycles([sideways, back, upward])).toEqual([['api', 'worker', 'api']]);
  });
});

describe('the demo', () => {
  it('is imported by nothing in src/, test/support or the tests of other parts (test/deploy and test/soak run it)', () => {
    const roots = [src, join(repo, 'test')];
    const offenders: string[] = [];
    for (const file of roots.flatMap(sourceFiles)) {
      const path = relative(repo, file);
      // The demo's own tests live in test/deploy; the whole-system fault tests in test/soak scrape its mesh
      // simulator; deploy/ runs the demo.
      if (path.startsWith(`src${sep}demo${sep}`) || path.startsWith(`test${sep}deploy${sep}`) || path.startsWith(`test${sep}soak${sep}`)) continue;
      for (const match of readFileSync(file, 'utf8').matchAll(importPattern)) {
        const target = relative(repo, resolve(dirname(file), match[2]!));
        if (target.startsWith(`src${sep}demo${sep}`)) offenders.push(`${path} imports '${match[2]}'`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
