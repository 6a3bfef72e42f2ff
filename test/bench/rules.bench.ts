/**
 * Rules benchmark: 10,000 SLOs with the default (workbook) policies, written as YAML files and run through
 * `vigil generate` → generation time, peak RSS, rules per SLO, and the raw-metric range each SLO reads per
 * evaluation (sum of range windows over raw selectors: the user's metrics, not Vigil's recordings).
 * Each run is a fresh process so its peak RSS is its own. Run: npm run bench rules
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { parseDuration } from '../../src/model/duration.js';
import { slothRuleFile, slothSlos } from '../import/sloth-reference-rules.js';
import { readsPerMinute } from './rule-reads.js';

const SLO_COUNT = Number(process.env.BENCH_SLOS ?? 10_000);
const RUNS = 3;
const FILES = 100;

/** One generation in a fresh process running the built binary's code; prints time and peak RSS. */
const childScript = `
const { main } = await import(process.argv[1]);
const start = performance.now();
const code = await main(['generate', '-f', process.argv[2], '-o', process.argv[3]], { stdout() {}, stderr() {}, env: {}, cwd: process.cwd() });
process.stdout.write(JSON.stringify({ code, ms: performance.now() - start, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
`;

function sloYaml(i: number): string {
  const namespace = `team-${i % 50}`;
  const template = i % 4 === 0 ? 'http-requests-duration' : 'http-requests-success-rate';
  return `apiVersion: sre.vigil.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: svc-${i}-slo
  namespace: ${namespace}
spec:
  selector: {name: svc-${i}, namespace: ${namespace}}
  sli:
    templateRef: {name: ${template}, namespace: vigil-system}
    ${i % 4 === 0 ? 'parameters: {threshold: "300"}' : ''}
  slo:
    goal: "99.9"
    rolling: {length: 30d}
  alertingPolicySet: workbook
`;
}

/** Range seconds per distinct raw selector over a set of expressions. */
function rawRanges(exprs: readonly string[]): Map<string, number> {
  const ranges = new Map<string, number>();
  for (const expr of exprs) {
    parser.parse(expr).iterate({
      enter: (node) => {
        if (node.name !== 'MatrixSelector') return;
        const selector = node.node.getChild('VectorSelector');
        const duration = node.node.lastChild;
        if (!selector || !duration) return;
        const text = expr.slice(selector.from, selector.to);
        if (text.startsWith('vigil:')) return;
        const ms = parseDuration(expr.slice(duration.from, duration.to));
        if (ms.ok) ranges.set(text, (ranges.get(text) ?? 0) + ms.ms / 1000);
      },
    });
  }
  return ranges;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-rules-'));
try {
  const input = join(dir, 'slos');
  mkdirSync(input);
  const perFile = SLO_COUNT / FILES;
  for (let f = 0; f < FILES; f++) {
    writeFileSync(join(input, `slos-${f}.yaml`), Array.from({ length: perFile }, (_, k) => sloYaml(f * perFile + k)).join('---\n'));
  }
  const output = join(dir, 'rules.yaml');
  // Measure what users run: the compiled JavaScript of the `vigil` bin, not the TypeScript under tsx.
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const build = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
  const entry = join(root, 'dist/cli/main.js');
  const runs = Array.from({ length: RUNS }, () => {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', childScript, entry, input, output], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(child.stderr);
    const result = JSON.parse(child.stdout) as { code: number; ms: number; maxRssMb: number };
    if (result.code !== 0) throw new Error(`generate exited ${result.code}`);
    return result;
  });

  const text = readFileSync(output, 'utf8');
  const groups = (parse(text) as { groups: Array<{ name: string; rules: Array<{ expr: string }> }> }).groups;
  const bySlo = new Map<string, string[]>();
  const groupsOf = (slo: string) => groups.filter((g) => g.name.replace(/\.(short|long)$/, '') === slo);
  for (const g of groups) {
    const slo = g.name.replace(/\.(short|long)$/, '');
    bySlo.set(slo, [...(bySlo.get(slo) ?? []), ...g.rules.map((r) => r.expr)]);
  }
  if (bySlo.size !== SLO_COUNT) throw new Error(`expected ${SLO_COUNT} SLOs in the output, got ${bySlo.size}`);
  const rules = groups.reduce((n, g) => n + g.rules.length, 0);
  const latency = rawRanges(bySlo.get('vigil.team-0.svc-0-slo')!);
  const availability = rawRanges(bySlo.get('vigil.team-1.svc-1-slo')!);
  const hours = (s: number) => (s / 3600).toFixed(2);
  const maxPerSelector = Math.max(...latency.values(), ...availability.values());
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  // Samples read per minute by one availability SLO (two selectors, 99.9 %/30d, workbook alerts), against
  // Sloth's rules for its getting-started example (the same shape: two selectors, 30d, page and ticket),
  // written from Sloth's documented formulas (test/import/sloth-reference-rules.ts); 30 s scrapes.
  const SCRAPE_SECONDS = 30;
  const vigilReads = readsPerMinute(groupsOf('vigil.team-1.svc-1-slo') as Parameters<typeof readsPerMinute>[0], SCRAPE_SECONDS);
  const slothSpec = readFileSync(fileURLToPath(new URL('../../../shared/reference/imports/sloth/getting-started.yml', import.meta.url)), 'utf8');
  const slothReads = readsPerMinute(slothRuleFile(slothSlos(slothSpec)).groups, SCRAPE_SECONDS);
  const total = (r: { raw: number; recorded: number }) => r.raw + r.recorded;
  const thousands = (n: number) => `${(n / 1000).toFixed(1)}k`;

  process.stdout.write(
    [
      `SLOs: ${SLO_COUNT} in ${FILES} files (workbook policies; 3/4 availability, 1/4 latency with an interpolated threshold)`,
      `vigil generate (read, validate, render, write): median ${(median(runs.map((r) => r.ms)) / 1000).toFixed(2)} s over ${RUNS} runs [${runs.map((r) => (r.ms / 1000).toFixed(2)).join(', ')}] (target < 10 s)`,
      `peak RSS: median ${median(runs.map((r) => r.maxRssMb)).toFixed(0)} MB [${runs.map((r) => r.maxRssMb.toFixed(0)).join(', ')}] (target < 500 MB)`,
      `rules per SLO: ${(rules / SLO_COUNT).toFixed(1)}; output ${(text.length / 1e6).toFixed(1)} MB`,
      `raw range per selector per evaluation: max ${hours(maxPerSelector)} h (target ≤ 2 h; Sloth 105.6 h, Pyrra ≈ 859 h for a 30d SLO)`,
      `raw range per SLO per evaluation: availability ${hours(sum(availability))} h over ${availability.size} selectors; latency ${hours(sum(latency))} h over ${latency.size} selectors`,
      `samples read per minute, one availability SLO (per matched series, ${SCRAPE_SECONDS} s scrapes): Vigil ${thousands(total(vigilReads))} (raw ${vigilReads.raw}, recorded ${vigilReads.recorded}); Sloth getting-started ${thousands(total(slothReads))} (raw ${slothReads.raw}, recorded ${slothReads.recorded}): ${(total(slothReads) / total(vigilReads)).toFixed(1)}× fewer (raw alone ${(slothReads.raw / vigilReads.raw).toFixed(1)}×)`,
    ].join('\n') + '\n',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
