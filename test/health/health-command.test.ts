import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/health.js';
import type { CommandIo } from '../../src/cli/io.js';
import { tempDir } from '../support/processes.js';
import { prng } from './synthetic-mesh.js';

function io(cwd: string): CommandIo & { out: string; err: string } {
  const captured = { out: '', err: '' };
  return Object.assign(captured, {
    stdout: (s: string) => void (captured.out += s),
    stderr: (s: string) => void (captured.err += s),
    env: {},
    cwd,
  });
}

describe('vigil health replay', () => {
  let dir: { path: string; remove(): Promise<void> };
  beforeEach(async () => {
    dir = await tempDir('health-cmd');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('replays 20,000 rows, one output row per input row', async () => {
    const random = prng(42);
    const t0 = Date.UTC(2015, 1, 26, 21, 42, 53);
    const lines = ['timestamp,value'];
    for (let i = 0; i < 20_000; i++) {
      const iso = new Date(t0 + i * 300_000).toISOString();
      lines.push(`${iso.slice(0, 10)} ${iso.slice(11, 19)},${Math.round(100 + 40 * Math.sin(i / 46) + 20 * random())}`);
    }
    await writeFile(join(dir.path, 'in.csv'), lines.join('\n'));
    const cmdIo = io(dir.path);
    // Speed is measured by `npm run bench health-replay` (target under 2 s), not asserted on a shared machine.
    const code = await run(['replay', '--input', 'in.csv', '--output', 'out.csv'], cmdIo);
    expect(cmdIo.err).toBe('');
    expect(code).toBe(0);
    const out = (await readFile(join(dir.path, 'out.csv'), 'utf8')).trimEnd().split('\n');
    expect(out).toHaveLength(20_001);
    expect(out[1]!.startsWith(`${lines[1]},`)).toBe(true);
    expect(out[20_000]!.startsWith(`${lines[20_000]},`)).toBe(true);
  });

  it.each([
    { name: 'no subcommand', argv: [], code: 2, stream: 'out', text: 'usage' },
    { name: 'unknown subcommand', argv: ['rewind'], code: 2, stream: 'err', text: 'unknown subcommand' },
    { name: 'missing output', argv: ['replay', '--input', 'x.csv'], code: 2, stream: 'err', text: '--input and --output are required' },
    { name: 'unknown flag', argv: ['replay', '--fast'], code: 2, stream: 'err', text: 'unknown argument "--fast"' },
    { name: 'missing input file', argv: ['replay', '--input', 'nope.csv', '--output', 'o.csv'], code: 1, stream: 'err', text: 'cannot read' },
    { name: 'help', argv: ['replay', '--help'], code: 0, stream: 'out', text: 'usage' },
  ])('$name → exit $code', async ({ argv, code, stream, text }) => {
    const cmdIo = io(dir.path);
    expect(await run(argv, cmdIo)).toBe(code);
    expect(stream === 'out' ? cmdIo.out : cmdIo.err).toContain(text);
  });

  it('reports bad rows as file:line and writes nothing', async () => {
    await writeFile(join(dir.path, 'bad.csv'), 'timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:05:00,x\n');
    const cmdIo = io(dir.path);
    expect(await run(['replay', '--input=bad.csv', '--output=o.csv'], cmdIo)).toBe(1);
    expect(cmdIo.err).toContain('bad.csv:3: value "x" is not a number');
    await expect(readFile(join(dir.path, 'o.csv'), 'utf8')).rejects.toThrow();
  });
});
