/**
 * Runs a generated rule file on vmalert + VictoriaMetrics over historic data: the scenario's raw series are
 * imported, then vmalert replays the rules and writes their results back, as promtool does for Prometheus.
 *
 * Replay evaluates one rule at a time over the whole range, so a rule that reads another rule's series must
 * run after that series is written and flushed. The rule file is therefore replayed in dependency passes:
 * each pass holds the same groups (names, intervals) with only the rules whose inputs earlier passes wrote.
 * The rule text is untouched; live vmalert evaluates the file as it is.
 */
import { parse, stringify } from 'yaml';
import { vmalertReplay, writeRuleFile, type RunningVictoriaMetrics } from '../support/victoria-metrics.js';

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  [key: string]: unknown;
}
interface Group {
  name: string;
  interval?: string;
  rules: Rule[];
}

/** The rule file split into passes: recording rules by dependency depth, then every alerting rule. */
export function dependencyPasses(ruleFileYaml: string): string[] {
  const groups = (parse(ruleFileYaml) as { groups: Group[] }).groups;
  const records = new Set(groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))));
  const depth = new Map<string, number>();
  const depthOf = (expr: string): number => {
    let d = 0;
    for (const name of records) {
      // Record names contain ':' and are never a prefix of a longer name followed by a name character.
      if (new RegExp(`(^|[^a-zA-Z0-9_:])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-zA-Z0-9_:])`).test(expr)) {
        const inner = depth.get(name);
        if (inner === undefined) return Number.NaN;
        d = Math.max(d, inner + 1);
      }
    }
    return d;
  };
  // Fixed point: a record's depth is known once every record it reads has one.
  for (let changed = true; changed; ) {
    changed = false;
    for (const rule of groups.flatMap((g) => g.rules)) {
      if (!rule.record || depth.has(rule.record)) continue;
      const d = depthOf(rule.expr);
      if (!Number.isNaN(d)) {
        depth.set(rule.record, d);
        changed = true;
      }
    }
  }
  const missing = [...records].filter((r) => !depth.has(r));
  if (missing.length > 0) throw new Error(`recording rules in a cycle: ${missing.join(', ')}`);
  const alertPass = Math.max(0, ...depth.values()) + 1;
  const passOf = (rule: Rule) => (rule.record ? depth.get(rule.record)! : alertPass);
  const passes: string[] = [];
  for (let pass = 0; pass <= alertPass; pass++) {
    const passGroups = groups
      .map((g) => ({ ...g, rules: g.rules.filter((r) => passOf(r) === pass) }))
      .filter((g) => g.rules.length > 0);
    if (passGroups.length > 0) passes.push(stringify({ groups: passGroups }, { lineWidth: 0 }));
  }
  return passes;
}

/** Replays `ruleFileYaml` over [from, to] (seconds) on `vm`, pass by pass. */
export async function replayRuleFile(vm: RunningVictoriaMetrics, dir: string, name: string, ruleFileYaml: string, from: number, to: number): Promise<void> {
  const passes = dependencyPasses(ruleFileYaml);
  for (const [i, pass] of passes.entries()) {
    await vmalertReplay(vm, [await writeRuleFile(dir, `${name}.pass${i}.yaml`, pass)], from, to);
  }
}

/** Exposition lines with millisecond timestamps for cumulative values sampled every `intervalMinutes`. */
export function importLines(series: ReadonlyArray<{ series: string; values: readonly number[] }>, startSeconds: number, intervalMinutes: number): string[] {
  const lines: string[] = [];
  for (const s of series) {
    const name = s.series.replace(/\s+/g, '');
    s.values.forEach((value, i) => lines.push(`${name} ${value} ${(startSeconds + i * intervalMinutes * 60) * 1000}`));
  }
  return lines;
}
