/** The one walk over resource files (src/resources/walk.ts), on a real directory tree. */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { yamlFiles } from '../../src/resources/walk.js';

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

describe('yamlFiles', () => {
  it('lists regular YAML files depth first in name order, links to files too, nothing hidden, linked or special', () => {
    const seen: string[] = [];
    const files = yamlFiles(tree, { onUnreadable: (dir) => seen.push(dir) });
    expect(files.map((f) => f.slice(tree.length + 1))).toEqual(['a/deep/two.yaml', 'b/one.yml', 'c-link.yaml', ...(unreadableDirsWork ? [] : ['locked/x.yaml']), 'z.yaml']);
    expect(seen).toEqual(unreadableDirsWork ? [join(tree, 'locked')] : []);
  });

  it('throws on an unreadable directory unless told what to do with it, so a command never drops files silently', () => {
    if (unreadableDirsWork) expect(() => yamlFiles(tree)).toThrow(/EACCES/);
    expect(() => yamlFiles(join(root, 'nope'))).toThrow(/ENOENT/);
  });

  it('returns a file path given directly', () => {
    expect(yamlFiles(join(tree, 'z.yaml'))).toEqual([join(tree, 'z.yaml')]);
  });
});
