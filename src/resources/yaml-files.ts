/**
 * Finding and reading resource files, shared by the Git-mode commands (sync) and the directory source
 * (async). Every file-system surprise ends as a per-path problem, never a throw, a hang or a loop:
 * dangling or looping symlinks and unreadable directories are reported and skipped; FIFOs, sockets and
 * devices named `*.yaml` are skipped with a warning and never opened for reading (a FIFO would block);
 * a file is opened non-blocking and checked to be a regular file before it is read; files above
 * MAX_RESOURCE_FILE_BYTES are refused; directory cycles through symlinks are walked once.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsErrorReason } from '../runtime/fs-errors.js';

/** The largest resource file read (16 MiB: about 40,000 SLOs); larger ones are errors, not memory spikes. */
export const MAX_RESOURCE_FILE_BYTES = 16 * 1024 * 1024;

export interface PathProblem {
  readonly path: string;
  readonly level: 'error' | 'warning';
  readonly message: string;
}

export interface YamlFileList {
  readonly files: string[];
  readonly problems: PathProblem[];
}

const yamlName = /\.ya?ml$/;

function kindOf(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function statProblem(path: string, error: unknown, symlink: boolean): PathProblem {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = symlink && code === 'ENOENT' ? 'dangling symbolic link' : symlink && code === 'ELOOP' ? 'symbolic link loop' : fsErrorReason(error);
  return { path, level: 'error', message: `cannot read: ${reason}` };
}

interface Walk {
  readonly files: string[];
  readonly problems: PathProblem[];
  readonly visited: Set<string>;
}

/** What to do with one directory entry, given its (followed) stat or the error getting it. */
function classify(walk: Walk, path: string, name: string, info: Stats | undefined, error: unknown, symlink: boolean): 'descend' | 'skip' {
  if (!info) {
    if (yamlName.test(name) || !symlink) walk.problems.push(statProblem(path, error, symlink));
    return 'skip';
  }
  if (info.isDirectory()) {
    const id = `${info.dev}:${info.ino}`;
    if (walk.visited.has(id)) return 'skip'; // a symlink back up the tree: walked already
    walk.visited.add(id);
    return 'descend';
  }
  if (!yamlName.test(name)) return 'skip';
  if (info.isFile()) walk.files.push(path);
  else walk.problems.push({ path, level: 'warning', message: `skipped: ${kindOf(info)}, not a regular file` });
  return 'skip';
}

function rootProblem(root: string, info: Stats | undefined, error: unknown): PathProblem | undefined {
  if (!info) return { path: root, level: 'error', message: `cannot read: ${fsErrorReason(error)}` };
  if (!info.isFile() && !info.isDirectory()) return { path: root, level: 'error', message: `cannot read: ${kindOf(info)}, not a regular file or directory` };
  return undefined;
}

/** The *.yaml / *.yml files under `root` (or `root` itself when it is a file), sorted, and the problems met. */
export function listYamlFilesSync(root: string): YamlFileList {
  const walk: Walk = { files: [], problems: [], visited: new Set() };
  let rootInfo: Stats | undefined;
  let rootError: unknown;
  try {
    rootInfo = statSync(root);
  } catch (error) {
    rootError = error;
  }
  const problem = rootProblem(root, rootInfo, rootError);
  if (problem) return { files: [], problems: [problem] };
  if (rootInfo!.isFile()) return { files: [root], problems: [] };
  walk.visited.add(`${rootInfo!.dev}:${rootInfo!.ino}`);
  const visit = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      walk.problems.push({ path: dir, level: 'error', message: `cannot read: ${fsErrorReason(error)}` });
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isFile()) {
        if (yamlName.test(entry.name)) walk.files.push(path);
        continue;
      }
      let info: Stats | undefined;
      let error: unknown;
      try {
        info = statSync(path);
      } catch (e) {
        error = e;
      }
      if (classify(walk, path, entry.name, info, error, entry.isSymbolicLink()) === 'descend') visit(path);
    }
  };
  visit(root);
  return { files: walk.files.sort(), problems: walk.problems };
}

/** The async twin of listYamlFilesSync, for the directory source (it must not block the event loop). */
export async function listYamlFiles(root: string): Promise<YamlFileList> {
  const walk: Walk = { files: [], problems: [], visited: new Set() };
  let rootInfo: Stats | undefined;
  let rootError: unknown;
  try {
    rootInfo = await stat(root);
  } catch (error) {
    rootError = error;
  }
  const problem = rootProblem(root, rootInfo, rootError);
  if (problem) return { files: [], problems: [problem] };
  if (rootInfo!.isFile()) return { files: [root], problems: [] };
  walk.visited.add(`${rootInfo!.dev}:${rootInfo!.ino}`);
  const visit = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      walk.problems.push({ path: dir, level: 'error', message: `cannot read: ${fsErrorReason(error)}` });
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isFile()) {
        if (yamlName.test(entry.name)) walk.files.push(path);
        continue;
      }
      let info: Stats | undefined;
      let error: unknown;
      try {
        info = await stat(path);
      } catch (e) {
        error = e;
      }
      if (classify(walk, path, entry.name, info, error, entry.isSymbolicLink()) === 'descend') await visit(path);
    }
  };
  await visit(root);
  return { files: walk.files.sort(), problems: walk.problems };
}

export type ReadResult = { ok: true; text: string } | { ok: false; message: string; level: 'error' | 'warning' };

function checkOpened(info: Stats): ReadResult | undefined {
  if (!info.isFile()) return { ok: false, level: 'warning', message: `skipped: ${kindOf(info)}, not a regular file` };
  if (info.size > MAX_RESOURCE_FILE_BYTES) return { ok: false, level: 'error', message: `cannot read: ${info.size} bytes, larger than the ${MAX_RESOURCE_FILE_BYTES / 1024 / 1024} MiB limit for a resource file` };
  return undefined;
}

/**
 * Reads a resource file. Opened non-blocking (a FIFO put in its place after the listing cannot block) and
 * checked with fstat on the opened descriptor before anything is read.
 */
export function readResourceFileSync(path: string): ReadResult {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, level: 'error', message: `cannot read: ${fsErrorReason(error)}` };
  }
  try {
    const refused = checkOpened(fstatSync(fd));
    if (refused) return refused;
    return { ok: true, text: readFileSync(fd, 'utf8') };
  } catch (error) {
    return { ok: false, level: 'error', message: `cannot read: ${fsErrorReason(error)}` };
  } finally {
    closeSync(fd);
  }
}

export async function readResourceFile(path: string): Promise<ReadResult> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, level: 'error', message: `cannot read: ${fsErrorReason(error)}` };
  }
  try {
    const refused = checkOpened(await handle.stat());
    if (refused) return refused;
    return { ok: true, text: await handle.readFile('utf8') };
  } catch (error) {
    return { ok: false, level: 'error', message: `cannot read: ${fsErrorReason(error)}` };
  } finally {
    await handle.close();
  }
}
