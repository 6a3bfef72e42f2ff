/** What a command may touch of its process: output streams, environment and working directory. */
import { closeSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { fsErrorReason } from '../runtime/fs-errors.js';

export { fsErrorReason };

export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/**
 * Writes an output file atomically: beside the target under a temporary name, then renamed, so a reader
 * (or a Prometheus reload) never sees half a file. On failure nothing is left behind and the message names
 * the path and the reason.
 */
export function writeFileAtomically(target: string, chunks: Iterable<string>): { ok: true } | { ok: false; message: string } {
  try {
    if (statSync(target, { throwIfNoEntry: false })?.isDirectory()) return { ok: false, message: `cannot write ${target}: is a directory` };
  } catch (error) {
    return { ok: false, message: `cannot write ${target}: ${fsErrorReason(error)}` };
  }
  const temporary = `${target}.tmp-${process.pid}`;
  let fd: number;
  try {
    fd = openSync(temporary, 'w');
  } catch (error) {
    return { ok: false, message: `cannot write ${target}: ${fsErrorReason(error)}` };
  }
  try {
    try {
      for (const chunk of chunks) writeSync(fd, chunk);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, target);
    return { ok: true };
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // already gone
    }
    return { ok: false, message: `cannot write ${target}: ${fsErrorReason(error)}` };
  }
}
