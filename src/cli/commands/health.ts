/**
 * `vigil health replay --input FILE.csv --output OUT.csv`: scores a recorded `timestamp,value` series with
 * the worker's scorer (default settings, direction `both`), causally, and writes
 * `timestamp,value,anomaly_score`, one row per input row in the same order.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatReplayCsv, parseSeriesCsv, replayScores } from '../../health/replay.js';
import { fsErrorReason, writeFileAtomically, type CommandIo } from '../io.js';

const USAGE = `usage: vigil health replay --input FILE.csv --output OUT.csv

Scores a recorded series (CSV with header "timestamp,value") with the health scorer, causally and with
default settings (both directions are bad), and writes
"timestamp,value,anomaly_score" (0..1, 1 = most anomalous), one row per input row in the same order.

Timestamps are UTC: "YYYY-MM-DD HH:MM[:SS[.fff]]" or ISO 8601 "YYYY-MM-DDTHH:MM[:SS[.fff]]" with an
optional "Z" or "+00:00" (other offsets are refused).
`;

function parseFlags(argv: readonly string[]): { input?: string; output?: string; help: boolean; error?: string } {
  const out: { input?: string; output?: string; help: boolean; error?: string } = { help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--help' || flag === '-h') out.help = true;
    else if (flag === '--input' || flag === '-i' || flag === '--output' || flag === '-o') {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') return { ...out, error: `${flag} needs a value` };
      if (flag.startsWith('--i') || flag === '-i') out.input = value;
      else out.output = value;
    } else return { ...out, error: `unknown argument "${arg}"` };
  }
  return out;
}

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'replay') {
    io.stderr(`vigil health: unknown subcommand "${sub}"\n${USAGE}`);
    return 2;
  }
  const flags = parseFlags(rest);
  if (flags.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (flags.error || !flags.input || !flags.output) {
    io.stderr(`vigil health replay: ${flags.error ?? '--input and --output are required'}\n${USAGE}`);
    return 2;
  }
  const inputPath = resolve(io.cwd, flags.input);
  let text: string;
  try {
    text = await readFile(inputPath, 'utf8');
  } catch (error) {
    io.stderr(`vigil health replay: cannot read ${inputPath}: ${fsErrorReason(error)}\n`);
    return 1;
  }
  const parsed = parseSeriesCsv(text);
  if (!parsed.ok) {
    for (const issue of parsed.issues.slice(0, 20)) io.stderr(`${inputPath}:${issue.line}: ${issue.message}\n`);
    if (parsed.issues.length > 20) io.stderr(`… and ${parsed.issues.length - 20} more\n`);
    return 1;
  }
  const outputPath = resolve(io.cwd, flags.output);
  const written = writeFileAtomically(outputPath, [formatReplayCsv(parsed.rows, replayScores(parsed.rows))]);
  if (!written.ok) {
    io.stderr(`vigil health replay: ${written.message}\n`);
    return 1;
  }
  return 0;
}
