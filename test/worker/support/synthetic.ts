/**
 * Synthetic SLI history for budget tests: piecewise-constant good/total rates per SLO, written as the
 * rule generator's raw recorded series (`vigil:sli_{good,total}:rate{5m,1h}`) in OpenMetrics, plus the
 * exact analytic figures the worker must reproduce. Every change of rate is aligned to 5 minutes, so
 * the 5m and 1h tiles the recording rules sum cover it exactly.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promtool } from '../../support/prometheus.js';

export interface Segment {
  /** [fromMs, toMs) */
  readonly fromMs: number;
  readonly toMs: number;
  /** Error ratio during the segment (overrides the base). */
  readonly errorRatio: number;
}

export interface SyntheticSlo {
  readonly namespace: string;
  readonly slo: string;
  readonly service: string;
  /** Requests per second, constant. */
  readonly totalRate: number;
  /** Background error ratio. */
  readonly baseErrorRatio: number;
  readonly incidents: readonly Segment[];
  /** 5m series are written from here on (default: the start of the history); 1h series hourly throughout. */
  readonly fiveMinuteFromMs?: number;
}

const TILE = 300_000;

export function errorRatioAt(s: SyntheticSlo, ms: number): number {
  for (const i of s.incidents) if (ms >= i.fromMs && ms < i.toMs) return i.errorRatio;
  return s.baseErrorRatio;
}

/** Bad and total events in (fromMs, toMs], both aligned to 5 minutes. */
export function events(s: SyntheticSlo, fromMs: number, toMs: number): { bad: number; total: number } {
  let bad = 0;
  let total = 0;
  for (let t = fromMs; t < toMs; t += TILE) {
    const n = s.totalRate * (TILE / 1000);
    total += n;
    bad += n * errorRatioAt(s, t + TILE / 2);
  }
  return { bad, total };
}

/** Exact error ratio over (fromMs, toMs]. */
export function errorRatio(s: SyntheticSlo, fromMs: number, toMs: number): number {
  const { bad, total } = events(s, fromMs, toMs);
  return bad / total;
}

const labelText = (s: SyntheticSlo) => `slo="${s.slo}",namespace="${s.namespace}",service="${s.service}"`;

/**
 * Writes OpenMetrics for [fromMs, toMs] every 5 minutes (timestamps in seconds) and turns it into TSDB
 * blocks in `dataDir`. `extra` lines (already formatted samples) are appended, e.g. ALERTS series.
 */
export async function backfillHistory(
  dir: string,
  dataDir: string,
  slos: readonly SyntheticSlo[],
  fromMs: number,
  toMs: number,
  extra: ReadonlyArray<{ name: string; labels: string; value: number; ms: number }> = [],
): Promise<void> {
  const lines: string[] = [];
  const HOUR = 3_600_000;
  const families: Array<[string, number, (s: SyntheticSlo, t: number) => number]> = [
    ['vigil:sli_good:rate5m', TILE, (s, t) => s.totalRate * (1 - errorRatio(s, t - TILE, t))],
    ['vigil:sli_total:rate5m', TILE, (s) => s.totalRate],
    ['vigil:sli_good:rate1h', HOUR, (s, t) => s.totalRate * (1 - errorRatio(s, t - HOUR, t))],
    ['vigil:sli_total:rate1h', HOUR, (s) => s.totalRate],
    // The rolling 6h and 1d rates the rules compose 6h to 3d windows from (read at offsets of 6h and 1d).
    ['vigil:sli_good:rate6h', HOUR, (s, t) => s.totalRate * (1 - errorRatio(s, t - 6 * HOUR, t))],
    ['vigil:sli_total:rate6h', HOUR, (s) => s.totalRate],
    ['vigil:sli_good:rate1d', HOUR, (s, t) => s.totalRate * (1 - errorRatio(s, t - 24 * HOUR, t))],
    ['vigil:sli_total:rate1d', HOUR, (s) => s.totalRate],
  ];
  for (const [name, step, value] of families) {
    for (const s of slos) {
      const first = step === TILE ? Math.max(fromMs, s.fiveMinuteFromMs ?? fromMs) : Math.ceil(fromMs / HOUR) * HOUR;
      for (let t = first; t <= toMs; t += step) lines.push(`${name}{${labelText(s)}} ${value(s, t)} ${t / 1000}`);
    }
  }
  const byName = new Map<string, string[]>();
  for (const e of extra) byName.set(e.name, [...(byName.get(e.name) ?? []), `${e.name}{${e.labels}} ${e.value} ${e.ms / 1000}`]);
  for (const [, sampleLines] of byName) lines.push(...sampleLines);
  lines.push('# EOF');
  const file = join(dir, 'history.om');
  // Families are contiguous and each series is in time order, as OpenMetrics wants. Long blocks keep
  // a month of history to a few blocks (the default 2h blocks make hundreds, slowly).
  await writeFile(file, lines.join('\n') + '\n');
  const result = await promtool(['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', '--max-block-duration=2232h', file, dataDir]);
  if (result.code !== 0) throw new Error(`promtool create-blocks-from openmetrics failed: ${result.stderr}`);
}
