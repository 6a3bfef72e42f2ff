import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../../src/rules/yaml-writer.js';

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
