/**
 * Replay speed: 20,000 rows through `vigil health replay` (parse, score, format; in-process, file I/O
 * included). Target: under 2 s.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { run } from '../../src/cli/commands/health.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-replay-bench-'));
try {
  const t0 = Date.UTC(2015, 1, 26, 21, 42, 53);
  const lines = ['timestamp,value'];
  let x = 1;
  for (let i = 0; i < 20_000; i++) {
    x = (x * 16807) % 2147483647;
    const iso = new Date(t0 + i * 300_000).toISOString();
    lines.push(`${iso.slice(0, 10)} ${iso.slice(11, 19)},${Math.round(100 + 40 * Math.sin(i / 46) + 20 * (x / 2147483647))}`);
  }
  writeFileSync(join(dir, 'in.csv'), lines.join('\n'));
  const io = { stdout: (s: string) => process.stdout.write(s), stderr: (s: string) => process.stderr.write(s), env: {}, cwd: dir };
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const code = await run(['replay', '--input', 'in.csv', '--output', 'out.csv'], io);
    times.push(performance.now() - started);
    if (code !== 0) throw new Error(`replay exited ${code}`);
  }
  times.sort((a, b) => a - b);
  console.log(`replay 20,000 rows: median ${times[2]!.toFixed(0)} ms, best ${times[0]!.toFixed(0)} ms, worst ${times[4]!.toFixed(0)} ms (5 runs; target < 1000 ms, issue 11)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
