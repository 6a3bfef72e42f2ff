/** `vigil backfill`: TSDB blocks of Vigil's recordings computed from the raw series, for Prometheus's data directory. */
import { mkdir, readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { durationSeconds } from '../../history/duration-seconds.js';
import { beyondRetention, retentionSeconds } from '../../history/prometheus-status.js';
import { backfillPasses, backfillRecordingRules } from '../../history/rules-backfill.js';
import { renderOutput } from '../../rules/render-output.js';
import { parseCommandArgs, usageError } from '../command-args.js';
import { loadHistorySlos, pickSlo } from '../history-slo.js';
import type { CommandIo } from '../io.js';

export const usage = `usage: vigil backfill -f FILE|DIR [-f …] --prometheus-url URL --from 30d [--to now] --output-dir DIR

Computes Vigil's recordings for the SLOs over past time from the raw series in Prometheus, tier by tier,
and writes them as TSDB blocks into DIR. Move the blocks into Prometheus's data directory (see README,
"Backfilling history"), and budgets, coverage and backtests cover the whole period at once.

  -f, --file PATH          resource file or directory (as for vigil generate); repeatable
      --slo NS/NAME        only this SLO; repeatable (default: every SLO in the files)
      --prometheus-url URL the Prometheus holding the raw series
      --from DURATION      how far back to start, e.g. 30d (or an RFC 3339 time)
      --to TIME            where to end: now (default), a duration ago such as 1h, or an RFC 3339 time
      --output-dir DIR     an empty (or new) directory for the blocks
      --recent DURATION    every recording (not only the tiles) over this last stretch (default 6h)
      --eval-interval D    evaluation interval of that stretch (default 5m)
      --no-builtins        do not add the built-in templates and policy sets
`;

/** Unix seconds from "now", a duration ago ("30d") or an RFC 3339 time; undefined when none of those. */
function instant(text: string, nowS: number): number | undefined {
  if (text === 'now') return nowS;
  const ago = durationSeconds(text);
  if (ago !== undefined) return nowS - ago;
  const ms = Date.parse(text);
  return /^\d{4}-\d\d-\d\dT/.test(text) && Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs(
    'backfill',
    argv,
    {
      file: { type: 'string', short: 'f', multiple: true },
      slo: { type: 'string', multiple: true },
      'prometheus-url': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string', default: 'now' },
      'output-dir': { type: 'string' },
      recent: { type: 'string', default: '6h' },
      'eval-interval': { type: 'string', default: '5m' },
      'no-builtins': { type: 'boolean', default: false },
    },
    usage,
    io,
  );
  if (!args.ok) return args.exitCode;
  const v = args.values;
  if (!v.file?.length) return usageError('backfill', 'at least one -f FILE|DIR is required', usage, io);
  if (!v['prometheus-url']) return usageError('backfill', '--prometheus-url is required', usage, io);
  if (!v['output-dir']) return usageError('backfill', '--output-dir is required', usage, io);
  if (!v.from) return usageError('backfill', '--from is required, e.g. --from 30d', usage, io);
  const nowS = Math.floor(Date.now() / 1000);
  const from = instant(v.from, nowS);
  const to = instant(v.to!, nowS);
  if (from === undefined) return usageError('backfill', `--from "${v.from}" is not a duration (30d) or an RFC 3339 time`, usage, io);
  if (to === undefined) return usageError('backfill', `--to "${v.to}" is not now, a duration or an RFC 3339 time`, usage, io);
  if (!(to - from >= 3600)) return usageError('backfill', '--from must be at least an hour before --to', usage, io);
  const recent = durationSeconds(v.recent!);
  const evalInterval = durationSeconds(v['eval-interval']!);
  if (recent === undefined) return usageError('backfill', `--recent "${v.recent}" is not a duration`, usage, io);
  // Whole seconds dividing 5 minutes, so the recent recordings fall on the tiles' boundaries (as the rules' intervals do).
  if (evalInterval === undefined || !Number.isInteger(evalInterval) || evalInterval < 1 || 300 % evalInterval !== 0) {
    return usageError('backfill', `--eval-interval "${v['eval-interval']}" must be whole seconds dividing 5m (e.g. 5s, 30s, 1m, 5m)`, usage, io);
  }

  const loaded = loadHistorySlos(v.file, io.cwd, !v['no-builtins']);
  if (!loaded.ok) return fail(io, loaded.message);
  let slos = loaded.slos;
  if (v.slo?.length) {
    const picked = v.slo.map((key) => pickSlo(loaded.slos, key));
    const unknown = picked.find((p) => typeof p === 'string');
    if (typeof unknown === 'string') return fail(io, unknown);
    slos = picked as typeof slos;
  }
  const outputDir = resolve(io.cwd, v['output-dir']);
  await mkdir(outputDir, { recursive: true });
  if ((await readdir(outputDir)).length > 0) return fail(io, `--output-dir ${outputDir} is not empty: give a new or empty directory (its blocks are what you move into Prometheus)`);
  const url = v['prometheus-url'];
  try {
    const tooFar = beyondRetention(nowS - from, await retentionSeconds(url), '--from');
    if (tooFar) return fail(io, tooFar);
  } catch (error) {
    return fail(io, `cannot reach Prometheus at ${url}: ${(error as Error).message}`);
  }
  const started = performance.now();
  let lastDraw = Number.NEGATIVE_INFINITY; // the first update always draws, then at most one line per interval
  const tty = (process.stderr as { isTTY?: boolean }).isTTY === true;
  const progress = (done: number, total: number, what: string) => {
    const share = total > 0 ? done / total : 1;
    const now = performance.now();
    if (done < total && now - lastDraw < (tty ? 200 : 5000)) return;
    lastDraw = now;
    const bar = `${'#'.repeat(Math.round(share * 30)).padEnd(30, '.')}`;
    const line = `backfill [${bar}] ${(share * 100).toFixed(0).padStart(3)}% ${what}`;
    io.stderr(tty ? `\r${line.slice(0, 150).padEnd(150)}${done === total ? '\n' : ''}` : `${line}\n`);
  };
  try {
    const result = await backfillRecordingRules({
      ruleYaml: renderOutput(slos.map((s) => s.compiled), 'rule-file'),
      dataDir: outputDir,
      sourceUrl: url,
      passes: backfillPasses({ start: from, end: to, recentSeconds: recent, evalInterval }),
      progress,
    });
    // The good-event rules always record (`or vector(0)`); only total events say whether raw data exists.
    const rawSamples = Object.entries(result.samplesByRecord).filter(([name]) => name.startsWith('vigil:sli_total:')).reduce((n, [, c]) => n + c, 0);
    if (rawSamples === 0) {
      return fail(io, `no raw data for ${slos.length === 1 ? `SLO ${slos[0]!.entry.namespace}/${slos[0]!.entry.name}` : 'the SLOs'} between ${new Date(from * 1000).toISOString()} and ${new Date(to * 1000).toISOString()} in ${url}: nothing to backfill`);
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    io.stderr(`vigil backfill: ${slos.length} SLO(s), ${result.samplesPerTier.reduce((a, b) => a + b, 0)} samples in ${result.blocks} block(s) in ${outputDir} (${seconds} s)\n`);
    io.stdout(`${outputDir}\n`);
    return 0;
  } catch (error) {
    const message = (error as Error).message;
    return fail(io, /fetch failed|ECONNREFUSED/.test(message) ? `cannot reach Prometheus at ${url}: ${message}` : message);
  }
}

function fail(io: CommandIo, message: string): number {
  io.stderr(`vigil backfill: ${message}\n`);
  return 1;
}
