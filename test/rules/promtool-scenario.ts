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

/** Istio's request counter of one response code, as the scenario SLOs (fixtures/scenario-slos.yaml) read it. */
export const istio = (code: string, service = 'checkout') =>
  `istio_requests_total{reporter="destination", destination_service_namespace="shop", destination_service_name="${service}", response_code="${code}"}`;

/** Per-minute traffic: total requests and errors in each minute, as the 200 and 500 counters. */
export function traffic(minutes: number, shape: (minute: number) => { total: number; errors: number }) {
  const good: number[] = [];
  const bad: number[] = [];
  for (let m = 0; m < minutes; m++) {
    const { total, errors } = shape(m);
    good.push(total - errors);
    bad.push(errors);
  }
  return [
    { series: istio('200'), values: cumulative(good) },
    { series: istio('500'), values: cumulative(bad) },
  ];
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

/**
 * Traffic whose volume and errors change every hour and every 5 minutes, 31 hours of it sampled every 5
 * minutes from the SLO's first sample, and checks that the 2h, 6h, 1d and 3d error ratios of the SLO
 * `spiky` at 30h05m and 30h35m (not on an hour) equal the exact ratio of the events in (t − W, t] within
 * 1e-9: windows tiled on hour boundaries would miss the newest half hour and fail. The 3d window has only
 * 31 hours to read: its older pieces do not exist and count as no events. It holds the series' first
 * samples, where VictoriaMetrics' `rate` differs from Prometheus's (engine-semantics.test.ts), so only
 * Prometheus checks it (`withBirth`).
 */
export function composedWindowsScenario(goodSeries: string, badSeries: string, options: { withBirth: boolean }): { series: Array<{ series: string; values: number[] }>; checks: Check[] } {
  const intervals = 31 * 12;
  const increments = Array.from({ length: intervals }, (_, i) => {
    const hour = Math.floor(i / 12);
    const total = (hour % 3 === 0 ? 600 : 30_000) + (i % 7) * 10;
    return { total, errors: (hour % 5) * 30 + (i % 4) };
  });
  const exact = (atMinute: number, windowMinutes: number) => {
    // Interval i holds the events of minutes (5i, 5i + 5].
    const inside = increments.filter((_, i) => 5 * (i + 1) <= atMinute && 5 * (i + 1) > atMinute - windowMinutes);
    return inside.reduce((s, x) => s + x.errors, 0) / inside.reduce((s, x) => s + x.total, 0);
  };
  const windows = { '2h': 120, '6h': 360, '1d': 1440, ...(options.withBirth ? { '3d': 4320 } : {}) };
  return {
    series: [
      { series: goodSeries, values: cumulative(increments.map((x) => x.total - x.errors)) },
      { series: badSeries, values: cumulative(increments.map((x) => x.errors)) },
    ],
    checks: [30 * 60 + 5, 30 * 60 + 35].flatMap((atMinute) =>
      Object.entries(windows).map(([w, minutes]) => ({
        atMinute,
        expr: `abs(sum(vigil:slo_error_ratio:rate${w}{slo="spiky"}) / ${exact(atMinute, minutes)} - 1) < bool 1e-9`,
        value: 1,
      })),
    ),
  };
}
