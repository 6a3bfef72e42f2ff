/** Vets a rule file with `promtool check rules` before it replaces the last good one (rule-file sink). */
import { execFile } from 'node:child_process';

export function promtoolChecker(binary = 'promtool', timeoutMs = 30_000): (file: string) => Promise<string | undefined> {
  return (file) =>
    new Promise((resolve) => {
      execFile(binary, ['check', 'rules', file], { timeout: timeoutMs }, (error, stdout, stderr) => {
        if (!error) return resolve(undefined);
        const text = `${stderr}\n${stdout}`.trim().split('\n').filter(Boolean).slice(0, 5).join(' | ');
        resolve(`promtool check rules failed: ${text || error.message}`);
      });
    });
}
