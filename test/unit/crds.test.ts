import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderCrdKustomization, renderCrdYaml } from '../../src/model/crd-yaml.js';
import { buildCrds } from '../../src/model/crds.js';
import { celRules } from '../../src/model/cel-rules.js';

describe('CRDs come from the same schema as the runtime validator', () => {
  it.each(buildCrds().map((c) => [c.file, c.crd] as const))('crds/%s is what the schema generates (run npm run crds:update)', (file, crd) => {
    const committed = readFileSync(new URL(`../../crds/${file}`, import.meta.url), 'utf8');
    expect(committed).toBe(renderCrdYaml(crd));
  });

  it('crds/kustomization.yaml lists exactly the generated CRDs', () => {
    const committed = readFileSync(new URL('../../crds/kustomization.yaml', import.meta.url), 'utf8');
    expect(committed).toBe(renderCrdKustomization(buildCrds().map((c) => c.file)));
  });

  it('every CEL rule the runtime enforces is in a CRD, and nothing else', () => {
    const inCrds = buildCrds().flatMap(({ crd }) => JSON.stringify(crd).match(/"rule":"(?:[^"\\]|\\.)*"/g) ?? []);
    const runtime = Object.values(celRules).flat().map((r) => `"rule":${JSON.stringify(r.cel.rule)}`);
    expect([...inCrds].sort()).toEqual([...runtime].sort());
  });

  it('schemas are structural: no additionalProperties:false, no patternProperties, no anyOf/const', () => {
    const text = buildCrds().map(({ crd }) => JSON.stringify(crd)).join('\n');
    expect(text).not.toMatch(/"additionalProperties":false|"patternProperties"|"anyOf"|"const"/);
  });

  it('each CRD has the status subresource, short name, category and printer columns', () => {
    const shortNames = buildCrds().map(({ file }) => {
      const crd = parse(readFileSync(new URL(`../../crds/${file}`, import.meta.url), 'utf8'));
      const version = crd.spec.versions[0];
      expect(version.subresources).toEqual({ status: {} });
      expect(crd.spec.names.categories).toEqual(['vigil']);
      expect(version.additionalPrinterColumns.map((c: { name: string }) => c.name)).toContain('Ready');
      return crd.spec.names.shortNames[0];
    });
    expect(shortNames.sort()).toEqual(['ap', 'slit', 'slo']);
  });
});

describe('CEL rules and their TypeScript twins agree on examples', () => {
  const [oneWindow, goalRange] = celRules.sloWindow;
  it.each([
    [{ goal: '99.9', rolling: {} }, true, true],
    [{ goal: '100', rolling: {}, calendar: {} }, false, false],
    [{ goal: '0' }, false, false],
    [{ goal: '0.001', calendar: {} }, true, true],
  ])('%j → one window %s, goal in range %s', (self, window, goal) => {
    expect(oneWindow!.check(self)).toBe(window);
    expect(goalRange!.check(self)).toBe(goal);
  });
});
