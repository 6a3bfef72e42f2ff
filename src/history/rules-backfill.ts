/**
 * Backfills Vigil's recording rules over history, tier by tier, as TSDB blocks: what `vigil backfill`
 * writes for a user to move into Prometheus's data directory, and how the demo makes its budgets and burn
 * rates meaningful the moment it starts.
 *
 * Each rule is evaluated over the history with one range query (split into requests of at most 10,000
 * steps; a range query at step S is the rule's evaluation every S), the results are written as OpenMetrics
 * and loaded with `promtool tsdb create-blocks-from openmetrics`. (promtool's own `create-blocks-from
 * rules` in 2.42 writes one block per rule per 2 hours — 2,880 blocks for eight rules over a month — and
 * takes minutes.) Rules that read other recordings run in a later tier, against a local Prometheus serving
 * the blocks of the earlier tiers: tier 1 (the tile rates, read from the raw series) is evaluated against
 * `sourceUrl` — the user's Prometheus — or, for the demo, against a local Prometheus on the data directory
 * that already holds the raw history. Each pass may select rules by recorded name and use its own range and
 * evaluation interval (see `backfillPasses`). On VictoriaMetrics (`victoriaMetricsUrl`, the demo's
 * `--engine victoriametrics`) every tier is evaluated against it and its recordings are imported into it.
 */
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createPrometheusReader } from '../prometheus/prometheus-reader.js';
import { importLines } from '../prometheus/victoria-metrics-import.js';
import { runCommand } from '../runtime/process.js';
import { withLocalPrometheus } from './local-prometheus.js';

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
}
interface Group {
  name: string;
  interval?: string;
  rules: Rule[];
}

export interface RulePass {
  /** Recorded names this pass evaluates (default: all recording rules). */
  readonly select?: RegExp;
  /** Unix seconds; aligned down to the evaluation interval so recordings land on tile boundaries. */
  readonly start: number;
  readonly end: number;
  /** Seconds between evaluations. */
  readonly evalInterval: number;
}

/** The recording rules split into tiers: tier n reads only raw series and recordings of tiers < n. */
export function recordingTiers(groups: readonly Group[]): Group[][] {
  const recorded = new Set(groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))));
  const level = new Map<string, number>();
  const depsOf = (r: Rule) => (r.expr.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter((n) => n.includes(':') && recorded.has(n) && n !== r.record);
  for (let changed = true, rounds = 0; changed; rounds++) {
    if (rounds > 50) throw new Error('recording rules depend on each other in a cycle');
    changed = false;
    for (const g of groups) {
      for (const r of g.rules) {
        if (!r.record) continue;
        const l = 1 + Math.max(0, ...depsOf(r).map((d) => level.get(d) ?? 0));
        if (l > (level.get(r.record) ?? 0)) {
          level.set(r.record, l);
          changed = true;
        }
      }
    }
  }
  const tiers: Group[][] = [];
  for (const g of groups) {
    for (const r of g.rules) {
      if (!r.record) continue;
      const tier = (tiers[level.get(r.record)! - 1] ??= []);
      let group = tier.find((x) => x.name === g.name);
      if (!group) tier.push((group = { name: g.name, rules: [] }));
      group.rules.push(r);
    }
  }
  return tiers;
}

function formatLabels(labels: Record<string, string>): string {
  const parts = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

interface RangeSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

/** A range query through the one Prometheus client, split so no request exceeds 10,000 steps; `onChunk` after each request. */
async function rangeQuery(url: string, expr: string, start: number, end: number, step: number, onChunk: () => void): Promise<RangeSeries[]> {
  const reader = createPrometheusReader({ url, timeoutMs: 120_000, attempts: 1 });
  const out = new Map<string, RangeSeries>();
  for (let from = start; from <= end; from += 10_000 * step) {
    const to = Math.min(end, from + 9_999 * step);
    for (const series of await reader.rangeQuery(expr, from * 1000, to * 1000, step * 1000)) {
      const key = JSON.stringify(series.labels);
      const values = series.points.map(([ms, value]): [number, string] => [ms / 1000, String(value)]);
      const seen = out.get(key);
      if (seen) seen.values.push(...values);
      else out.set(key, { metric: { ...series.labels }, values });
    }
    onChunk();
  }
  return [...out.values()];
}

const chunksOf = (pass: RulePass, start: number) => Math.max(1, Math.ceil((Math.floor((pass.end - start) / pass.evalInterval) + 1) / 10_000));

/** Where the recordings go: TSDB blocks in a directory, or imported into VictoriaMetrics. */
export type RulesBackfillTarget =
  | {
      /**
       * Where the blocks go. With `sourceUrl`: an empty directory for the user to move the blocks from.
       * Without: Prometheus's --storage.tsdb.path, already holding the raw history (the demo).
       */
      readonly dataDir: string;
      /** The Prometheus holding the raw series, read for tier 1 (absent: a local Prometheus on `dataDir`). */
      readonly sourceUrl?: string;
    }
  | {
      /** VictoriaMetrics holding the raw series: every tier reads it, and each tier's recordings are imported into it. */
      readonly victoriaMetricsUrl: string;
    };

export type RulesBackfillOptions = RulesBackfillTarget & {
  /** A Prometheus rule file (what `vigil generate` writes). */
  readonly ruleYaml: string;
  readonly passes: readonly RulePass[];
  readonly promtool?: string;
  readonly prometheus?: string;
  readonly log?: (line: string) => void;
  /** Told after every range request: requests done, requests in all, what is running. */
  readonly progress?: (done: number, total: number, what: string) => void;
};

export interface RulesBackfillResult {
  /** Rule passes evaluated (one per tier and pass with rules). */
  readonly runs: number;
  /** Samples written, per tier. */
  readonly samplesPerTier: readonly number[];
  /** Block directories written. */
  readonly blocks: number;
  /** Samples written per recorded name. */
  readonly samplesByRecord: Readonly<Record<string, number>>;
}

/**
 * Runs every pass, tier by tier (a tier's blocks are loaded before the next tier is evaluated).
 */
export async function backfillRecordingRules(options: RulesBackfillOptions): Promise<RulesBackfillResult> {
  const groups = (parse(options.ruleYaml) as { groups: Group[] }).groups;
  const tiers = recordingTiers(groups);
  const work = await mkdtemp(join(tmpdir(), 'vigil-rules-backfill-'));
  const victoriaMetrics = 'victoriaMetricsUrl' in options ? options.victoriaMetricsUrl.replace(/\/+$/, '') : undefined;
  const sourceUrl = 'sourceUrl' in options ? options.sourceUrl : undefined;
  // With a source Prometheus, the later tiers read the earlier tiers' blocks from a local Prometheus on a
  // work directory; the finished blocks are moved to dataDir at the end.
  const localTsdb = 'dataDir' in options ? (sourceUrl ? join(work, 'tsdb') : options.dataDir) : work;
  if (sourceUrl) await mkdir(localTsdb);
  const plan = tiers.map((tier) =>
    options.passes.flatMap((pass, p) => {
      const selected = tier.map((g) => ({ ...g, rules: g.rules.filter((r) => !pass.select || pass.select.test(r.record!)) })).filter((g) => g.rules.length > 0);
      return selected.length > 0 ? [{ pass, p, groups: selected, start: Math.floor(pass.start / pass.evalInterval) * pass.evalInterval }] : [];
    }),
  );
  const total = plan.flat().reduce((n, job) => n + job.groups.reduce((m, g) => m + g.rules.length, 0) * chunksOf(job.pass, job.start), 0);
  let done = 0;
  let runs = 0;
  const samplesPerTier: number[] = [];
  const samplesByRecord: Record<string, number> = {};
  try {
    for (const [t, jobs] of plan.entries()) {
      samplesPerTier.push(0);
      if (jobs.length === 0) continue;
      const file = join(work, `tier-${t}.om`);
      let text = '';
      const evaluate = async (url: string) => {
        const byName = new Map<string, string[]>();
        for (const { pass, p, groups: selected, start } of jobs) {
          const started = Date.now();
          const rules = selected.flatMap((g) => g.rules);
          for (const [r, rule] of rules.entries()) {
            const lines = byName.get(rule.record!) ?? [];
            byName.set(rule.record!, lines);
            const what = `tier ${t + 1}/${tiers.length}, pass ${p + 1}: ${rule.record} (${r + 1}/${rules.length})`;
            for (const series of await rangeQuery(url, rule.expr, start, pass.end, pass.evalInterval, () => options.progress?.(++done, total, what))) {
              const labels = { ...series.metric, ...(rule.labels ?? {}) };
              delete labels.__name__;
              const key = `${rule.record!}${formatLabels(labels)}`;
              for (const [time, value] of series.values) {
                if (!Number.isFinite(Number(value))) continue;
                lines.push(`${key} ${value} ${time}`);
                samplesPerTier[t]!++;
                samplesByRecord[rule.record!] = (samplesByRecord[rule.record!] ?? 0) + 1;
              }
            }
          }
          runs++;
          options.log?.(`rules backfill: tier ${t + 1}, pass ${p + 1}: ${rules.length} rules every ${pass.evalInterval} s over ${((pass.end - start) / 3600).toFixed(0)} h in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        }
        text = [...byName].map(([name, lines]) => `# TYPE ${name} gauge\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}`).join('');
      };
      if (victoriaMetrics) {
        // Imported before the next tier reads them; the OpenMetrics timestamps (seconds) are taken as such.
        await evaluate(victoriaMetrics);
        await importLines(victoriaMetrics, text.split('\n'));
        continue;
      }
      if (t === 0 && sourceUrl) await evaluate(sourceUrl.replace(/\/+$/, ''));
      else await withLocalPrometheus(localTsdb, work, options.prometheus ?? 'prometheus', evaluate);
      await writeFile(file, `${text}# EOF\n`);
      // The local Prometheus is stopped: load this tier's recordings before the next tier reads them.
      if (samplesPerTier[t]! > 0) {
        const out = join(work, `out-${t}`);
        await mkdir(out);
        // Long blocks: a month of one tier is one block, not 360 two-hour ones.
        const result = await runCommand(options.promtool ?? 'promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', '--max-block-duration=744h', file, out]);
        if (result.code !== 0) throw new Error(`promtool create-blocks-from openmetrics (rules tier ${t + 1}) failed: ${`${result.stdout}${result.stderr}`.slice(-10_000)}`);
        for (const block of await readdir(out)) await rename(join(out, block), join(localTsdb, block));
      }
      await rm(file, { force: true });
    }
    let blocks = 0;
    if (sourceUrl && 'dataDir' in options) {
      // Only the block directories (ULIDs); not the local Prometheus's WAL, head chunks or lock file.
      await mkdir(options.dataDir, { recursive: true });
      for (const entry of await readdir(localTsdb)) {
        if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(entry)) continue;
        await rename(join(localTsdb, entry), join(options.dataDir, entry));
        blocks++;
      }
    }
    return { runs, samplesPerTier, blocks, samplesByRecord };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The passes `vigil backfill` and the demo use: the tile recordings over the whole history (5m tiles every
 * 5 minutes, hourly tiles every hour — what the period figures, coverage and backtests read), the rolling
 * 1h, 6h and 1d rates at `evalInterval` over the 3 days before the recent stretch (the live rules compose
 * windows up to 3d from them at offsets, so they must exist at every evaluation time, not only on the
 * hour), and every recording over the last `recentSeconds` at `evalInterval` (what the live rules' windows
 * and the dashboards' recent graphs need). Each tile starts one tile after `start`, so it never spans time
 * before the history.
 */
export function backfillPasses(options: { start: number; end: number; recentSeconds?: number; evalInterval?: number }): RulePass[] {
  const evalInterval = options.evalInterval ?? 300;
  // On an hour boundary, so the tile passes (ending just before it) and the recent pass never share a timestamp.
  const recent = Math.max(options.start, Math.floor((options.end - (options.recentSeconds ?? 6 * 3600)) / 3600) * 3600);
  // The 3d window at the recent stretch's start reads the 1d rate 2d earlier, which reads the 6h rate 18h
  // before that, which reads the 1h rate 5h before that: 3 days of rolling rates cover them all.
  const rolling = Math.max(options.start + 3600, recent - ROLLING_HISTORY_SECONDS);
  const passes: RulePass[] = [];
  if (recent - 300 > options.start + 300) passes.push({ select: /^vigil:sli_(good|total):rate5m$/, start: options.start + 300, end: recent - 1, evalInterval: 300 });
  if (rolling - 3600 > options.start + 3600) passes.push({ select: /^vigil:sli_(good|total):rate1h$/, start: options.start + 3600, end: rolling - 1, evalInterval: 3600 });
  if (recent > rolling) passes.push({ select: /^vigil:sli_(good|total):rate(1h|6h|1d)$/, start: rolling, end: recent - 1, evalInterval });
  passes.push({ start: Math.max(recent, options.start + 3600), end: options.end, evalInterval });
  return passes;
}

const ROLLING_HISTORY_SECONDS = 3 * 86_400;
