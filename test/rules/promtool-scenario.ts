/**
 * Builds `promtool test rules` files from per-minute traffic, so scenarios read as traffic shapes and checks
 * rather than hand-written counter strings.
 */
import { stringify } from 'yaml';

export interface Check {
  /** Evaluation time, minutes from the start. */
  readonly atMinute: number;
  readonly expr: string;
  /** Expected value of the single result. */
  readonly value: number;
  /** Its exact label set, metric name included (default: none, as aggregations return). */
  readonly labels?: string;
}

/** Cumulative counter values → promtool expanding notation (`a+bxn` segments). */
export function expandingNotation(values: readonly number[]): string {
  const segments: string[] = [];
  let i = 0;
  while (i < values.length) {
    const start = values[i]!;
    if (i + 1 >= values.length) {
      segments.push(String(start));
      break;
    }
    const step = values[i + 1]! - start;
    let n = 1;
    while (i + n + 1 < values.length && values[i + n + 1]! - values[i + n]! === step) n++;
    segments.push(`${start}${step >= 0 ? '+' : ''}${step}x${n}`);
    i += n + 1;
  }
  return segments.join(' ');
}

/** Running sum of per-interval increments, starting at 0. */
export function cumulative(increments: readonly number[]): number[] {
  const out = [0];
  for (const d of increments) out.push(out.at(-1)! + d);
  return out;
}

export function promtoolTestFile(options: {
  ruleFile: string;
  intervalMinutes: number;
  evaluationInterval: string;
  series: ReadonlyArray<{ series: string; values: readonly number[] }>;
  checks: readonly Check[];
}): string {
  return stringify(
    {
      rule_files: [options.ruleFile],
      evaluation_interval: options.evaluationInterval,
      tests: [
        {
          interval: `${options.intervalMinutes}m`,
          input_series: options.series.map((s) => ({ series: s.series, values: expandingNotation(s.values) })),
          promql_expr_test: options.checks.map((c) => ({
            expr: c.expr,
            eval_time: Number.isInteger(c.atMinute) ? `${c.atMinute}m` : `${Math.round(c.atMinute * 60)}s`,
            exp_samples: [{ labels: c.labels ?? '{}', value: c.value }],
          })),
        },
      ],
    },
    { lineWidth: 0 },
  );
}
