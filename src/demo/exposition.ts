/**
 * Text formats for the traffic model's series: the Prometheus exposition format served at /metrics, and
 * OpenMetrics with timestamps for `promtool tsdb create-blocks-from openmetrics`.
 */
import type { MetricFamily, SeriesSpec } from './traffic-model.js';

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `name{a="1",b="2"}` with label values escaped; `extra` labels (e.g. job, instance) come first. */
export function seriesKey(s: SeriesSpec, extra: Readonly<Record<string, string>> = {}): string {
  const parts = Object.entries({ ...extra, ...s.labels }).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length === 0 ? s.name : `${s.name}{${parts.join(',')}}`;
}

/** Groups series by family, keeping first-seen order (both formats want a family's samples together). */
export function groupByFamily(series: readonly SeriesSpec[]): Array<{ family: MetricFamily; series: SeriesSpec[] }> {
  const groups = new Map<string, { family: MetricFamily; series: SeriesSpec[] }>();
  for (const s of series) {
    let g = groups.get(s.family.name);
    if (g === undefined) groups.set(s.family.name, (g = { family: s.family, series: [] }));
    g.series.push(s);
  }
  return [...groups.values()];
}

function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(15)));
}

/** The Prometheus text exposition of every series at time t (seconds). */
export function prometheusText(series: readonly SeriesSpec[], t: number): string {
  const lines: string[] = [];
  for (const { family, series: members } of groupByFamily(series)) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
    for (const s of members) lines.push(`${seriesKey(s)} ${formatValue(s.at(t))}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The OpenMetrics family name: counters drop `_total`. */
export function openMetricsFamilyName(family: MetricFamily): string {
  return family.type === 'counter' ? family.name.replace(/_total$/, '') : family.name;
}

/**
 * OpenMetrics lines for every series at the given timestamps, family by family and series by series (each
 * series' samples in time order, as the TSDB appender wants them). Yields chunks of about `chunkBytes`
 * so a writer can stream a month of history in bounded memory; ends with `# EOF`.
 */
export function* openMetricsChunks(
  series: readonly SeriesSpec[],
  timestamps: readonly number[],
  options: { chunkBytes?: number; onSeries?: (done: number, total: number) => void; labels?: Readonly<Record<string, string>> } = {},
): Generator<string> {
  const limit = options.chunkBytes ?? 1 << 20;
  let buf = '';
  let done = 0;
  for (const { family, series: members } of groupByFamily(series)) {
    buf += `# HELP ${openMetricsFamilyName(family)} ${family.help}\n# TYPE ${openMetricsFamilyName(family)} ${family.type}\n`;
    for (const s of members) {
      const key = seriesKey(s, options.labels);
      for (const t of timestamps) {
        buf += `${key} ${formatValue(s.at(t))} ${t}\n`;
        if (buf.length >= limit) {
          yield buf;
          buf = '';
        }
      }
      options.onSeries?.(++done, series.length);
    }
  }
  yield `${buf}# EOF\n`;
}

/**
 * Sample times for a backfill: every `step` seconds from `start` up to `end − recentWindow`, then every
 * `recentStep` seconds up to `end` (inclusive), all aligned to their step.
 */
export function backfillTimestamps(options: { start: number; end: number; step: number; recentStep?: number; recentWindow?: number }): number[] {
  const { start, end, step } = options;
  const recentStep = options.recentStep ?? step;
  const switchAt = end - (options.recentWindow ?? 0);
  const out: number[] = [];
  for (let t = Math.ceil(start / step) * step; t < switchAt && t <= end; t += step) out.push(t);
  let t = Math.ceil(Math.max(switchAt, start) / recentStep) * recentStep;
  const last = out[out.length - 1];
  if (last !== undefined && t <= last) t = (Math.floor(last / recentStep) + 1) * recentStep;
  for (; t <= end; t += recentStep) out.push(t);
  return out;
}
