/**
 * `vigil generate` vets its output with one `promtool check rules` run and sets aside exactly the SLOs whose
 * rules promtool refuses (issue 12 item 2).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { baseSlo, baseTemplate } from './fixtures.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-generate-'));
  dirs.push(dir);
  return dir;
}

async function vigil(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: { PATH: process.env.PATH }, cwd });
  return { code, stdout, stderr };
}

/** Two SLOs; `bad` uses a template whose query the grammar accepts but Prometheus refuses (clamp_max arity). */
function twoSlos(dir: string): void {
  const template = baseTemplate();
  template.metadata.name = 'arity';
  template.spec.goodEvents = 'clamp_max(sum(rate(http_requests_total{job="{{Params.job}}"}[{{SLO.Period}}])))';
  const good = baseSlo();
  const bad = baseSlo();
  bad.metadata.name = 'bad';
  bad.spec.sli = { templateRef: { name: 'arity' }, parameters: { job: 'api' } };
  writeFileSync(join(dir, 'slos.yaml'), [template, good, bad].map((d) => stringify(d)).join('---\n'));
}

describe('generate checks its output with promtool', () => {
  it('an SLO promtool refuses is an error naming it; --keep-going writes the others', async () => {
    const dir = workspace();
    twoSlos(dir);
    const strict = await vigil(['generate', '-f', 'slos.yaml', '-o', 'out.yaml'], dir);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/slos\.yaml:\d+ \(document 3\): error: ServiceLevelObjective shop\/bad: spec: promtool check rules refuses its rules: .*clamp_max/);
    expect(existsSync(join(dir, 'out.yaml'))).toBe(false);

    const lenient = await vigil(['generate', '-f', 'slos.yaml', '-o', 'out.yaml', '--keep-going'], dir);
    expect(lenient.code).toBe(1);
    const output = readFileSync(join(dir, 'out.yaml'), 'utf8');
    expect(output).toContain('vigil.shop.checkout.short');
    expect(output).not.toContain('vigil.shop.bad.');
  });

  it('--check-rules none skips the check', async () => {
    const dir = workspace();
    twoSlos(dir);
    const r = await vigil(['generate', '-f', 'slos.yaml', '--check-rules', 'none'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('vigil.shop.bad.short');
  });
});
