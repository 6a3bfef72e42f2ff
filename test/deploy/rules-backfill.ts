/**
 * Backfills recording rules with `promtool tsdb create-blocks-from rules` in dependency tiers: promtool
 * evaluates rules against a running Prometheus, which cannot see what it is backfilling, so rules that read
 * other recordings (Vigil's derived windows) get a tier after the rules they read. After each tier the new
 * blocks move into the data directory and Prometheus restarts on it.
 */
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { promtool, startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { tempDir } from '../support/processes.js';

interface Rule { record?: string; alert?: string; expr: string; labels?: Record<string, string> }
interface Group { name: string; interval?: string; rules: Rule[] }

/** The recording rules split into tiers: tier n reads only raw series and recordings of tiers < n. */
export function recordingTiers(groups: readonly Group[]): Group[][] {
  const recorded = new Set(groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))));
  const level = new Map<string, number>();
  const depsOf = (r: Rule) => (r.expr.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter((n) => n.includes(':') && recorded.has(n) && n !== r.record);
  for (let changed = true, rounds = 0; changed; rounds++) {
    if (rounds > 20) throw new Error('recording rules depend on each other in a cycle');
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
      const l = level.get(r.record)! - 1;
      const tier = (tiers[l] ??= []);
      let group = tier.find((x) => x.name === g.name);
      if (!group) tier.push((group = { name: g.name, ...(g.interval ? { interval: g.interval } : {}), rules: [] }));
      group.rules.push(r);
    }
  }
  return tiers;
}

/**
 * Backfills every recording rule of `ruleYaml` over [start, end] into `dataDir`, evaluating every
 * `evalInterval` (the groups' own intervals are replaced by it). Returns the number of tiers.
 */
export async function backfillRecordingRules(options: { ruleYaml: string; dataDir: string; start: number; end: number; evalInterval: string }): Promise<number> {
  const groups = (parse(options.ruleYaml) as { groups: Group[] }).groups;
  const tiers = recordingTiers(groups);
  const work = await tempDir('rules-backfill');
  let prometheus: RunningPrometheus | undefined;
  try {
    for (const [i, tier] of tiers.entries()) {
      prometheus = await startPrometheus({ dataDir: options.dataDir });
      const file = join(work.path, `tier-${i}.yaml`);
      await writeFile(file, stringify({ groups: tier.map((g) => ({ ...g, interval: options.evalInterval })) }));
      const out = join(work.path, `out-${i}`);
      await mkdir(out);
      const result = await promtool([
        'tsdb', 'create-blocks-from', 'rules', '--quiet', `--url=${prometheus.url}`, `--start=${options.start}`, `--end=${options.end}`,
        `--output-dir=${out}`, `--eval-interval=${options.evalInterval}`, file,
      ]);
      if (result.code !== 0) throw new Error(`promtool create-blocks-from rules (tier ${i}) failed: ${result.stderr}${result.stdout}`);
      await prometheus.stop();
      prometheus = undefined;
      for (const block of await readdir(out)) await rename(join(out, block), join(options.dataDir, block));
    }
  } finally {
    await prometheus?.stop();
    await work.remove();
  }
  return tiers.length;
}
