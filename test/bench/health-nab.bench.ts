/**
 * NAB development slice: replays every data file through the health scorer (the same pure code as
 * `vigil health replay`, default settings) into a temporary results directory, then runs the NAB scorer,
 * swept and at the shipped default threshold (the scorer's `alarmLevel`). Prints the normalized scores.
 *
 * Guard against fitting the dev files: a leave-one-category-out cross-validation. For each of the NAB
 * categories, the threshold is the one that is best (standard profile, swept) on the other categories,
 * and the held-out category is scored at it; the held-out raw scores are summed over the categories and
 * normalized like the whole slice ("CV standard"). A method whose good threshold differs from category to
 * category loses here even when its swept score is high.
 *
 *   npm run bench health-nab            (data and tool paths overridable: NAB_DATA, NAB_SCORER)
 *   ... -- --options '{"clip":4}'       (experiment with other global settings; never per file)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatReplayCsv, parseSeriesCsv, replayScores } from '../../src/health/replay.js';
import { defaultScorerOptions, type ScorerOptions } from '../../src/health/signal-scorer.js';

const data = process.env.NAB_DATA ?? '/work/shared/data/nab-dev';
const scorer = process.env.NAB_SCORER ?? '/work/shared/tools/nab-score.mjs';
const optIndex = process.argv.indexOf('--options');
const overrides = optIndex > 0 ? (JSON.parse(process.argv[optIndex + 1] ?? '{}') as Partial<ScorerOptions>) : {};
const verbose = process.argv.includes('--verbose');
interface NabProfile {
  threshold: number;
  normalizedScore: number;
  tp: number;
  fp: number;
  fn: number;
  windowsDetected: number;
  windowsTotal: number;
  files: { file: string; rawScore: number; tp: number; fp: number; fn: number; windowsDetected: number; windows: number }[];
}
const options: ScorerOptions = { ...defaultScorerOptions, ...overrides };

function runScorer(args: string[]): NabProfile & { rawScore: number; nullScore: number; perfectScore: number } {
  const run = spawnSync(process.execPath, [...args, '--profile', 'standard', '--verbose'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`nab-score failed: ${run.stderr}`);
  const doc = JSON.parse(run.stdout) as { profiles: Record<string, NabProfile & { rawScore: number; nullScore: number; perfectScore: number }> };
  const p = doc.profiles.standard;
  if (!p) throw new Error('nab-score printed no standard profile');
  return p;
}

/** Leave-one-category-out: threshold from the other categories, score on the held-out one (standard profile). */
function crossValidate(base: string[]): void {
  const categories = readdirSync(data, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const whole = runScorer(base);
  let raw = 0;
  const parts: string[] = [];
  for (const held of categories) {
    const others = categories.filter((c) => c !== held).map((c) => `${c}/`);
    const trained = runScorer([...base, '--only', others.join(',')]);
    const tested = runScorer([...base, '--threshold', String(trained.threshold)]);
    const heldRaw = tested.files.filter((f) => f.file.startsWith(`${held}/`)).reduce((sum, f) => sum + f.rawScore, 0);
    raw += heldRaw;
    parts.push(`${held} T=${trained.threshold.toFixed(3)} raw ${heldRaw.toFixed(2)}`);
  }
  const normalized = (100 * (raw - whole.nullScore)) / (whole.perfectScore - whole.nullScore);
  console.log(`CV (leave one category out) standard normalized ${normalized.toFixed(2).padStart(7)}  [${parts.join('; ')}]`);
}

const results = mkdtempSync(join(tmpdir(), 'vigil-nab-'));
try {
  let rowsTotal = 0;
  const started = performance.now();
  for (const category of readdirSync(data, { withFileTypes: true })) {
    if (!category.isDirectory()) continue;
    for (const file of readdirSync(join(data, category.name))) {
      if (!file.endsWith('.csv')) continue;
      const parsed = parseSeriesCsv(readFileSync(join(data, category.name, file), 'utf8'));
      if (!parsed.ok) throw new Error(`${file}: ${JSON.stringify(parsed.issues.slice(0, 3))}`);
      const out = join(results, category.name, file);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, formatReplayCsv(parsed.rows, replayScores(parsed.rows, options)));
      rowsTotal += parsed.rows.length;
    }
  }
  const ms = performance.now() - started;
  console.log(`replayed ${rowsTotal} rows in ${ms.toFixed(0)} ms (${((rowsTotal / ms) * 1000).toFixed(0)} rows/s)`);
  const base = [scorer, '--data', data, '--windows', join(data, 'windows.json'), '--results', results, '--json'];
  const report = (label: string, extra: string[]): void => {
    const run = spawnSync(process.execPath, [...base, ...extra], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`nab-score failed: ${run.stderr}`);
    const doc = JSON.parse(run.stdout) as { profiles: Record<string, NabProfile> };
    for (const name of ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate']) {
      const p = doc.profiles[name];
      if (!p) throw new Error(`nab-score printed no ${name} profile`);
      console.log(
        `${label.padEnd(16)} ${name.padEnd(20)} normalized ${p.normalizedScore.toFixed(2).padStart(7)}  threshold ${p.threshold}  tp ${p.tp} fp ${p.fp} fn ${p.fn}  windows ${p.windowsDetected}/${p.windowsTotal}`,
      );
      if (verbose && name === 'standard') {
        for (const f of p.files) console.log(`    ${f.file.padEnd(60)} raw ${f.rawScore.toFixed(3).padStart(8)}  tp ${f.tp} fp ${f.fp} fn ${f.fn} det ${f.windowsDetected}/${f.windows}`);
      }
    }
  };
  report('swept', []);
  report(`fixed T=${options.alarmLevel}`, ['--threshold', String(options.alarmLevel)]);
  crossValidate(base);
} finally {
  rmSync(results, { recursive: true, force: true });
}
