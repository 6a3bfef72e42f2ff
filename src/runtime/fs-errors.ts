/** File-system errors as short reasons for one-line messages (never a stack trace). */

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
