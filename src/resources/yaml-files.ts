/**
 * Finding and reading resource files, shared by the Git-mode commands (sync) and the directory source
 * (async). Every file-system surprise ends as a per-path problem, never a throw, a hang or a loop:
 * dangling or looping symlinks and unreadable directories are reported and skipped; FIFOs, sockets and
 * devices named `*.yaml` are skipped with a warning and never opened for reading (a FIFO would block);
 * a file is opened non-blocking and checked to be a regular file before it is read; files above
 * MAX_RESOURCE_FILE_BYTES are refused; symbolic links to files are followed, linked directories are not
 * entered (no loops). Entries whose name starts with a dot are skipped (editors' swap files, `..data` of
 * mounted ConfigMaps). Files come depth first, names in code-unit order.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, statSync, type Dirent, type Stats } from 'node:fs';
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
const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

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
    if (symlink) return 'skip'; // linked directories are not entered: no loops, no trees from elsewhere
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

/**
 * One walk, written once as a generator that yields the file-system calls it needs; the sync and the async
 * listing drive it with their own fs functions, so the two can never drift apart.
 */
type FsCall = { readonly call: 'stat'; readonly path: string } | { readonly call: 'readdir'; readonly path: string };
type FsAnswer = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

function* walkYamlFiles(root: string): Generator<FsCall, YamlFileList, FsAnswer> {
  const walk: Walk = { files: [], problems: [], visited: new Set() };
  const rootStat = yield { call: 'stat', path: root };
  const rootInfo = rootStat.ok ? (rootStat.value as Stats) : undefined;
  const problem = rootProblem(root, rootInfo, rootStat.ok ? undefined : rootStat.error);
  if (problem) return { files: [], problems: [problem] };
  if (rootInfo!.isFile()) return { files: [root], problems: [] };
  walk.visited.add(`${rootInfo!.dev}:${rootInfo!.ino}`);
  function* visit(dir: string): Generator<FsCall, void, FsAnswer> {
    const listed = yield { call: 'readdir', path: dir };
    if (!listed.ok) {
      walk.problems.push({ path: dir, level: 'error', message: `cannot read: ${fsErrorReason(listed.error)}` });
      return;
    }
    for (const entry of (listed.value as Dirent[]).sort(byName)) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isFile()) {
        if (yamlName.test(entry.name)) walk.files.push(path);
        continue;
      }
      const followed = yield { call: 'stat', path };
      const info = followed.ok ? (followed.value as Stats) : undefined;
      if (classify(walk, path, entry.name, info, followed.ok ? undefined : followed.error, entry.isSymbolicLink()) === 'descend') yield* visit(path);
    }
  }
  yield* visit(root);
  return { files: walk.files, problems: walk.problems };
}

/** The *.yaml / *.yml files under `root` (or `root` itself when it is a file), sorted, and the problems met. */
export function listYamlFilesSync(root: string): YamlFileList {
  const steps = walkYamlFiles(root);
  let next = steps.next();
  while (!next.done) {
    const { call, path } = next.value;
    let answer: FsAnswer;
    try {
      answer = { ok: true, value: call === 'stat' ? statSync(path) : readdirSync(path, { withFileTypes: true }) };
    } catch (error) {
      answer = { ok: false, error };
    }
    next = steps.next(answer);
  }
  return next.value;
}

/** The same walk without blocking the event loop, for the directory source. */
export async function listYamlFiles(root: string): Promise<YamlFileList> {
  const steps = walkYamlFiles(root);
  let next = steps.next();
  while (!next.done) {
    const { call, path } = next.value;
    let answer: FsAnswer;
    try {
      answer = { ok: true, value: call === 'stat' ? await stat(path) : await readdir(path, { withFileTypes: true }) };
    } catch (error) {
      answer = { ok: false, error };
    }
    next = steps.next(answer);
  }
  return next.value;
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
