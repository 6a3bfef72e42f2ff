/**
 * The in-process semantic check (src/promql/semantics.ts) judged against the real `promtool check rules`:
 * every expression below goes into one rule file, promtool says which rules it refuses, and the in-process
 * check must refuse exactly those (issue 12 item 2: validation accepted what Prometheus rejects).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkPromql } from '../../src/promql/parse.js';
import { checkQuerySemantics, re2Problem } from '../../src/promql/semantics.js';
import { runCommand, tempDir } from '../support/processes.js';

const expressions = [
  // fine
  'sum(rate(m_good{code!~"5..", a=~"(?i)get|post"}[5m]))',
  'sum by (a) (rate(m[5m] offset 1m)) / scalar(sum(n))',
  'label_replace(m, "dst", "$1", "src", "(.*)-x")',
  'histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))',
  'max_over_time(sum(m)[30m:1m])',
  'quantile_over_time(0.9, m[5m]) > bool 1',
  'topk(3, m) or vector(0)',
  "m{a='it\\'s', b=\"say \\\"hi\\\"\", c=`raw\\`}",
  'm{a=~"\\\\d+\\\\.[[:alpha:]]\\\\z"}',
  'm{a=~"(?P<x>a)b{2,1000}"}',
  'm{a="\\u00e9\\x41\\101"}',
  '-m * 2',
  // refused by Prometheus
  'sum(m_good[5m])',
  'rate(m)',
  'm[5m] + 1',
  'm[5m]', // parses (a range vector result is only wrong where an instant vector is needed, see below)
  'sum(m)[5m:1m] * 2',
  'm[5m][10m:1m]',
  '1 and 2',
  'count_values(1, m)',
  'm{a=~"(["}',
  'm{a=~"(?=x)"}',
  'm{a=~"(a)\\\\1"}',
  'm{a=~"a**"}',
  'm{a=~"a{1001}"}',
  'm{a=~"\\\\q"}',
  "m{a='x\\\"y'}",
  'm{a="x\\\'y"}',
  'm{a="\\q"}',
  'm{a="\\ud800"}',
  'rate(m[300y])',
  'round(m, "x")',
];

describe('semantic checks agree with promtool', () => {
  it('refuses exactly what promtool check rules refuses', async () => {
    for (const expr of expressions) expect(checkPromql(expr), expr).toEqual({ ok: true });
    const dir = await tempDir('vigil-semantics-');
    try {
      const file = join(dir.path, 'rules.yaml');
      await writeFile(file, stringify({ groups: [{ name: 'g', rules: expressions.map((expr, i) => ({ record: `r${i}`, expr })) }] }));
      const result = await runCommand('promtool', ['check', 'rules', file]);
      const refusedByPromtool = new Set([...`${result.stdout}\n${result.stderr}`.matchAll(/rule (\d+), "r\d+"/g)].map((m) => Number(m[1]) - 1));
      const verdicts = expressions.map((expr, i) => ({ expr, promtool: refusedByPromtool.has(i) ? 'refused' : 'accepted', vigil: checkQuerySemantics(expr).ok ? 'accepted' : 'refused' }));
      expect(verdicts.filter((v) => v.promtool !== v.vigil)).toEqual([]);
      expect(refusedByPromtool.size).toBe(19);
    } finally {
      await dir.remove();
    }
  });

  it('names the problem', () => {
    expect(checkQuerySemantics('sum(m_good[5m])')).toEqual({ ok: false, message: 'argument of sum: expected an instant vector, got a range vector (m_good[5m])' });
    expect(checkQuerySemantics('m[5m]', 'instant vector')).toEqual({ ok: false, message: 'the query must give an instant vector, it gives a range vector' });
    expect(checkQuerySemantics('m{a=~"(["}')).toMatchObject({ ok: false, message: expect.stringMatching(/^regex "\(\[": /) });
    expect(checkQuerySemantics("m{a='x\\\"y'}")).toEqual({ ok: false, message: `string 'x\\"y': unknown escape sequence \\"` });
    expect(checkQuerySemantics('rate(m[300y])')).toMatchObject({ ok: false, message: expect.stringContaining('out of range') });
  });

  it.each([
    ['(?i)abc', undefined],
    ['[]a]', undefined],
    ['\\Q.*\\E+', undefined],
    ['(?<!x)y', 'lookaround'],
    ['x++', 'nested repetition'],
    ['\\8', 'invalid escape'],
  ])('re2Problem(%j)', (pattern, problem) => {
    if (problem === undefined) expect(re2Problem(pattern)).toBeUndefined();
    else expect(re2Problem(pattern)).toContain(problem);
  });
});
