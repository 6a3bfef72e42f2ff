import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runCommand, tempDir } from '../support/processes.js';
import { baseSlo, baseTemplate } from './fixtures.js';

const root = join(import.meta.dirname, '../..');
const golden = (name: string) => join(root, 'test/golden', name, 'in');

async function vigil(args: string[], cwd = root) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: {}, cwd });
  return { code, stdout, stderr };
}

describe('vigil CLI', () => {
  it('validate reports every issue with file:line and exits 1 on errors', async () => {
    const r = await vigil(['validate', '-f', golden('invalid-keep-going')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/slos\.yaml:24 \(document 2\): error: ServiceLevelObjective shop\/broken: spec\.slo\.goal/);
    expect(r.stdout).toMatch(/1 valid SLO\(s\), 3 template\(s\), 3 policy\(ies\); 1 error\(s\)/);
  });

  it('validate exits 0 on valid input', async () => {
    const r = await vigil(['validate', '-f', golden('availability-workbook'), '-f', golden('split-files')]);
    expect(r.stdout).toContain('2 valid SLO(s)');
    expect(r.code).toBe(0);
  });

  it('generate refuses invalid input without --keep-going and writes nothing', async () => {
    const r = await vigil(['generate', '-f', golden('invalid-keep-going')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('1 error(s); no rules written (use --keep-going');
  });

  it.each([
    [['generate'], 'at least one -f'],
    [['generate', '-f', 'x', '--format', 'json'], '--format must be one of rule-file, prometheus-rule'],
    [['generate', '--nope'], "Unknown option '--nope'"],
    [['frobnicate'], 'unknown command "frobnicate"'],
  ])('usage errors exit 2: %j', async (args, message) => {
    const r = await vigil(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('validate refuses a parameter value that would break out of a template\'s raw string (issue 12 item 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
    const template = baseTemplate();
    template.spec.goodEvents = 'sum(rate(m_good{a=`{{Params.job}}`}[{{SLO.Period}}]))';
    const slo = baseSlo();
    slo.spec.sli = { templateRef: { name: 'custom' }, parameters: { job: 'x`}[5m])) or vector(1) or sum(rate(m_good{a=`' } };
    writeFileSync(join(dir, 'slos.yaml'), [template, slo].map((d) => stringify(d)).join('---\n'));
    const r = await vigil(['validate', '-f', dir]);
    expect(r.code).toBe(1);
    rmSync(dir, { recursive: true, force: true });
    expect(r.stdout).toMatch(/error: ServiceLevelObjective shop\/checkout: spec\.sli\.parameters: .*parameter "job" is used inside `…` in goodEvents, and its value contains a backtick/);
  });

  it('an unreadable path is an error naming it', async () => {
    const r = await vigil(['validate', '-f', 'does/not/exist.yaml']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('does/not/exist.yaml:1: error: cannot read');
  });

  it('runs as a program through its bin entry', async () => {
    const r = await runCommand(process.execPath, ['--import', 'tsx', join(root, 'src/cli/bin.ts'), 'generate', '-f', golden('availability-workbook')], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('alert: VigilErrorBudgetBurn');
  });
});

describe('what a new user reads', () => {
  it('validate points at the line of an inline {...} map field', async () => {
    const dir = await tempDir('vigil-validate-line');
    try {
      const lines = [
        'apiVersion: sre.vigil.dev/v1alpha1',
        'kind: ServiceLevelObjective',
        'metadata: {name: checkout, namespace: shop}',
        'spec:',
        '  selector: {name: checkout, namespace: shop}',
        '  sli:',
        '    templateRef: {name: nope, namespace: vigil-system}',
        '  slo: {goal: "99.9", rolling: {length: 30d}}',
      ];
      writeFileSync(join(dir.path, 'slo.yaml'), `${lines.join('\n')}\n`);
      const r = await vigil(['validate', '-f', 'slo.yaml'], dir.path);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`slo.yaml:${lines.indexOf('    templateRef: {name: nope, namespace: vigil-system}') + 1} (document 1): error: ServiceLevelObjective shop/checkout: spec.sli.templateRef:`);
    } finally {
      await dir.remove();
    }
  });

  it("validate counts the user's files apart from the built-in ones", async () => {
    const withBuiltins = await vigil(['validate', '-f', golden('availability-workbook')]);
    expect(withBuiltins.stdout).toMatch(/^1 file\(s\) \(and \d+ built-in\): 1 valid SLO\(s\)/m);
    const without = await vigil(['validate', '-f', golden('split-files'), '--no-builtins']);
    expect(without.stdout).toMatch(/^3 file\(s\): \d+ valid SLO\(s\), 1 template\(s\)/m);
  });

  it('generate --help names every option in its usage line', async () => {
    const r = await vigil(['generate', '--help']);
    const usageLine = r.stdout.slice(0, r.stdout.indexOf('\n\n'));
    for (const option of ['-f', '-o', '--format', '--label', '--keep-going', '--no-builtins']) expect(usageLine).toContain(option);
  });

  it('health replay --help says ISO timestamps are accepted, and they are', async () => {
    const help = await vigil(['health', 'replay', '--help']);
    expect(help.stdout).toContain('ISO 8601 "YYYY-MM-DDTHH:MM[:SS[.fff]]"');
    const dir = await tempDir('vigil-replay-iso');
    try {
      writeFileSync(join(dir.path, 'in.csv'), 'timestamp,value\n2026-01-01T00:00:00Z,1\n2026-01-01T00:05:00Z,2\n');
      const r = await vigil(['health', 'replay', '--input', 'in.csv', '--output', 'out.csv'], dir.path);
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(join(dir.path, 'out.csv'), 'utf8').split('\n')[1]).toMatch(/^2026-01-01T00:00:00Z,1,/);
    } finally {
      await dir.remove();
    }
  });
});
