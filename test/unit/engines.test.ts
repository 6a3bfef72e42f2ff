/**
 * Every locked package runs on the Node the project targets: `npm ci` would warn EBADENGINE otherwise
 * (content-disposition@3 and cookie@2 asked for Node 22; package.json `overrides` pins Node 20 versions).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
// semver is what npm itself uses to check `engines` (here through a development dependency's tree).
const { satisfies } = createRequire(import.meta.url)('semver') as { satisfies(version: string, range: string): boolean };

it('every package in package-lock.json admits the Node running the tests (Node 20 in CI)', () => {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> };
  const ranges = Object.entries(lock.packages).flatMap(([path, p]) => (p.engines && !Array.isArray(p.engines) && p.engines.node ? [[path, p.engines.node] as const] : []));
  expect(ranges.length).toBeGreaterThan(50);
  const refused = ranges.filter(([, range]) => !satisfies(process.versions.node, range)).map(([path, range]) => `${path} needs node ${range}`);
  expect(refused).toEqual([]);
});
