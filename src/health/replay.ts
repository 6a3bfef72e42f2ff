/**
 * Replay of a recorded series through the streaming scorer, for evaluation (`vigil health replay`):
 * `timestamp,value` CSV text in, `timestamp,value,anomaly_score` CSV text out, one row per input row in
 * the same order. Pure: the command does the file I/O.
 */
import { defaultScorerOptions, initialState, step, type ScorerOptions } from './signal-scorer.js';

export interface SeriesRow {
  /** The timestamp exactly as written in the input (copied verbatim to the output). */
  readonly timestampText: string;
  /** The value exactly as written in the input. */
  readonly valueText: string;
  readonly timestampMs: number;
  readonly value: number;
}

export type ParseResult =
  | { readonly ok: true; readonly rows: readonly SeriesRow[] }
  | { readonly ok: false; readonly issues: readonly { readonly line: number; readonly message: string }[] };

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]00:?00)?$/;

/** Parses `YYYY-MM-DD HH:MM[:SS[.fff]]` as UTC (a trailing `Z` or `+00:00` is accepted); NaN otherwise. */
export function parseUtcTimestamp(text: string): number {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), frac ? Math.round(Number(frac) * 1000) : 0);
  return ms;
}

/**
 * Parses `timestamp,value` CSV text with a header line. Tolerates CRLF, a missing trailing newline, blank
 * lines, repeated and out-of-order timestamps (rows are kept in file order). Column order follows the
 * header; extra columns are ignored.
 */
export function parseSeriesCsv(text: string): ParseResult {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').replace(/^\uFEFF/, '').split(',').map((h) => h.trim().toLowerCase());
  const tsCol = header.indexOf('timestamp');
  const valueCol = header.indexOf('value');
  if (tsCol < 0 || valueCol < 0) return { ok: false, issues: [{ line: 1, message: `header must name the columns "timestamp" and "value", got "${lines[0] ?? ''}"` }] };
  const rows: SeriesRow[] = [];
  const issues: { line: number; message: string }[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const fields = line.split(',');
    const timestampText = fields[tsCol] ?? '';
    const valueText = (fields[valueCol] ?? '').trim();
    const timestampMs = parseUtcTimestamp(timestampText);
    if (Number.isNaN(timestampMs)) {
      issues.push({ line: i + 1, message: `timestamp "${timestampText}" is not YYYY-MM-DD HH:MM:SS` });
      continue;
    }
    const value = valueText === '' ? Number.NaN : Number(valueText);
    if (valueText !== '' && Number.isNaN(value)) {
      issues.push({ line: i + 1, message: `value "${valueText}" is not a number` });
      continue;
    }
    rows.push({ timestampText, valueText, timestampMs, value });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, rows };
}

/**
 * The anomaly score (0..1, 1 = most anomalous) of every row, computed causally with the worker's scorer:
 * the onset score (`alarm`), so one incident scores high once. Rows scored "unknown" (warm-up, missing
 * value) get 0.
 */
export function replayScores(rows: readonly SeriesRow[], options: ScorerOptions = defaultScorerOptions): number[] {
  let state = initialState();
  const scores = new Array<number>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const result = step(state, row.timestampMs, row.value, options);
    state = result.state;
    scores[i] = result.score.alarm;
  }
  return scores;
}

/** Formats the replay output: `timestamp,value,anomaly_score` with the input's timestamp and value text. */
export function formatReplayCsv(rows: readonly SeriesRow[], scores: readonly number[]): string {
  const out: string[] = ['timestamp,value,anomaly_score'];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const score = scores[i] ?? 0;
    out.push(`${row.timestampText},${row.valueText},${Number(score.toFixed(6))}`);
  }
  return `${out.join('\n')}\n`;
}
