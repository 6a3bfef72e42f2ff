/**
 * Issue 12 items 4 and 5: a YAML bomb, dangling or looping symlinks, unreadable files and FIFOs in the
 * resource directory. The CLI ends each in one line naming the path and the reason (never a stack trace,
 * never a hang); the directory source counts the broken file and keeps applying every other file's edits.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { ControllerMetrics } from '../../src/observability/controller-metrics.js';
import { DirectorySource } from '../../src/resources/directory-source.js';
import { waitFor } from '../support/processes.js';
import { slo, template } from './fixtures.js';
import { quietLogger } from './kube-harness.js';

const root = join(import.meta.dirname, '../..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bad-files-'));
  chmodSync(dir, 0o755);
  dirs.push(dir);
  return dir;
}

/** A "billion laughs" document: 9^9 strings once its aliases are expanded. */
const bomb = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)].join('\n');

/** Runs the real CLI as a child process, killed after 30 s (a FIFO used to make it hang forever). */
function vigil(args: string[], options: { cwd: string; asUnprivileged?: boolean }) {
  const asNobody = options.asUnprivileged && process.getuid?.() === 0;
  const result = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(root, 'src/cli/bin.ts'), ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, NODE_OPTIONS: '' },
    ...(asNobody ? { uid: 65534, gid: 65534 } : {}),
  });
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** In-process, for the cases that cannot hang (a child process costs seconds of transpiling). */
async function vigilInProcess(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: {}, cwd });
  return { code, stdout, stderr };
}

describe('vigil validate over bad files', () => {
  it('a YAML bomb is one error with file and line; the other files are still read (item 4)', async () => {
    const dir = workspace();
    writeFileSync(join(dir, 'bomb.yaml'), bomb);
    writeFileSync(join(dir, 'slos.yaml'), `${stringify(template('availability'))}---\n${stringify(slo('checkout'))}---\n`);
    const r = await vigilInProcess(['validate', '-f', '.'], dir);
    expect(r.stdout).toContain('bomb.yaml:1 (document 1): error: YAML: too many alias expansions (more than 100; a YAML bomb?)\n');
    expect(r.stdout).toContain('1 valid SLO(s)');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  });

  it('dangling and looping symlinks, a FIFO and a symlinked directory cycle: one line each, no hang (item 5)', () => {
    const dir = workspace();
    writeFileSync(join(dir, 'slos.yaml'), `${stringify(template('availability'))}---\n${stringify(slo('checkout'))}`);
    symlinkSync(join(dir, 'missing.yaml'), join(dir, 'dangling.yaml'));
    symlinkSync(join(dir, 'loop.yaml'), join(dir, 'loop.yaml'));
    expect(spawnSync('mkfifo', [join(dir, 'fifo.yaml')]).status).toBe(0);
    mkdirSync(join(dir, 'sub'));
    symlinkSync('..', join(dir, 'sub', 'up')); // a directory cycle
    const r = vigil(['validate', '-f', '.'], { cwd: dir });
    expect(r.signal).toBeNull();
    expect(r.stdout.split('\n').filter((l) => /dangling|loop|fifo/.test(l))).toEqual([
      'dangling.yaml:1: error: cannot read: dangling symbolic link',
      'fifo.yaml:1: warning: skipped: a FIFO, not a regular file',
      'loop.yaml:1: error: cannot read: symbolic link loop',
    ]);
    expect(r.stdout).toContain('1 valid SLO(s)');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  });

  it('generate -f FIFO and -f with a too-long name are one line each, exit 1 (item 5)', async () => {
    const dir = workspace();
    expect(spawnSync('mkfifo', [join(dir, 'fifo.yaml')]).status).toBe(0);
    const fifo = vigil(['generate', '-f', 'fifo.yaml', '--no-builtins', '--check-rules', 'none'], { cwd: dir });
    expect(fifo.signal).toBeNull();
    expect(fifo.stderr).toContain('fifo.yaml:1: error: cannot read: a FIFO, not a regular file or directory\n');
    expect(fifo.code).toBe(1);
    const long = await vigilInProcess(['validate', '-f', `${'a'.repeat(300)}.yaml`], dir);
    expect(long.stdout).toContain(`${'a'.repeat(300)}.yaml:1: error: cannot read: file name too long\n`);
    expect(long.stderr).toBe('');
    expect(long.code).toBe(1);
  });

  it('an unreadable file is one line naming it (item 5)', () => {
    const dir = workspace();
    writeFileSync(join(dir, 'secret.yaml'), stringify(slo('checkout')));
    chmodSync(join(dir, 'secret.yaml'), 0o000);
    if (process.getuid?.() === 0) chownSync(join(dir, 'secret.yaml'), 0, 0);
    const r = vigil(['validate', '-f', '.', '--no-builtins'], { cwd: dir, asUnprivileged: true });
    expect(r.stdout).toContain('secret.yaml:1: error: cannot read: permission denied\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  });
});

describe('directory source over bad files', () => {
  it('a YAML bomb is one broken file; other files\' edits keep applying (item 4)', async () => {
    const dir = workspace();
    const metrics = new ControllerMetrics();
    const source = new DirectorySource({ root: dir, logger: quietLogger, metrics, watch: false, rescanMs: 100 });
    try {
      await writeFile(join(dir, 'templates.yaml'), stringify(template('availability')));
      await writeFile(join(dir, 'bomb.yaml'), bomb);
      await writeFile(join(dir, 'slos.yaml'), stringify(slo('checkout', { goal: '99' })));
      await source.start(() => undefined);
      const ref = { kind: 'ServiceLevelObjective' as const, namespace: 'team-a', name: 'checkout' };
      expect((source.get(ref)!.spec as { slo: { goal: string } }).slo.goal).toBe('99');
      expect(source.brokenFiles()).toEqual([{ file: 'bomb.yaml', line: 1, message: expect.stringContaining('too many alias expansions') }]);
      expect((await metrics.brokenFiles.get()).values[0]!.value).toBe(1);

      await writeFile(join(dir, 'slos.yaml'), stringify(slo('checkout', { goal: '98' })));
      await waitFor('edit applied', async () => (source.get(ref)!.spec as { slo: { goal: string } }).slo.goal === '98', { timeoutMs: 5_000, intervalMs: 20 });

      // A FIFO and a dangling link appearing later do not stall the scans either.
      spawnSync('mkfifo', [join(dir, 'fifo.yaml')]);
      symlinkSync(join(dir, 'gone.yaml'), join(dir, 'dangling.yaml'));
      await writeFile(join(dir, 'slos.yaml'), stringify(slo('checkout', { goal: '97' })));
      await waitFor('edit applied past the FIFO', async () => (source.get(ref)!.spec as { slo: { goal: string } }).slo.goal === '97', { timeoutMs: 5_000, intervalMs: 20 });
    } finally {
      await source.close();
    }
  });
});
