import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadResources } from '../../src/resources/load-resources.js';
import { compile } from '../../src/rules/compile.js';
import { renderOutput } from '../../src/rules/render-output.js';
import { toYaml } from '../../src/rules/yaml-writer.js';
import { renderRuleFile } from '../../src/sink/rule-file-sink.js';
import { goldenDir } from '../golden/golden.js';

const key = fc.string({ minLength: 1, maxLength: 12 });
const leaf = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.boolean(), fc.constantFrom('true', '1.5', 'null', '- x', 'a: b', 'x #y', "it's", '  lead', 'line\nline2\n', '\n', 'trail\n\n', ''));
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 4 })),
})).node;

describe('yaml writer', () => {
  it('round-trips any plain data through a YAML parser', () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 5 }), (data) => {
        expect(parse(toYaml(data as never))).toEqual(data);
      }),
      { numRuns: 500 },
    );
  });

  it('writes PromQL plainly when it can, so rule files stay readable', () => {
    expect(toYaml({ expr: 'sum(rate(x{a="b"}[5m])) or vector(0)' })).toBe('expr: sum(rate(x{a="b"}[5m])) or vector(0)\n');
  });
});

describe('one writer for rule groups', () => {
  it('writes the same bytes for an SLO in `vigil generate` output and in the rule-file sink', () => {
    const { slos } = compile(loadResources([join(goldenDir, 'latency-policies', 'in')], goldenDir).resources);
    expect(slos.length).toBeGreaterThan(0);
    for (const slo of slos) {
      const generated = renderOutput([slo], 'rule-file').split('\n').slice(1).join('\n');
      const sinkFile = renderRuleFile(slo, slo.groups, 'hash');
      // The sink's two header lines are comments; the groups that follow are byte for byte `generate`'s.
      expect(sinkFile.split('\n').slice(2).join('\n')).toBe(generated);
      expect(parse(sinkFile)).toEqual({ groups: JSON.parse(JSON.stringify(slo.groups)) });
    }
  });
});
