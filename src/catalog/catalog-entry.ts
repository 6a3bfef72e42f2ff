/**
 * From the compiled model (src/rules/compile.ts) to SLO catalog entries: what the controller passes to
 * `syncSloCatalog` / `upsertSloCatalog` after each compile. Pure.
 *
 *   const { slos } = compile(resources);
 *   await syncSloCatalog(redis, slos.map(catalogEntryFromCompiled));
 */
import { formatDuration } from '../model/duration.js';
import type { Slo, SloPolicy } from '../model/model.js';
import type { SloCatalogEntry } from '../budget/slo.js';
import { series } from '../rules/names.js';
import type { RuleGroup } from '../rules/rule-group.js';

export function catalogEntry(slo: Slo, policies: readonly SloPolicy[]): SloCatalogEntry {
  const w = slo.window;
  return {
    namespace: slo.ref.namespace,
    name: slo.ref.name,
    service: slo.service.name,
    serviceNamespace: slo.service.namespace,
    goal: slo.goal,
    period: w.type === 'rolling' ? { rollingSeconds: Math.round(w.ms / 1000) } : { calendar: { length: w.length, timeZone: w.timeZone } },
    policies: policies.map((p) => ({
      name: p.name,
      threshold: p.threshold,
      lookBackWindow: formatDuration(p.longWindowMs),
      secondaryWindow: formatDuration(p.shortWindowMs),
      severity: p.severity,
      ...(p.forMs > 0 ? { for: formatDuration(p.forMs) } : {}),
    })),
  };
}

/** The raw expressions of the tile recordings (rate5m, rate1h) among an SLO's rule groups. */
export function rawTileQueries(groups: readonly RuleGroup[]): Record<string, { good: string; total: string }> {
  const out: Record<string, { good: string; total: string }> = {};
  const rules = groups.flatMap((g) => g.rules);
  for (const tileMs of [300_000, 3_600_000]) {
    const good = rules.find((r) => 'record' in r && r.record === series.sliGood(tileMs));
    const total = rules.find((r) => 'record' in r && r.record === series.sliTotal(tileMs));
    if (good && total) out[String(tileMs / 1000)] = { good: good.expr, total: total.expr };
  }
  return out;
}

export function catalogEntryFromCompiled(compiled: { readonly slo: Slo; readonly policies: readonly SloPolicy[]; readonly groups?: readonly RuleGroup[] }): SloCatalogEntry {
  const entry = catalogEntry(compiled.slo, compiled.policies);
  const rawTiles = compiled.groups ? rawTileQueries(compiled.groups) : {};
  return Object.keys(rawTiles).length > 0 ? { ...entry, rawTiles } : entry;
}
