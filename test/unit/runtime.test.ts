/** The one retry loop and the one child-process helper (src/runtime/). */
import { describe, expect, it } from 'vitest';
import { backoffDelay, retry } from '../../src/runtime/backoff.js';
import { runCommand, startProcess, waitFor } from '../../src/runtime/process.js';

describe('retry', () => {
  const backoff = { baseMs: 100, maxMs: 250, jitter: 0.5 };

  it('waits backoffDelay between attempts and returns the first success', async () => {
    const waits: number[] = [];
    const failures: number[] = [];
    const value = await retry(
      async (n) => {
        if (n < 4) throw new Error(`attempt ${n}`);
        return n;
      },
      { attempts: 5, backoff, random: () => 1, sleep: async (ms) => void waits.push(ms), onFailure: (_, n) => failures.push(n) },
    );
    expect(value).toBe(4);
    expect(failures).toEqual([1, 2, 3]);
    // 100, 200, then capped at 250; each with the full +50 % jitter (random() = 1).
    expect(waits).toEqual([150, 300, 375]);
    expect(waits).toEqual([0, 1, 2].map((a) => backoffDelay(a, backoff, () => 1)));
  });

  it('rejects with the last failure once the attempts are used up', async () => {
    let calls = 0;
    const run = retry(
      async (n) => {
        calls++;
        throw new Error(`attempt ${n}`);
      },
      { attempts: 3, backoff, sleep: async () => undefined },
    );
    await expect(run).rejects.toThrow('attempt 3');
    expect(calls).toBe(3);
  });

  it('stops at once on a failure that is not retryable', async () => {
    let calls = 0;
    const run = retry(
      async () => {
        calls++;
        throw new Error('bad query');
      },
      { attempts: 5, backoff, retryable: (e) => !String(e).includes('bad'), sleep: async () => undefined },
    );
    await expect(run).rejects.toThrow('bad query');
    expect(calls).toBe(1);
  });
});

describe('child processes', () => {
  it('runs a command to completion with its exit code and both outputs', async () => {
    const result = await runCommand('sh', ['-c', 'read line; echo "out $line"; echo err >&2; exit 3'], { input: 'in\n' });
    expect(result).toEqual({ code: 3, stdout: 'out in\n', stderr: 'err\n' });
  });

  it('kills a command that outlives its timeout and says so', async () => {
    const started = Date.now();
    const result = await runCommand('sleep', ['30'], { timeoutMs: 200 });
    expect(result.code).toBe(-1);
    expect(result.stderr).toContain('sleep: timed out after 200 ms');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('rejects when the command cannot be started', async () => {
    await expect(runCommand('vigil-no-such-binary', [])).rejects.toThrow(/ENOENT/);
  });

  it('stops a process that ignores SIGTERM with SIGKILL after the grace period', async () => {
    const proc = startProcess('sh', ['-c', 'trap "" TERM; echo started; while true; do sleep 1; done']);
    await waitFor('the shell started', async () => proc.output().includes('started'), { process: proc });
    await proc.stop('SIGTERM', 200);
    expect(proc.exited()).toBe(true);
    expect(proc.child.signalCode).toBe('SIGKILL');
  });

  it('gives up waiting as soon as the process exits, with its output', async () => {
    const proc = startProcess('sh', ['-c', 'echo "bad config" >&2; exit 2']);
    await expect(waitFor('never ready', async () => false, { process: proc, timeoutMs: 30_000 })).rejects.toThrow(/never ready: the process exited \(2\): bad config/);
  });

  it('keeps a failed start in the output instead of crashing', async () => {
    const proc = startProcess('vigil-no-such-binary', []);
    await waitFor('the failure reported', async () => proc.output().includes('ENOENT'));
    expect(proc.exited()).toBe(true);
    await proc.stop();
  });
});
