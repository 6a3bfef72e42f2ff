/** Vets a rule file with `promtool check rules` before it replaces the last good one (rule-file sink). */
import { runCommand } from '../runtime/process.js';

export function promtoolChecker(binary = 'promtool', timeoutMs = 30_000): (file: string) => Promise<string | undefined> {
  return async (file) => {
    let result: { code: number; stdout: string; stderr: string };
    try {
      result = await runCommand(binary, ['check', 'rules', file], { timeoutMs });
    } catch (error) {
      return `promtool check rules failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (result.code === 0) return undefined;
    const text = `${result.stderr}\n${result.stdout}`.trim().split('\n').filter(Boolean).slice(0, 5).join(' | ');
    return `promtool check rules failed: ${text || `exit code ${result.code}`}`;
  };
}
