/**
 * First-firing times of Vigil's imported alerts against Sloth's own (its rules from its documented formulas,
 * test/import/sloth-reference-rules.ts) on Sloth's getting-started example (99.9 %, 30 days) and on its
 * raw-home-wifi example (95 %, a raw error ratio: the average satisfaction of 10 wifi clients, gauges of 0 or
 * 1), both under promtool 2.42 on the same series: 1,000 requests a minute (or one gauge sample per client)
 * sampled and evaluated every minute, 6 healthy hours, then a total outage or 10 % errors starting on an hour
 * boundary (where hour-aligned tiles lagged most) and at 37 minutes past. Prints the minute each page and
 * ticket first fires. Run: npm run bench sloth
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadResources } from '../../src/resources/load-resources.js';
import { compile } from '../../src/rules/compile.js';
import { renderOutput } from '../../src/rules/render-output.js';
import { slothRuleFile, slothSlos } from '../import/sloth-reference-rules.js';
import { cumulative, expandingNotation } from '../rules/promtool-scenario.js';
import { promtool } from '../support/prometheus.js';
import { tempDir } from '../support/processes.js';

const root = join(import.meta.dirname, '../..');
const REQUESTS = 1000;
const CLIENTS = 10;
const AFTER = 75;

const dir = await tempDir('bench-sloth-detection');

/** Both tools' rules for one example, written into the temporary directory. */
function rulesOf(example: string): { vigil: string; sloth: string; slothAlert: string } {
  const path = join(root, '../shared/reference/imports/sloth', `${example}.yml`);
  const compiled = compile(loadResources([path], root).resources);
  if (compiled.issues.some((i) => i.level === 'error')) throw new Error(JSON.stringify(compiled.issues));
  writeFileSync(join(dir.path, `${example}.vigil.yaml`), renderOutput(compiled.slos, 'rule-file'));
  const sloth = slothSlos(readFileSync(path, 'utf8'));
  writeFileSync(join(dir.path, `${example}.sloth.yaml`), stringify(slothRuleFile(sloth), { lineWidth: 0 }));
  return { vigil: `${example}.vigil.yaml`, sloth: `${example}.sloth.yaml`, slothAlert: sloth[0]!.alert!.name };
}

/** The series an example reads, for an error share per minute. */
function inputSeries(example: string, shares: readonly number[]) {
  if (example === 'raw-home-wifi') {
    // A client is satisfied (1) or not (0): the unsatisfied share is the error share.
    return Array.from({ length: CLIENTS }, (_, i) => ({
      series: `unifipoller_client_satisfaction_ratio{client="c${i}"}`,
      values: expandingNotation(shares.map((e) => (i < Math.round(CLIENTS * e) ? 0 : 1))),
    }));
  }
  const counter = (code: string, perMinute: (e: number) => number) => ({
    series: `http_request_duration_seconds_count{job="myservice", code="${code}"}`,
    values: expandingNotation(cumulative(shares.slice(1).map(perMinute))),
  });
  return [counter('200', (e) => REQUESTS * (1 - e)), counter('500', (e) => REQUESTS * e)];
}

/** Minutes after the errors start at which `selector`'s alert first fires, or undefined. */
async function firstFiring(example: string, ruleFiles: string[], name: string, start: number, share: number, selector: string): Promise<number | undefined> {
  const shares = Array.from({ length: start + AFTER + 1 }, (_, m) => (m > start ? share : 0));
  const minutes = Array.from({ length: AFTER + 1 }, (_, i) => start + i);
  const file = join(dir.path, `${name}.test.yaml`);
  writeFileSync(
    file,
    stringify(
      {
        rule_files: ruleFiles,
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: inputSeries(example, shares),
            // Expect "not firing" everywhere; promtool reports each minute where that is wrong.
            promql_expr_test: minutes.map((m) => ({ expr: `count(ALERTS{${selector}, alertstate="firing"}) or vector(0)`, eval_time: `${m}m`, exp_samples: [{ labels: '{}', value: 0 }] })),
          },
        ],
      },
      { lineWidth: 0 },
    ),
  );
  const result = await promtool(['test', 'rules', file], dir.path);
  const output = result.stdout + result.stderr;
  const firing = [...output.matchAll(/time: (?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?,/g)].map((m) => Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0));
  return firing.length ? Math.min(...firing) - start : undefined;
}

const lines: string[] = [];
for (const example of ['getting-started', 'raw-home-wifi']) {
  const rules = rulesOf(example);
  const files = [rules.vigil, rules.sloth];
  for (const start of [360, 397]) {
    for (const [scenario, share] of [['total outage', 1], ['10% errors', 0.1]] as const) {
      const cells: string[] = [];
      for (const severity of ['page', 'ticket']) {
        const vigil = await firstFiring(example, files, `${example}-${start}-${share}-vigil-${severity}`, start, share, `alertname="VigilErrorBudgetBurn", sloth_severity="${severity}"`);
        const theirs = await firstFiring(example, files, `${example}-${start}-${share}-sloth-${severity}`, start, share, `alertname="${rules.slothAlert}", sloth_severity="${severity}"`);
        const at = (m: number | undefined) => (m === undefined ? `not within ${AFTER}` : `${m}`);
        cells.push(`${severity} Vigil ${at(vigil)} / Sloth ${at(theirs)} min`);
      }
      lines.push(`${example}, errors from minute ${start} (${start % 60 === 0 ? 'on the hour' : `${start % 60} past`}), ${scenario}: ${cells.join('; ')}`);
    }
  }
}
if (!process.env.KEEP) await dir.remove();
process.stdout.write(`${lines.join('\n')}\n`);
