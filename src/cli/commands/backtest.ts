/** `vigil backtest`: replays an SLO's alerting policies over its history in Prometheus and reports what they would have raised. */
import type { BacktestReport } from '../../budget/backtest.js';
import { durationSeconds } from '../../history/duration-seconds.js';
import { BacktestError, httpRangeFetcher, runBacktest, type PolicySet } from '../../history/backtest-run.js';
import { beyondRetention, retentionSeconds } from '../../history/prometheus-status.js';
import { parseCommandArgs, usageError } from '../command-args.js';
import { loadHistorySlos, pickSlo, policiesWithSet } from '../history-slo.js';
import type { CommandIo } from '../io.js';

export const usage = `usage: vigil backtest -f FILE|DIR [-f …] --slo NAMESPACE/NAME --prometheus-url URL [--range 30d] [--policy-set NAME …] [--json]

Replays the SLO's alerting policies over its history (Vigil's recorded 5m tiles, or the raw series where
those are missing) and prints the pages and tickets each would have raised, with their budget, how many per
week, how long each significant incident (≥ 2 % of the budget) took to page, and those that never paged.

  -f, --file PATH          resource file or directory (as for vigil generate); repeatable
      --slo NS/NAME        the SLO to replay
      --prometheus-url URL Prometheus (or a compatible API) holding the history
      --range DURATION     how far back to replay (default 30d)
      --step DURATION      evaluation step (default 30s; must divide 5m)
      --policy-set NAME    also replay this policy set, side by side with the SLO's own; repeatable
      --source SOURCE      auto (default), recorded or raw
      --json               print the full report as JSON
      --no-builtins        do not add the built-in templates and policy sets
`;

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const dur = (s: number) => (s >= 3600 ? `${(s / 3600).toFixed(1)}h` : s >= 60 ? `${Math.round(s / 60)}m` : `${Math.round(s)}s`);

function describeSet(name: string, report: BacktestReport): string {
  const lines = [`policy set ${name}:`];
  for (const p of report.policies) {
    lines.push(`  ${p.policy.severity.padEnd(6)} ${p.policy.name}: ${p.intervals.length} alert(s), ${p.perWeek.toFixed(2)}/week, firing ${dur(p.firingSeconds)} in all`);
    for (const x of p.intervals) lines.push(`    ${iso(x.startMs)} → ${iso(x.endMs)}${x.open ? ' (still firing)' : ''}  ${dur(x.durationSeconds)}  budget ${pct(x.budgetConsumed)}`);
  }
  const significant = report.incidents.filter((x) => x.budgetConsumed >= report.significantBudget);
  lines.push(`  incidents ≥ ${pct(report.significantBudget)} of the budget: ${significant.length}; paged ${significant.length - report.missed.length}, missed ${report.missed.length}`);
  for (const x of significant) {
    const paged = x.pagedBy ? `paged by ${x.pagedBy.policy} after ${dur(x.pagedBy.delaySeconds)}` : 'NEVER PAGED';
    lines.push(`    ${iso(x.startMs)} → ${iso(x.endMs)}  budget ${pct(x.budgetConsumed)}  peak burn ${x.peakBurnRate.toFixed(1)}  ${paged}`);
  }
  return lines.join('\n');
}

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs(
    'backtest',
    argv,
    {
      file: { type: 'string', short: 'f', multiple: true },
      slo: { type: 'string' },
      'prometheus-url': { type: 'string' },
      range: { type: 'string', default: '30d' },
      step: { type: 'string', default: '30s' },
      'policy-set': { type: 'string', multiple: true },
      source: { type: 'string', default: 'auto' },
      json: { type: 'boolean', default: false },
      'no-builtins': { type: 'boolean', default: false },
    },
    usage,
    io,
  );
  if (!args.ok) return args.exitCode;
  const v = args.values;
  if (!v.file?.length) return usageError('backtest', 'at least one -f FILE|DIR is required', usage, io);
  if (!v.slo) return usageError('backtest', '--slo NAMESPACE/NAME is required', usage, io);
  if (!v['prometheus-url']) return usageError('backtest', '--prometheus-url is required', usage, io);
  const range = durationSeconds(v.range!);
  if (range === undefined || range < 3600) return usageError('backtest', `--range "${v.range}" must be a duration of at least 1h, e.g. 7d or 30d`, usage, io);
  const step = durationSeconds(v.step!);
  if (step === undefined || step <= 0 || 300 % step !== 0) return usageError('backtest', `--step "${v.step}" must divide 5m, e.g. 15s, 30s or 1m`, usage, io);
  if (!['auto', 'recorded', 'raw'].includes(v.source!)) return usageError('backtest', `--source must be auto, recorded or raw, not "${v.source}"`, usage, io);

  const loaded = loadHistorySlos(v.file, io.cwd, !v['no-builtins']);
  if (!loaded.ok) return fail(io, loaded.message);
  const slo = pickSlo(loaded.slos, v.slo);
  if (typeof slo === 'string') return fail(io, slo);
  const sets: PolicySet[] = [{ name: 'current', policies: slo.entry.policies }];
  for (const name of v['policy-set'] ?? []) {
    const policies = policiesWithSet(loaded.resources, slo, name);
    if (typeof policies === 'string') return fail(io, policies);
    sets.push({ name, policies });
  }
  if (sets.every((s) => s.policies.length === 0)) return fail(io, `${v.slo} has no alerting policies to replay; name one with --policy-set`);
  const url = v['prometheus-url'];
  try {
    const retention = await retentionSeconds(url);
    const tooFar = beyondRetention(range, retention, 'range');
    if (tooFar) return fail(io, tooFar);
    const started = performance.now();
    const outcome = await runBacktest(httpRangeFetcher(url), {
      entry: slo.entry,
      objective: slo.objective,
      periodSeconds: slo.periodSeconds,
      sets,
      rangeSeconds: range,
      endMs: Date.now(),
      stepMs: step * 1000,
      source: v.source as 'auto' | 'recorded' | 'raw',
    });
    const seconds = (performance.now() - started) / 1000;
    if (v.json) io.stdout(`${JSON.stringify({ slo: v.slo, ...outcome }, null, 2)}\n`);
    else {
      io.stdout(`${v.slo}: ${iso(outcome.fromMs)} → ${iso(outcome.toMs)} every ${step}s from the ${outcome.source} series (coverage ${pct(outcome.sets[0]!.report.coverage)}), ${seconds.toFixed(1)} s\n`);
      for (const set of outcome.sets) io.stdout(`${describeSet(set.name, set.report)}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof BacktestError) return fail(io, error.message);
    const message = (error as Error).message ?? String(error);
    return fail(io, /fetch failed|ECONNREFUSED|ENOTFOUND/.test(message) ? `cannot reach Prometheus at ${url}: ${message}` : message);
  }
}

function fail(io: CommandIo, message: string): number {
  io.stderr(`vigil backtest: ${message}\n`);
  return 1;
}
