/** The one walk over resource files (src/resources/yaml-files.ts), on a real directory tree. */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listYamlFiles, listYamlFilesSync } from '../../src/resources/yaml-files.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-walk-'));
afterAll(() => {
  chmodSync(join(root, 'tree', 'locked'), 0o755);
  rmSync(root, { recursive: true, force: true });
});

const tree = join(root, 'tree');
for (const dir of ['tree/b', 'tree/a/deep', 'tree/.hidden', 'tree/locked', 'outside']) mkdirSync(join(root, dir), { recursive: true });
for (const file of ['tree/z.yaml', 'tree/b/one.yml', 'tree/a/deep/two.yaml', 'tree/a/notes.txt', 'tree/.hidden/skip.yaml', 'tree/.swap.yaml', 'tree/locked/x.yaml', 'outside/linked.yaml']) writeFileSync(join(root, file), 'kind: X\n');
symlinkSync(join(root, 'outside', 'linked.yaml'), join(tree, 'c-link.yaml'));
symlinkSync(join(root, 'outside'), join(tree, 'd-dir-link'));
symlinkSync(join(root, 'missing.yaml'), join(tree, 'e-dangling.yaml'));
execFileSync('mkfifo', [join(tree, 'f-fifo.yaml')]);
chmodSync(join(tree, 'locked'), 0o000);
const unreadableDirsWork = process.getuid?.() !== 0; // root reads a 000 directory anyway

describe.each([
  ['sync', async (path: string) => listYamlFilesSync(path)],
  ['async', listYamlFiles],
])('listYamlFiles (%s)', (_, list) => {
  it('lists regular YAML files depth first in name order, links to files too, nothing hidden or linked; reports the rest', async () => {
    const { files, problems } = await list(tree);
    expect(files.map((f) => f.slice(tree.length + 1))).toEqual(['a/deep/two.yaml', 'b/one.yml', 'c-link.yaml', ...(unreadableDirsWork ? [] : ['locked/x.yaml']), 'z.yaml']);
    expect(problems.map((p) => [p.path.slice(tree.length + 1), p.level, p.message])).toEqual([
      ['e-dangling.yaml', 'error', 'cannot read: dangling symbolic link'],
      ['f-fifo.yaml', 'warning', 'skipped: a FIFO, not a regular file'],
      ...(unreadableDirsWork ? [['locked', 'error', 'cannot read: permission denied']] : []),
    ]);
  });

  it('a missing root is a problem, not a throw; a file given directly is listed', async () => {
    expect(await list(join(root, 'nope'))).toEqual({ files: [], problems: [{ path: join(root, 'nope'), level: 'error', message: 'cannot read: no such file or directory' }] });
    expect(await list(join(tree, 'z.yaml'))).toEqual({ files: [join(tree, 'z.yaml')], problems: [] });
  });
});
