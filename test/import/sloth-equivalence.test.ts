/**
 * Proof of equivalence against Sloth: for every Sloth example that imports, Vigil's rules (read in place,
 * which the reference test shows equals importing first) and Sloth's rules (sloth-reference-rules.ts, from
 * its documented formulas) run in one `promtool test rules` on the same series:
 *
 *  - steady traffic (10% errors throughout): Vigil's error ratio equals Sloth's for every window, 5m to 3d,
 *    within 1e-9;
 *  - a total outage and 10% errors after 6 healthy hours: at every minute for 75 minutes, when Sloth's page or
 *    ticket alert fires Vigil's fires too, so Vigil's fire no later than Sloth's (Vigil reads raw metrics only
 *    up to 1h and composes 2h to 3d from recorded rolling rates read at offsets, which end at the evaluation
 *    time like Sloth's raw ranges; README "Windows"). A `raw` error-ratio SLI (raw-home-wifi) imports
 *    weighted by its samples (src/import/raw-ratio.ts), so its composed windows average every sample in them,
 *    as Sloth's do, also while the history is shorter than the window.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadResources } from '../../src/resources/load-resources.js';
import { compile } from '../../src/rules/compile.js';
import { renderOutput } from '../../src/rules/render-output.js';
import { promtool } from '../support/prometheus.js';
import { tempDir } from '../support/processes.js';
import { cumulative, expandingNotation } from '../rules/promtool-scenario.js';
import { SLOTH_WINDOWS, slothRuleFile, slothSlos, type SlothSlo } from './sloth-reference-rules.js';

const root = join(import.meta.dirname, '../..');
const examples = join(root, '../shared/reference/imports/sloth');

/** Every Sloth example that imports (reference-imports.test.ts holds the ones refused and why). */
const importable = [
  'getting-started.yml',
  'home-wifi.yml',
  'k8s-getting-started.yml',
  'k8s-home-wifi.yml',
  'k8s-multifile.yml',
  'kubernetes-apiserver.yml',
  'multifile.yml',
  'no-alerts.yml',
  'openslo-getting-started.yml',
  'openslo-kubernetes-apiserver.yml',
  'raw-home-wifi.yml',
  'slo-plugin-getting-started.yml',
  'slo-plugin-k8s-getting-started.yml',
];

// Minutes of healthy traffic before the errors start (every window up to 6h is full). Not 360: with samples
// at minutes 0..360, a total outage's n-th minute brings a raw ratio's 1d and 3d windows to n ÷ (n + 361),
// exactly 5 % (raw-home-wifi's threshold) at n = 19, and a ratio exactly at its threshold fires or not on the
// last bit of rounding (19/380 computes to 0.05000000000000004 in Sloth's division, 0.04999999999999993 in
// Vigil's sums of the same 380 samples): that minute would test rounding, not windows.
const HEALTHY = 361;
const AFTER = 75; // minutes checked after (every page and ticket fires within them in Sloth)
const STEADY = 365; // minutes of steady traffic before the ratios are compared (the 6h window full; 1d and 3d over what exists)
const REQUESTS = 1000; // per minute, per counter family
const CLIENTS = 10; // wifi clients (gauges); few, as promtool caps a query at 10,000 samples and Sloth reads 3 days of them

/** Every series the examples read, for an error share per minute (0..1). */
function series(minutes: number, errorShare: (minute: number) => number) {
  const shares = Array.from({ length: minutes + 1 }, (_, m) => errorShare(m));
  const counter = (series: string, perMinute: (share: number) => number) => ({ series, values: expandingNotation(cumulative(shares.slice(1).map(perMinute))) });
  const counters = [
    ...['myservice', 'myapp'].flatMap((job) => [
      counter(`http_request_duration_seconds_count{job="${job}", code="200"}`, (e) => REQUESTS * (1 - e)),
      counter(`http_request_duration_seconds_count{job="${job}", code="500"}`, (e) => REQUESTS * e),
    ]),
    counter('apiserver_request_total{code="200"}', (e) => REQUESTS * (1 - e)),
    counter('apiserver_request_total{code="500"}', (e) => REQUESTS * e),
    counter('apiserver_request_duration_seconds_count{verb="GET"}', () => REQUESTS),
    // Slow requests: the share e above 0.4s, half of them above 5s.
    counter('apiserver_request_duration_seconds_bucket{verb="GET", le="0.4"}', (e) => REQUESTS * (1 - e)),
    counter('apiserver_request_duration_seconds_bucket{verb="GET", le="5"}', (e) => REQUESTS * (1 - e / 2)),
  ];
  // A client is satisfied (1) or not (0): the unsatisfied share is the error share.
  const clients = Array.from({ length: CLIENTS }, (_, i) => ({
    series: `unifipoller_client_satisfaction_ratio{client="c${i}"}`,
    values: expandingNotation(shares.map((e) => (i < Math.round(CLIENTS * e) ? 0 : 1))),
  }));
  return [...counters, ...clients];
}

/** The Vigil SLO name an example's SLO gets (reference-imports.test.ts checks the import itself). */
const vigilName = (file: string, slo: SlothSlo) => (file.startsWith('openslo-') ? slo.name : slo.id);

const firing = (selector: string, offset = '') => `(count(ALERTS{${selector}, alertstate="firing"}${offset}) > 0)`;

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  dir = await tempDir('sloth-equivalence');
});
afterAll(() => dir.remove());

/** One example: Sloth's SLOs as written, Vigil's compiled rules, and both with the example's names taken out. */
function example(file: string) {
  const text = readFileSync(join(examples, file), 'utf8');
  const sloth = slothSlos(text);
  const compiled = compile(loadResources([join(examples, file)], root).resources);
  const vigilRules = renderOutput(compiled.slos, 'rule-file');
  const slothRules = stringify(slothRuleFile(sloth), { lineWidth: 0 });
  // Examples that differ only in names and namespace (the CR and plain forms of one spec) are one case.
  const shape = `${vigilRules.replace(/monitoring/g, 'default')}\n${slothRules}`;
  return { file, sloth, compiled, vigilRules, slothRules, shape };
}

const cases = importable.map(example);
const byShape = new Map<string, Array<(typeof cases)[number]>>();
for (const c of cases) byShape.set(c.shape, [...(byShape.get(c.shape) ?? []), c]);
const groups = [...byShape.values()];

describe('Vigil against Sloth on Sloth\'s own examples (promtool)', () => {
  it('every importable example is in one case, and the cases differ', () => {
    expect(groups.flat().map((c) => c.file).sort()).toEqual([...importable].sort());
    expect(groups.length).toBe(8);
  });

  it.each(groups.map((g) => [g.map((c) => c.file).join(' = '), g[0]!] as const))('%s', { timeout: 300_000 }, async (_, { file, sloth, compiled, vigilRules, slothRules }) => {
    expect(sloth.length).toBeGreaterThan(0);
    expect(compiled.issues.filter((i) => i.level === 'error')).toEqual([]);
    expect(compiled.slos.map((s) => s.name).sort()).toEqual(sloth.map((s) => vigilName(file, s)).sort());

    const base = file.replace(/\W+/g, '-');
    writeFileSync(join(dir.path, `${base}.vigil.yaml`), vigilRules);
    writeFileSync(join(dir.path, `${base}.sloth.yaml`), slothRules);
    const steadyChecks = sloth.flatMap((slo) =>
      SLOTH_WINDOWS.map((w) => ({
        expr: `abs(vigil:slo_error_ratio:rate${w}{slo="${vigilName(file, slo)}"} - on () slo:sli_error:ratio_rate${w}{sloth_id="${slo.id}"}) < bool 1e-9`,
        eval_time: `${STEADY}m`,
        exp_samples: [{ labels: '{}', value: 1 }],
      })),
    );
    // Non-vacuous: Sloth's ratio is the 10% errors (the latency SLO at le=5 sees half of them).
    steadyChecks.push(
      ...sloth.map((slo) => ({
        expr: `slo:sli_error:ratio_rate1h{sloth_id="${slo.id}"} > bool 0.04`,
        eval_time: `${STEADY}m`,
        exp_samples: [{ labels: `{sloth_id="${slo.id}", sloth_service="${slo.service}", sloth_slo="${slo.name}", sloth_window="1h"}`, value: 1 }],
      })),
    );

    const alerting = sloth.filter((s) => s.alert);
    const alertChecks = (outage: boolean) =>
      alerting.flatMap((slo) => {
        const vigil = (severity: string) => `alertname="VigilErrorBudgetBurn", slo="${vigilName(file, slo)}", sloth_severity="${severity}"`;
        const theirs = (severity: string) => `alertname="${slo.alert!.name}", sloth_id="${slo.id}", sloth_severity="${severity}"`;
        const minutes = Array.from({ length: AFTER + 1 }, (_, i) => HEALTHY + i);
        return [
          ...minutes.map((m) => ({ expr: `${firing(theirs('page'))} unless on () ${firing(vigil('page'))}`, eval_time: `${m}m`, exp_samples: [] })),
          ...minutes.map((m) => ({ expr: `${firing(theirs('ticket'))} unless on () ${firing(vigil('ticket'))}`, eval_time: `${m}m`, exp_samples: [] })),
          // A raw ratio's 1d and 3d windows reach back before the first sample, where a ratio of a total of 1 weighed
          // the first hour's few samples as a full hour: at every minute they equal Sloth's average of the samples.
          ...(slo.raw
            ? minutes.flatMap((m) =>
                ['1d', '3d'].map((w) => ({
                  expr: `abs(vigil:slo_error_ratio:rate${w}{slo="${vigilName(file, slo)}"} - on () slo:sli_error:ratio_rate${w}{sloth_id="${slo.id}"}) < bool 1e-9`,
                  eval_time: `${m}m`,
                  exp_samples: [{ labels: '{}', value: 1 }],
                })),
              )
            : []),
          // A total outage fires every alert of every SLO in both by the end; neither fires before the errors start.
          ...(outage
            ? ['page', 'ticket'].flatMap((sev) => [
                { expr: `count(ALERTS{${theirs(sev)}, alertstate="firing"})`, eval_time: `${HEALTHY + AFTER}m`, exp_samples: [{ labels: '{}', value: 1 }] },
                // One or both of Vigil's policies of that severity (quick, slow windows).
                { expr: `clamp_max(count(ALERTS{${vigil(sev)}, alertstate="firing"}), 1)`, eval_time: `${HEALTHY + AFTER}m`, exp_samples: [{ labels: '{}', value: 1 }] },
              ])
            : []),
          ...['page', 'ticket'].map((sev) => ({ expr: `count(ALERTS{${vigil(sev)}}) or count(ALERTS{${theirs(sev)}})`, eval_time: `${HEALTHY}m`, exp_samples: [] })),
        ];
      });

    // Three promtool runs side by side: steady traffic, a total outage, 10% errors.
    const scenarios = [
      { name: 'steady', input_series: series(STEADY, () => 0.1), promql_expr_test: steadyChecks },
      ...(alerting.length
        ? [
            { name: 'outage', input_series: series(HEALTHY + AFTER, (m) => (m > HEALTHY ? 1 : 0)), promql_expr_test: alertChecks(true) },
            { name: 'ten-percent', input_series: series(HEALTHY + AFTER, (m) => (m > HEALTHY ? 0.1 : 0)), promql_expr_test: alertChecks(false) },
          ]
        : []),
    ];
    const results = await Promise.all(
      scenarios.map(async ({ name, ...test }) => {
        const testFile = join(dir.path, `${base}.${name}.test.yaml`);
        writeFileSync(testFile, stringify({ rule_files: [`${base}.vigil.yaml`, `${base}.sloth.yaml`], evaluation_interval: '1m', tests: [{ interval: '1m', ...test }] }, { lineWidth: 0 }));
        return { name, ...(await promtool(['test', 'rules', testFile], dir.path)) };
      }),
    );
    for (const r of results) expect(r.code, `${r.name}: ${(r.stdout + r.stderr).slice(0, 4000)}`).toBe(0);
  });
});
