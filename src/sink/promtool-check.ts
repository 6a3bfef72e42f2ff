/**
 * `promtool check rules`: vets each rule file before it replaces the last good one (rule-file sink), and the
 * whole output of `vigil generate` in one run, naming the rule groups it refuses.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether a binary is on PATH (for `--check-rules auto`). */
export function onPath(binary: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(':').some((dir) => dir && existsSync(`${dir}/${binary}`));
}

function runPromtool(binary: string, file: string, timeoutMs: number): Promise<{ ok: true } | { ok: false; lines: string[]; error: string }> {
  return new Promise((resolve) => {
    execFile(binary, ['check', 'rules', file], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve({ ok: true });
      const lines = `${stderr}\n${stdout}`.split('\n').map((l) => l.trim()).filter(Boolean);
      resolve({ ok: false, lines, error: error.message });
    });
  });
}

export function promtoolChecker(binary = 'promtool', timeoutMs = 30_000): (file: string) => Promise<string | undefined> {
  return async (file) => {
    const result = await runPromtool(binary, file, timeoutMs);
    if (result.ok) return undefined;
    const text = result.lines.filter((l) => !/^(Checking|FAILED:?)/.test(l)).slice(0, 5).join(' | ');
    return `promtool check rules failed: ${text || result.error}`;
  };
}

export type RuleTextCheck = { ok: true } | { ok: false; byGroup: ReadonlyMap<string, string[]>; other: string[] };

/**
 * Checks a rule file's text with one promtool run. promtool names the group of every rule it refuses
 * (`group "NAME", rule N, …`), so the caller can set aside exactly the SLOs those groups belong to; lines
 * that name no group (the file as a whole) come back in `other`.
 */
export async function promtoolCheckText(text: string, binary = 'promtool', timeoutMs = 120_000): Promise<RuleTextCheck> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-promtool-'));
  try {
    const file = join(dir, 'rules.yaml');
    await writeFile(file, text);
    const result = await runPromtool(binary, file, timeoutMs);
    if (result.ok) return { ok: true };
    const byGroup = new Map<string, string[]>();
    const other: string[] = [];
    for (const line of result.lines) {
      if (/^(Checking|FAILED:?)\b/.test(line)) continue;
      const group = /group "([^"]+)"/.exec(line)?.[1];
      const message = line.replace(`${file}: `, '');
      if (group) byGroup.set(group, [...(byGroup.get(group) ?? []), message]);
      else other.push(message);
    }
    if (byGroup.size === 0 && other.length === 0) other.push(result.error);
    return { ok: false, byGroup, other };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
