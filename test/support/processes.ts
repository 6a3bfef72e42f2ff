/** The tests' process helpers: the product's (src/runtime/process.ts) plus scratch directories. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answersOk, startProcess, waitFor, type RunningProcess } from '../../src/runtime/process.js';

export { freePort } from '../../src/runtime/ports.js';
export { runCommand, startProcess, waitFor, type RunningProcess } from '../../src/runtime/process.js';

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `vigil-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Starts a server binary and waits until `readyUrl` answers 200; on failure stops it and removes `dir`
 * (its scratch directory), with the process output in the error.
 */
export async function startUntilReady(name: string, command: string, args: readonly string[], readyUrl: string, dir: { remove(): Promise<void> }): Promise<RunningProcess> {
  const proc = startProcess(command, args);
  try {
    await waitFor(`${name} ready`, () => answersOk(readyUrl), { process: proc });
  } catch (error) {
    await proc.stop();
    await dir.remove();
    throw error;
  }
  return proc;
}
