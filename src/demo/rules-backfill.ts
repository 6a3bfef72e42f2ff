/**
 * Backfills Vigil's recording rules over demo history, so budgets and burn rates are meaningful the moment
 * the demo starts.
 *
 * Each rule is evaluated over the history with one range query against a temporary Prometheus on the data
 * directory (a range query at step S is the rule's evaluation every S), the results are written as
 * OpenMetrics and loaded with `promtool tsdb create-blocks-from openmetrics`. (promtool's own
 * `create-blocks-from rules` in 2.42 writes one block per rule per 2 hours — 2,880 blocks for eight rules
 * over a month — and takes minutes.) Rules that read other recordings run in a later tier, after the blocks
 * of the earlier one have been loaded (Prometheus is restarted on the data directory between tiers). Each pass may select
 * rules by recorded name and use its own range and evaluation interval: the demo backfills only the 1-hour
 * tiles (`vigil:sli_*:rate1h`, hourly) over the whole month and the 5-minute tiles over the last hours —
 * the long windows are derived from those tiles by the live rules at their first evaluation.
 */
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createPrometheusReader, type MetricsReader, type RangeSeries } from '../prometheus/prometheus-reader.js';
import { freePort } from '../runtime/ports.js';
import { answersOk, runCommand, startProcess, waitFor } from '../runtime/process.js';

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

/** A range query split so no request exceeds Prometheus's 11,000 points per series; times in seconds. */
async function rangeQuery(reader: MetricsReader, expr: string, start: number, end: number, step: number): Promise<RangeSeries[]> {
  const out = new Map<string, { labels: Readonly<Record<string, string>>; points: Array<readonly [number, number]> }>();
  for (let from = start; from <= end; from += 10_000 * step) {
    const to = Math.min(end, from + 9_999 * step);
    for (const series of await reader.rangeQuery(expr, from * 1000, to * 1000, step * 1000)) {
      const key = JSON.stringify(series.labels);
      const seen = out.get(key);
      if (seen) seen.points.push(...series.points);
      else out.set(key, { labels: series.labels, points: [...series.points] });
    }
  }
  return [...out.values()];
}

/** A throw-away Prometheus on the data directory, for the rules to be evaluated against. */
async function withPrometheus<T>(dataDir: string, work: string, binary: string, body: (reader: MetricsReader) => Promise<T>): Promise<T> {
  const port = await freePort();
  const config = join(work, 'prometheus.yml');
  await writeFile(config, 'global:\n  scrape_interval: 1m\n');
  const prometheus = startProcess(binary, [`--config.file=${config}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=400d', '--log.level=warn'], { keepChars: 5_000 });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor('prometheus (rules backfill) ready', () => answersOk(`${url}/-/ready`), { timeoutMs: 30_000, process: prometheus });
    return await body(createPrometheusReader({ url, timeoutMs: 120_000, attempts: 1 }));
  } finally {
    await prometheus.stop();
  }
}

export interface RulesBackfillOptions {
  /** A Prometheus rule file (what `vigil generate` writes). */
  readonly ruleYaml: string;
  /** Prometheus's --storage.tsdb.path, already holding the raw history; new blocks are moved in. */
  readonly dataDir: string;
  readonly passes: readonly RulePass[];
  readonly promtool?: string;
  readonly prometheus?: string;
  readonly log?: (line: string) => void;
}

/**
 * Runs every pass, tier by tier (a tier's blocks are loaded before the next tier is evaluated). Returns the
 * number of promtool runs.
 */
export async function backfillRecordingRules(options: RulesBackfillOptions): Promise<number> {
  const groups = (parse(options.ruleYaml) as { groups: Group[] }).groups;
  const tiers = recordingTiers(groups);
  const work = await mkdtemp(join(tmpdir(), 'vigil-rules-backfill-'));
  let runs = 0;
  try {
    for (const [t, tier] of tiers.entries()) {
      const jobs = options.passes.flatMap((pass, p) => {
        const selected = tier.map((g) => ({ ...g, rules: g.rules.filter((r) => !pass.select || pass.select.test(r.record!)) })).filter((g) => g.rules.length > 0);
        return selected.length > 0 ? [{ pass, p, groups: selected }] : [];
      });
      if (jobs.length === 0) continue;
      const file = join(work, `tier-${t}.om`);
      let samples = 0;
      await withPrometheus(options.dataDir, work, options.prometheus ?? 'prometheus', async (reader) => {
        const byName = new Map<string, string[]>();
        for (const { pass, p, groups: selected } of jobs) {
          const started = Date.now();
          const start = Math.floor(pass.start / pass.evalInterval) * pass.evalInterval;
          const rules = selected.flatMap((g) => g.rules);
          for (const rule of rules) {
            const lines = byName.get(rule.record!) ?? [];
            byName.set(rule.record!, lines);
            for (const series of await rangeQuery(reader, rule.expr, start, pass.end, pass.evalInterval)) {
              const labels = { ...series.labels, ...(rule.labels ?? {}) };
              const key = `${rule.record!}${formatLabels(labels)}`;
              for (const [ms, value] of series.points) {
                if (!Number.isFinite(value)) continue;
                lines.push(`${key} ${value} ${ms / 1000}`);
                samples++;
              }
            }
          }
          runs++;
          options.log?.(`rules backfill: tier ${t + 1}, pass ${p + 1}: ${rules.length} rules every ${pass.evalInterval} s over ${((pass.end - start) / 3600).toFixed(0)} h in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        }
        const text = [...byName].map(([name, lines]) => `# TYPE ${name} gauge\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}`).join('');
        await writeFile(file, `${text}# EOF\n`);
      });
      // Prometheus is stopped: load this tier's recordings before the next tier reads them.
      if (samples > 0) {
        const out = join(work, `out-${t}`);
        await mkdir(out);
        const result = await runCommand(options.promtool ?? 'promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', file, out]);
        if (result.code !== 0) throw new Error(`promtool create-blocks-from openmetrics (rules tier ${t + 1}) failed: ${`${result.stdout}${result.stderr}`.slice(-10_000)}`);
        for (const block of await readdir(out)) await rename(join(out, block), join(options.dataDir, block));
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return runs;
}
/**
 * The demo's passes: the 1-hour tiles over the whole history (hourly), the 5-minute and 30-minute ones and
 * everything derived from them over the last `recentHours` (every 5 minutes).
 */
export function demoRulePasses(options: { start: number; end: number; recentHours?: number }): RulePass[] {
  const recent = options.end - (options.recentHours ?? 6) * 3600;
  return [
    { select: /^vigil:sli_(good|total):rate1h$/, start: options.start + 3600, end: recent - 1, evalInterval: 3600 },
    { start: Math.max(recent, options.start + 3600), end: options.end, evalInterval: 300 },
  ];
}
