/** What a command may touch of its process: output streams, environment and working directory. */
import { closeSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';

export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

const reasons: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  EEXIST: 'already exists',
};

/** A file-system error as a short reason for a one-line message ("permission denied"), never a stack. */
export function fsErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code && reasons[code]) return reasons[code]!;
  const message = error instanceof Error ? error.message : String(error);
  // Node's messages repeat the path ("EACCES: permission denied, open '/x'"): keep the reason only.
  return message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/s, '').split('\n')[0] ?? message;
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
