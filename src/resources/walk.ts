/**
 * The one walk over resource files, for the Git-mode commands (load-resources.ts) and the directory source
 * of the controller (directory-source.ts): every `*.yaml` / `*.yml` file under a directory, depth first,
 * names in code-unit order, or the path itself when it is a file. Entries whose name starts with a dot are
 * skipped (editors' swap files, `..data` of mounted ConfigMaps). Only regular files are read: a symbolic link
 * counts when it points at a regular file; linked directories are not entered (no loops) and FIFOs, sockets
 * and devices are passed over (reading one could block forever).
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

const yamlName = /\.ya?ml$/;

export interface WalkOptions {
  /**
   * Told about a directory inside the tree that cannot be read, which is then skipped. Without it the walk
   * throws, so a command never silently leaves files out.
   */
  readonly onUnreadable?: (path: string, error: Error) => void;
}

function isRegularFile(path: string, entry: Dirent): boolean {
  if (entry.isFile()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return statSync(path).isFile();
  } catch {
    return false; // a dangling link
  }
}

/** The YAML files at `root`; throws when `root` itself cannot be read. */
export function yamlFiles(root: string, options: WalkOptions = {}): string[] {
  if (statSync(root).isFile()) return [root];
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      if (dir === root || !options.onUnreadable) throw error;
      options.onUnreadable(dir, error as Error);
      return;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (yamlName.test(entry.name) && isRegularFile(path, entry)) out.push(path);
    }
  };
  walk(root);
  return out;
}
