/**
 * `vigil import` beyond the reference examples: OpenSLO v1 with Prometheus sources (the reference folder
 * holds only examples Vigil must refuse), the errors bad input gets (one line each, exit 1), and the
 * directory source reading Sloth specs in place.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseResourceFile } from '../../src/resources/directory-source.js';

const root = join(import.meta.dirname, '../..');
const fixtures = join(import.meta.dirname, 'fixtures');
const scratch = mkdtempSync(join(tmpdir(), 'vigil-import-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function vigil(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: {}, cwd: root });
  return { code, stdout, stderr };
}

function write(name: string, text: string): string {
  const file = join(scratch, name);
  writeFileSync(file, text);
  return file;
}

const slothSpec = (slo: string, query = 'sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))', version = 'prometheus/v1') => `version: "${version}"
service: "shop"
slos:
  - name: "${slo}"
    objective: 99.5
    sli:
      events:
        error_query: ${query}
        total_query: sum(rate(http_requests_total[{{.window}}]))
`;

describe('vigil import --from openslo (v1, Prometheus)', () => {
  it('imports SLI objects, SLOs with indicatorRef or inline bad/total, calendar windows and burn-rate alert policies', async () => {
    const out = join(scratch, 'openslo-out');
    const r = await vigil(['import', '--from', 'openslo', '-f', join(fixtures, 'openslo-v1.yaml'), '-o', out, '--namespace', 'shop']);
    expect(r.stderr).toContain('2 SLO(s), 2 template(s), 1 policy(ies); 0 error(s)');
    expect(r.code).toBe(0);
    const text = readFileSync(join(out, 'openslo-v1.yaml'), 'utf8');
    // A counter selector becomes its rate over the window; the sum around it is kept.
    expect(text).toContain('goodEvents: sum (rate(http_requests_total{job="checkout", code!~"5.."}[{{SLO.Period}}]))');
    expect(text).toContain('totalEvents: sum (rate(http_requests_total{job="checkout"}[{{SLO.Period}}]))');
    expect(text).toMatch(/goal: '99\.5'\n\s+rolling:\n\s+length: 28d/);
    expect(text).toMatch(/goal: '99\.9'\n\s+calendar:\n\s+length: month\n\s+timeZone: Europe\/Berlin/);
    expect(text).toMatch(/threshold: '14\.4'\n\s+lookBackWindow: 1h\n\s+secondaryWindow: 5m\n\s+conditionMetDuration: 2m\n\s+severity: page/);
    expect(text).toMatch(/severity: critical\n\s+notification_target: pagerduty-checkout/);
    const validated = await vigil(['validate', '-f', out]);
    expect(validated.stdout).toContain('2 valid SLO(s), 5 template(s), 4 policy(ies); 0 error(s), 0 warning(s)');
    // The alert carries the carried labels, severity replaced by OpenSLO's.
    const rules = await vigil(['generate', '-f', out]);
    expect(rules.stdout).toMatch(/severity: critical\n\s+notification_target: pagerduty-checkout\n\s+policy: checkout-availability-fast-burn/);
    // Read in place (namespace "default"), the same rules as importing into that namespace first.
    const defaultOut = join(scratch, 'openslo-out-default');
    expect((await vigil(['import', '--from', 'openslo', '-f', join(fixtures, 'openslo-v1.yaml'), '-o', defaultOut])).code).toBe(0);
    const inPlace = await vigil(['generate', '-f', join(fixtures, 'openslo-v1.yaml')]);
    expect(inPlace.stdout).toContain('policy: checkout-availability-fast-burn');
    expect(inPlace.stdout).toBe((await vigil(['generate', '-f', defaultOut])).stdout);
  });
});

describe('bad input: one line each, exit 1', () => {
  it.each([
    ['an unknown Sloth version', slothSpec('a', undefined, 'prometheus/v2'), /version: unknown Sloth spec version "prometheus\/v2" \(supported: prometheus\/v1\)$/],
    ['a query without {{.window}}', slothSpec('a', 'sum(rate(http_requests_total{code=~"5.."}[5m]))'), /slos\.0\.sli\.events\.error_query: error_query has no \{\{\.window\}\}/],
    ['an unknown OpenSLO version', 'apiVersion: openslo/v9\nkind: SLO\nmetadata: {name: x}\n', /apiVersion: unknown OpenSLO apiVersion "openslo\/v9"/, 'openslo'],
    ['a Vigil resource given to --from sloth', 'apiVersion: sre.vigil.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata: {name: x}\nspec: {}\n', /not a Sloth spec/],
    ['conflicting names', `${slothSpec('a-b')}---\n${slothSpec('a-b').replace('"a-b"', '"A_B"')}`, /conflicting names: Sloth prometheus\/v1, service shop, SLO A_B gets the same Vigil name as Sloth prometheus\/v1, service shop, SLO a-b/],
  ])('%s', async (name, text, message, from = 'sloth') => {
    const file = write(`${name.replace(/\W+/g, '-')}.yaml`, text);
    const out = join(scratch, `${name.replace(/\W+/g, '-')}-out`);
    const r = await vigil(['import', '--from', from, '-f', file, '-o', out]);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2); // the error and the summary
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toBe('vigil import: 1 error(s); nothing written (use --keep-going to write what imports)');
    expect(r.code).toBe(1);
  });

  it('--keep-going writes the SLOs that import and still exits 1', async () => {
    const file = write('mixed.yaml', `${slothSpec('good')}---\n${slothSpec('bad', 'sum(x)').replace('service: "shop"', 'service: "other"')}`);
    const out = join(scratch, 'mixed-out');
    const r = await vigil(['import', '--from', 'sloth', '-f', file, '-o', out, '--keep-going']);
    expect(r.stderr).toContain('1 SLO(s), 1 template(s), 4 policy(ies); 1 error(s)');
    expect(r.code).toBe(1);
    expect(readFileSync(join(out, 'mixed.yaml'), 'utf8')).toContain('name: shop-good');
  });

  it('usage errors exit 2', async () => {
    expect((await vigil(['import', '-f', 'x', '-o', 'y'])).code).toBe(2);
    expect((await vigil(['import', '--from', 'nobl9', '-f', 'x', '-o', 'y'])).stderr).toContain('--from must be sloth or openslo');
    expect((await vigil(['import', '--from', 'sloth', '-f', 'x'])).stderr).toContain('-o DIR is required');
    const help = await vigil(['import', '--help']);
    expect(help.stdout).toContain('usage: vigil import --from sloth|openslo');
    expect(help.code).toBe(0);
  });
});

describe('directory mode reads Sloth specs in place', () => {
  it('gives the resources vigil import writes, and skips a refused SLO with its reason', () => {
    const text = readFileSync(join(root, '../shared/reference/imports/sloth/kubernetes-apiserver.yml'), 'utf8');
    const parsed = parseResourceFile('kubernetes-apiserver.yml', text);
    expect(parsed.resources.map((r) => `${r.kind}/${r.metadata.name}`).sort()).toEqual(
      ['requests-availability', 'requests-latency'].flatMap((slo) => [
        `ServiceLevelIndicatorTemplate/k8s-apiserver-${slo}`,
        `ServiceLevelObjective/k8s-apiserver-${slo}`,
        ...['page-quick', 'page-slow', 'ticket-quick', 'ticket-slow'].map((p) => `AlertingPolicy/k8s-apiserver-${slo}-${p}`),
      ]).sort(),
    );
    const refused = parseResourceFile('plugin.yml', readFileSync(join(root, '../shared/reference/imports/sloth/plugin-getting-started.yml'), 'utf8'));
    expect(refused.resources).toEqual([]);
    expect(refused.skipped.map((s) => s.message)).toEqual([expect.stringContaining('SLI plugin "getting_started_availability"')]);
  });
});
