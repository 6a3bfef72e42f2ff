/**
 * Child processes, the one way: start a long-running binary and keep the tail of its output for error
 * messages, stop it (SIGTERM, then SIGKILL after a grace period), run a command to completion, and poll
 * until something is ready. Used by the demo stack, the rules backfill and the tests' real Prometheus,
 * Alertmanager and Redis. Hand-written rather than execa: this is all we need, in about a hundred lines,
 * with no extra dependency in the shipped package.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface RunningProcess {
  readonly child: ChildProcess;
  /** The last `keepChars` characters of stdout and stderr, interleaved. */
  output(): string;
  /** Whether the process has exited (by itself or by a signal). */
  exited(): boolean;
  /** Sends `signal` (default SIGTERM), then SIGKILL after `graceMs` (default 10 s); resolves on exit. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface StartOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** How much output to keep (default 20,000 characters). */
  readonly keepChars?: number;
}

export function startProcess(command: string, args: readonly string[], options: StartOptions = {}): RunningProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const keepChars = options.keepChars ?? 20_000;
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-keepChars);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A binary that cannot be started (ENOENT) reports it here; keep it for output() instead of crashing.
  child.once('error', (error) => keep(Buffer.from(`${command}: ${error.message}\n`)));
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null || child.pid === undefined;
  return {
    child,
    output: () => log,
    exited,
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (exited()) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/**
 * Runs a command to completion and returns its exit code and output; rejects only if it cannot start.
 * After `timeoutMs` it is killed (SIGKILL) and reported with code -1 and a note on stderr.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? -1 : (code ?? -1), stdout, stderr: timedOut ? `${stderr}${command}: timed out after ${options.timeoutMs} ms\n` : stderr });
    });
    child.stdin.on('error', () => undefined); // a command that does not read its input
    child.stdin.end(options.input ?? '');
  });
}

export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** Give up at once when this process exits, with its output in the error. */
  readonly process?: RunningProcess;
}

/** Polls until `check` resolves truthy or the deadline passes; a throwing check counts as "not yet". */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 100, process: proc } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (proc?.exited()) throw new Error(`${what}: the process exited (${proc.child.exitCode ?? proc.child.signalCode}): ${proc.output().slice(-2000)}`);
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const output = proc ? `: ${proc.output().slice(-2000)}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}${output}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Whether `url` answers 2xx (a readiness check for waitFor). */
export async function answersOk(url: string): Promise<boolean> {
  return (await fetch(url, { signal: AbortSignal.timeout(5_000) })).ok;
}
