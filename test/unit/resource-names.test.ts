/**
 * Issue 12 item 3: metadata.namespace was never validated (`../victim` dropped silently, 300 characters
 * looping on ENAMETOOLONG, 1 MB passing validate and yielding a 46 MB rule file). Namespaces are DNS-1123
 * labels, names DNS-1123 subdomains, SLO names at most 63 characters, and messages clip what they echo.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { compile } from '../../src/rules/compile.js';
import { MAX_QUERY_LENGTH } from '../../src/rules/render-template.js';
import { baseSlo, basePolicy, baseTemplate, resourcesFrom } from './fixtures.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function errorsOf(documents: object[]) {
  return compile(resourcesFrom(documents)).issues.filter((i) => i.level === 'error');
}

describe('namespace and name validation', () => {
  it.each([
    ['../victim', /must be a Kubernetes namespace name/],
    ['Shop', /must be a Kubernetes namespace name/],
    ['a'.repeat(64), /at most 63 characters\), got 64 characters/],
    ['a'.repeat(300), /got 300 characters/],
  ])('namespace %j is refused', (namespace, message) => {
    for (const document of [baseSlo(), baseTemplate(), basePolicy()]) {
      document.metadata.namespace = namespace;
      const errors = errorsOf([document]);
      expect(errors.find((e) => e.path === 'metadata.namespace')?.message, document.kind).toMatch(message);
    }
  });

  it('an SLO name longer than 63 characters is refused (it becomes a label value); other kinds allow 253', () => {
    const slo = baseSlo();
    slo.metadata.name = 'a'.repeat(64);
    expect(errorsOf([slo]).find((e) => e.path === 'metadata.name')?.message).toContain('at most 63 characters');
    const template = baseTemplate();
    template.metadata.name = 'a'.repeat(200);
    expect(errorsOf([template]).filter((e) => e.path === 'metadata.name')).toEqual([]);
    template.metadata.name = 'a'.repeat(254);
    expect(errorsOf([template]).find((e) => e.path === 'metadata.name')?.message).toContain('got 254 characters');
  });

  it('a 1 MB namespace fails validate with one short message, and generate writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-names-'));
    dirs.push(dir);
    const slo = baseSlo();
    slo.metadata.namespace = 'a'.repeat(1024 * 1024);
    writeFileSync(join(dir, 'slos.yaml'), stringify(slo));
    let stdout = '';
    let stderr = '';
    const io = { stdout: (s: string) => (stdout += s), stderr: (s: string) => (stderr += s), env: {}, cwd: dir };
    expect(await main(['validate', '-f', 'slos.yaml'], io)).toBe(1);
    expect(stdout).toMatch(/^slos\.yaml:\d+ \(document 1\): error: ServiceLevelObjective a{80}…\(1048576 characters\)\/checkout: metadata\.namespace: must be a Kubernetes namespace name/);
    expect(stdout.length).toBeLessThan(2_000);
    stdout = '';
    expect(await main(['generate', '-f', 'slos.yaml', '--check-rules', 'none'], io)).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.length).toBeLessThan(2_000);
  });

  it('the rendered query is capped', () => {
    const template = baseTemplate();
    template.spec.goodEvents = `sum(rate(m{${Array.from({ length: 40 }, (_, i) => `l${i}="{{Params.job}}"`).join(', ')}}[{{SLO.Period}}]))`;
    const slo = baseSlo();
    slo.spec.sli = { templateRef: { name: 'custom' }, parameters: { job: 'x'.repeat(1000) } };
    const error = errorsOf([template, slo]).find((e) => e.kind === 'ServiceLevelObjective');
    expect(error?.message).toContain(`the limit is ${MAX_QUERY_LENGTH}`);
  });

  it('at most 32 parameter values', () => {
    const slo = baseSlo();
    slo.spec.sli.parameters = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`p${i}`, 'x']));
    expect(errorsOf([slo]).find((e) => e.path === 'spec.sli.parameters')?.message).toMatch(/must NOT have more than 32 properties/);
  });
});
