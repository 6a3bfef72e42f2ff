import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPromql } from '../../src/promql/parse.js';
import { promtool } from '../support/prometheus.js';
import { tempDir } from '../support/processes.js';
import { goldenCases, goldenDir, runGoldenCase } from './golden.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  dir = await tempDir('golden');
});
afterAll(() => dir.remove());

/** Rule groups of an output in either format. */
function groupsOf(out: string): Array<{ rules: Array<{ expr: string }> }> {
  return parseAllDocuments(out).flatMap((doc) => {
    const value = doc.toJS() as { groups?: never[]; spec?: { groups: never[] } } | null;
    return value?.groups ?? value?.spec?.groups ?? [];
  });
}

function isRuleFile(out: string): boolean {
  return parseAllDocuments(out).every((doc) => Array.isArray((doc.toJS() as { groups?: unknown } | null)?.groups));
}

/** Runs the case again with `--format rule-file` and writes what `vigil generate` printed, untouched. */
async function generateRuleFile(name: string, groupsInObject: unknown[]): Promise<string> {
  const { out } = await runGoldenCase(name, ['--format', 'rule-file']);
  expect(isRuleFile(out)).toBe(true);
  expect(groupsOf(out)).toEqual(groupsInObject);
  const file = join(dir.path, `${name}.rules.yaml`);
  writeFileSync(file, out);
  return file;
}

describe.each(goldenCases())('golden case %s', (name) => {
  it('output and diagnostics match the expected files (npm run golden:update)', async () => {
    const { out, result } = await runGoldenCase(name);
    expect(out).toBe(readFileSync(join(goldenDir, name, 'out.yaml'), 'utf8'));
    expect(result).toBe(readFileSync(join(goldenDir, name, 'result.txt'), 'utf8'));
  });

  it('every expression parses and the rules pass promtool check rules --lint-fatal (Prometheus 2.42)', async () => {
    const outFile = join(goldenDir, name, 'out.yaml');
    const out = readFileSync(outFile, 'utf8');
    const groups = groupsOf(out);
    expect(groups.length).toBeGreaterThan(0);
    for (const rule of groups.flatMap((g) => g.rules)) expect(checkPromql(rule.expr), rule.expr).toEqual({ ok: true });
    // promtool reads the bytes `vigil generate` wrote (the test above holds out.yaml equal to them). A
    // PrometheusRule object is not a rule file, so for that format promtool reads the same resources generated
    // as a rule file instead: the groups are the ones inside the object's spec.
    const ruleFile = isRuleFile(out) ? outFile : await generateRuleFile(name, groups);
    const check = await promtool(['check', 'rules', '--lint-fatal', ruleFile]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });
});
