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

export function catalogEntryFromCompiled(compiled: { readonly slo: Slo; readonly policies: readonly SloPolicy[] }): SloCatalogEntry {
  return catalogEntry(compiled.slo, compiled.policies);
}
