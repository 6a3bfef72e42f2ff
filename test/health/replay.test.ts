import { describe, expect, it } from 'vitest';
import { formatReplayCsv, parseSeriesCsv, parseUtcTimestamp, replayScores } from '../../src/health/replay.js';
import { prng } from './synthetic-mesh.js';

function csv(rows: readonly (readonly [string, string])[], trailingNewline = true): string {
  return `timestamp,value\n${rows.map(([t, v]) => `${t},${v}`).join('\n')}${trailingNewline ? '\n' : ''}`;
}

function series(n: number, seed = 1): [string, string][] {
  const random = prng(seed);
  const t0 = Date.UTC(2014, 1, 14, 0, 0, 0);
  return Array.from({ length: n }, (_, i) => {
    const iso = new Date(t0 + i * 300_000).toISOString();
    return [`${iso.slice(0, 10)} ${iso.slice(11, 19)}`, (50 + 10 * random()).toFixed(3)];
  });
}

describe('CSV parsing', () => {
  it.each([
    ['plain', '2014-02-14 14:30:00', Date.UTC(2014, 1, 14, 14, 30, 0)],
    ['fractional seconds', '2014-04-10 07:15:00.000000', Date.UTC(2014, 3, 10, 7, 15, 0)],
    ['ISO T and Z', '2014-02-14T14:30:00Z', Date.UTC(2014, 1, 14, 14, 30, 0)],
    ['no seconds', '2014-02-14 14:30', Date.UTC(2014, 1, 14, 14, 30, 0)],
  ])('reads %s timestamps as UTC', (_name, text, expected) => {
    expect(parseUtcTimestamp(text)).toBe(expected);
  });

  it.each(['14/02/2014 14:30', '2014-02-14', 'yesterday', '2014-02-14 14:30:00+02:00'])('rejects %s', (text) => {
    expect(Number.isNaN(parseUtcTimestamp(text))).toBe(true);
  });

  it('keeps repeated and out-of-order timestamps in file order, with CRLF and no trailing newline', () => {
    const text = 'timestamp,value\r\n2014-03-09 01:59:00,1\r\n2014-03-09 03:00:00,2\r\n2014-03-09 03:00:00,3\r\n2014-03-09 02:55:00,4';
    const parsed = parseSeriesCsv(text);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(parsed.rows.map((r) => r.value)).toEqual([1, 2, 3, 4]);
    expect(parsed.rows.map((r) => r.timestampText)).toEqual(['2014-03-09 01:59:00', '2014-03-09 03:00:00', '2014-03-09 03:00:00', '2014-03-09 02:55:00']);
  });

  it('follows the header order and reports bad rows with their line numbers', () => {
    const swapped = parseSeriesCsv('value,timestamp\n5,2014-01-01 00:00:00\n');
    expect(swapped.ok && swapped.rows[0]?.value).toBe(5);
    const bad = parseSeriesCsv('timestamp,value\n2014-01-01 00:00:00,1\nnot a time,2\n2014-01-01 00:10:00,abc\n');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => i.line)).toEqual([3, 4]);
    const noHeader = parseSeriesCsv('2014-01-01 00:00:00,1\n');
    expect(noHeader.ok).toBe(false);
  });
});

describe('replay', () => {
  it('writes one row per input row, in order, timestamps and values verbatim, scores in [0, 1]', () => {
    const rows = series(3000);
    rows.push([rows[2999]![0], '500']); // a repeated timestamp with a spike, a step never taken…
    rows.push([rows[2999]![0], '500']); // …that persists (500 → 500 is new too): it pages once…
    rows.push(['2014-02-14 00:00:00', '51']); // …and a step back in time rests
    const parsed = parseSeriesCsv(csv(rows, false));
    if (!parsed.ok) throw new Error('parse failed');
    const out = formatReplayCsv(parsed.rows, replayScores(parsed.rows)).trimEnd().split('\n');
    expect(out[0]).toBe('timestamp,value,anomaly_score');
    expect(out).toHaveLength(rows.length + 1);
    out.slice(1).forEach((line, i) => {
      const [t, v, s] = line.split(',');
      expect([t, v]).toEqual(rows[i]);
      expect(Number(s)).toBeGreaterThanOrEqual(0);
      expect(Number(s)).toBeLessThanOrEqual(1);
    });
    expect(Number(out[3001]!.split(',')[2])).toBe(0);
    expect(Number(out[3002]!.split(',')[2])).toBeGreaterThanOrEqual(0.5);
    expect(Number(out[3003]!.split(',')[2])).toBe(0);
  });

  it('is causal: a row’s score does not change when later rows are added', () => {
    const parsed = parseSeriesCsv(csv(series(2500, 3)));
    if (!parsed.ok) throw new Error('parse failed');
    const full = replayScores(parsed.rows);
    const prefix = replayScores(parsed.rows.slice(0, 1700));
    expect(full.slice(0, 1700)).toEqual(prefix);
  });

  it('scores missing values as 0 and keeps the row', () => {
    const rows = series(100);
    rows[60] = [rows[60]![0], ''];
    const parsed = parseSeriesCsv(csv(rows));
    if (!parsed.ok) throw new Error('parse failed');
    const scores = replayScores(parsed.rows);
    expect(scores).toHaveLength(100);
    expect(scores[60]).toBe(0);
  });
});
