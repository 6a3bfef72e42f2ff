/**
 * Every file under ../shared/reference/imports (Sloth's and OpenSLO's own examples, unchanged) either imports
 * and passes `vigil validate`, or is refused with a reason naming the feature Vigil cannot express. The
 * expected outcome of each file is written here, and the folder listing must match the table exactly.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const root = join(import.meta.dirname, '../..');
const reference = join(root, '../shared/reference/imports');

type Outcome =
  | { readonly imports: { slos: number; policies: number } }
  | { readonly refused: readonly RegExp[] }
  | { readonly documentation: true };

const sloth = (slos: number, policiesPerSlo = 4): Outcome => ({ imports: { slos, policies: slos * policiesPerSlo } });
const slothPlugin = /SLO plugins sloth\.dev\/contrib\/[a-z_]+\/v1 are Go code Vigil cannot run/;

const expected: Record<string, Outcome> = {
  'README.md': { documentation: true },
  'sloth/LICENSE': { documentation: true },
  'sloth/contrib-denominator-corrected.yaml': { refused: [/SLO plugins sloth\.dev\/contrib\/denominator_corrected_rules\/v1/] },
  'sloth/contrib-slo-plugins.yml': { refused: [/sloth\.dev\/contrib\/info_labels\/v1/, /sloth\.dev\/contrib\/rule_intervals\/v1/] },
  'sloth/getting-started.yml': sloth(1),
  'sloth/home-wifi.yml': sloth(2),
  'sloth/k8s-getting-started.yml': sloth(1),
  'sloth/k8s-home-wifi.yml': sloth(2),
  'sloth/k8s-multifile.yml': sloth(2),
  'sloth/kubernetes-apiserver.yml': sloth(2),
  'sloth/multifile.yml': sloth(2),
  'sloth/no-alerts.yml': sloth(1, 0),
  'sloth/openslo-getting-started.yml': sloth(1, 0),
  'sloth/openslo-kubernetes-apiserver.yml': sloth(3, 0),
  'sloth/plugin-getting-started.yml': { refused: [/SLI plugin "getting_started_availability" is Go code Vigil cannot run/] },
  'sloth/plugin-k8s-getting-started.yml': { refused: [/SLI plugin "getting_started_availability" is Go code Vigil cannot run/] },
  'sloth/raw-home-wifi.yml': sloth(1),
  // Only the debug logger plugin, which changes no rule.
  'sloth/slo-plugin-getting-started.yml': sloth(1),
  'sloth/slo-plugin-k8s-getting-started.yml': sloth(1),
  'sloth/victoria-metrics.yml': { refused: [/sloth\.dev\/contrib\/validate_victoria_metrics\/v1/, /sloth\.dev\/contrib\/validate_victoria_metrics\/v1/] },
  // Period catalogs: a policy set of four burn-rate policies each.
  'sloth/windows/7d.yaml': { imports: { slos: 0, policies: 4 } },
  'sloth/windows/custom-30d.yaml': { imports: { slos: 0, policies: 4 } },
  'openslo/LICENSE': { documentation: true },
  'openslo/SPEC-README.md': { documentation: true },
  'openslo/budgeting-method/occurences-slo.yaml': { refused: [/thresholdMetric .* is not a ratio of events/] },
  'openslo/budgeting-method/ratio-timeslices.yaml': { refused: [/budgetingMethod RatioTimeslices/] },
  'openslo/budgeting-method/timeslices-slo.yaml': { refused: [/budgetingMethod Timeslices/] },
  'openslo/treat-low-traffic-as-equally-important/timeslices-slo.yaml': { refused: [/budgetingMethod Timeslices/] },
};

async function vigil(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: {}, cwd: root });
  return { code, stdout, stderr };
}

const scratch = mkdtempSync(join(tmpdir(), 'vigil-import-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the reference specifications', () => {
  it('the table names exactly the files in the folder', () => {
    const files = readdirSync(reference, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(reference, join(e.parentPath, e.name)))
      .sort();
    expect(files).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected).filter(([, o]) => !('documentation' in o)))('%s', async (file, outcome) => {
    const from = file.startsWith('openslo/') ? 'openslo' : 'sloth';
    const out = join(scratch, file.replace(/[/.]/g, '_'));
    const imported = await vigil(['import', '--from', from, '-f', join(reference, file), '-o', out]);
    if ('refused' in outcome) {
      const errors = imported.stderr.split('\n').filter((l) => l.includes(': error: '));
      expect(errors).toHaveLength(outcome.refused.length);
      outcome.refused.forEach((reason, i) => expect(errors[i]).toMatch(reason));
      expect(imported.stderr).toContain('nothing written');
      expect(imported.code).toBe(1);
      return;
    }
    if (!('imports' in outcome)) throw new Error('unreachable');
    expect(imported.stderr).not.toContain('error:');
    expect(imported.code).toBe(0);
    const validated = await vigil(['validate', '-f', out]);
    expect(validated.stdout).toContain(`${outcome.imports.slos} valid SLO(s)`);
    expect(validated.stdout).toMatch(new RegExp(`${outcome.imports.policies + 3} policy\\(ies\\); 0 error\\(s\\), 0 warning\\(s\\)`));
    expect(validated.code).toBe(0);
    // Read in place, the source gives the same rules as its import, byte for byte.
    const inPlace = await vigil(['generate', '-f', join(reference, file)]);
    const fromImport = await vigil(['generate', '-f', out]);
    expect(inPlace.code).toBe(0);
    expect(inPlace.stdout).toBe(fromImport.stdout);
    expect(inPlace.stdout.length).toBeGreaterThan(outcome.imports.slos > 0 ? 1000 : -1);
  });
});
