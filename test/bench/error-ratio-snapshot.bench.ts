/**
 * Why a raw window's error ratio is one query (src/rules/build-rules.ts): real Prometheus scraping the soak
 * mesh (200 services at constant rates, a 99.98 % service's exact 5 m burn rate on a 99.9 % SLO is 0.2)
 * evaluates Vigil's rules for 100 SLOs every second while the series are younger than 5 minutes (rate()
 * extrapolates), next to the ratio read back from Vigil's own two recordings, `1 - vigil:sli_good:rate5m /
 * vigil:sli_total:rate5m`, in the same group (the design before this bench). Prints how many samples of each
 * are off the exact ratio by more than 1 %. Run: npm run bench error-ratio-snapshot
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { tempDir } from '../support/processes.js';
import { startPrometheus } from '../support/prometheus.js';
import { QUIET_ERROR_RATIO, SOAK_NAMESPACE, soakServiceName, startSoakTraffic } from '../soak/soak-mesh.js';

const SERVICES = 200;
const SLOS = 100;
const RUN_SECONDS = 150;
const repo = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const traffic = await startSoakTraffic({ services: SERVICES, burning: 0, origin: Math.floor(Date.now() / 1000) - 7200 });
const dir = await tempDir('ratio-bench');
try {
  const docs = Array.from({ length: SLOS }, (_, i) =>
    [
      'apiVersion: sre.vigil.dev/v1alpha1',
      'kind: ServiceLevelObjective',
      'metadata:',
      `  name: ${soakServiceName(i)}-availability`,
      `  namespace: ${SOAK_NAMESPACE}`,
      'spec:',
      `  selector: {name: ${soakServiceName(i)}, namespace: ${SOAK_NAMESPACE}}`,
      '  sli:',
      '    templateRef: {name: http-requests-success-rate, namespace: vigil-system}',
      '  slo:',
      '    goal: "99.9"',
      '    rolling: {length: 30d}',
    ].join('\n'),
  );
  await writeFile(join(dir.path, 'slos.yaml'), `${docs.join('\n---\n')}\n`);
  const rulesPath = join(dir.path, 'rules.yaml');
  execFileSync(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/bin.ts'), 'generate', '-f', join(dir.path, 'slos.yaml'), '-o', rulesPath, '--check-rules', 'none'], { stdio: 'ignore' });
  const file = parse(await readFile(rulesPath, 'utf8')) as { groups: Array<{ name: string; interval: string; rules: Array<Record<string, unknown>> }> };
  for (const group of file.groups) {
    if (!group.name.endsWith('.short')) continue;
    // Every second, so that many evaluations meet a scrape being committed.
    group.interval = '1s';
    const labels = group.rules.find((r) => r.record === 'vigil:sli_total:rate5m')!.labels as Record<string, string>;
    const mine = `{slo="${labels.slo}", namespace="${labels.namespace}"}`;
    group.rules.push({ record: 'bench:two_recordings_error_ratio:rate5m', expr: `1 - vigil:sli_good:rate5m${mine} / vigil:sli_total:rate5m${mine}`, labels });
  }
  await writeFile(rulesPath, stringify(file));
  const prometheus = await startPrometheus({
    ruleFiles: [rulesPath],
    scrapeConfigsYaml: `  - job_name: mesh\n    scrape_interval: 5s\n    static_configs: [{targets: ['127.0.0.1:${traffic.port}']}]\n`,
  });
  try {
    await sleep(RUN_SECONDS * 1000);
    const exact = QUIET_ERROR_RATIO / 0.001;
    const rows: string[] = [];
    for (const [label, metric] of [
      ['one query (Vigil)', 'vigil:slo_error_ratio:rate5m'],
      ['1 - good/total of two recordings', 'bench:two_recordings_error_ratio:rate5m'],
    ] as const) {
      const params = new URLSearchParams({ query: `${metric}{namespace="${SOAK_NAMESPACE}"}[${RUN_SECONDS + 10}s]` });
      const body = (await (await fetch(`${prometheus.url}/api/v1/query?${params}`)).json()) as { data: { result: Array<{ values: Array<[number, string]> }> } };
      let samples = 0;
      let off = 0;
      let worst = exact;
      for (const s of body.data.result) {
        for (const [, v] of s.values) {
          samples++;
          const burn = Number(v) / 0.001;
          if (Math.abs(burn / exact - 1) > 0.01) off++;
          if (Math.abs(burn - exact) > Math.abs(worst - exact)) worst = burn;
        }
      }
      rows.push(`  ${label.padEnd(34)} ${String(off).padStart(5)} of ${samples} samples off by > 1 %, furthest 5 m burn rate ${worst.toPrecision(4)} (exact ${exact})`);
    }
    process.stdout.write(`error-ratio-snapshot: ${SLOS} SLOs, ${SERVICES} services scraped every 5 s, short groups every 1 s, ${RUN_SECONDS} s from a fresh TSDB\n${rows.join('\n')}\n`);
  } finally {
    await prometheus.stop();
  }
} finally {
  await traffic.close();
  await dir.remove();
}
