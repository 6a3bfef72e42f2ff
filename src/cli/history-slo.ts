/**
 * For `vigil backtest` and `vigil backfill`: the SLOs of resource files, compiled as `vigil generate`
 * would, with their catalog entries (objective, period, policies, raw tile expressions). Errors come back
 * as one line each, never thrown.
 */
import { objectiveFromGoal } from '../budget/budget.js';
import { nominalCalendarSeconds } from '../budget/calendar.js';
import type { SloCatalogEntry } from '../budget/slo.js';
import { formatIssue } from '../model/issue.js';
import type { SourcedResource } from '../model/resource.js';
import { compile, type CompiledSlo } from '../rules/compile.js';
import { catalogEntryFromCompiled } from '../catalog/catalog-entry.js';
import { loadResources } from '../resources/load-resources.js';

export interface HistorySlo {
  readonly compiled: CompiledSlo;
  readonly entry: SloCatalogEntry;
  readonly objective: number;
  /** Rolling length, or the nominal calendar length (30 d for a month). */
  readonly periodSeconds: number;
}

export type Loaded = { ok: true; slos: HistorySlo[]; resources: readonly SourcedResource[] } | { ok: false; message: string };

export function historySlo(compiled: CompiledSlo): HistorySlo {
  const entry = catalogEntryFromCompiled(compiled);
  const periodSeconds = 'rollingSeconds' in entry.period ? entry.period.rollingSeconds : nominalCalendarSeconds[entry.period.calendar.length];
  return { compiled, entry, objective: objectiveFromGoal(entry.goal), periodSeconds };
}

export function loadHistorySlos(files: readonly string[], cwd: string, builtins: boolean): Loaded {
  const loaded = loadResources(files, cwd, { builtins });
  const result = compile(loaded.resources);
  const errors = [...loaded.issues, ...result.issues].filter((i) => i.level === 'error');
  if (errors.length > 0) return { ok: false, message: `${errors.length} error(s) in the resources; first: ${formatIssue(errors[0]!)} (run vigil validate for all)` };
  if (result.slos.length === 0) return { ok: false, message: `no ServiceLevelObjective in ${files.join(', ')}` };
  return { ok: true, slos: result.slos.map(historySlo), resources: loaded.resources };
}

/** The SLO named NAMESPACE/NAME among `slos`, or a message listing the known ones. */
export function pickSlo(slos: readonly HistorySlo[], key: string): HistorySlo | string {
  const found = slos.find((s) => `${s.entry.namespace}/${s.entry.name}` === key);
  if (found) return found;
  const known = slos.map((s) => `${s.entry.namespace}/${s.entry.name}`);
  return `unknown SLO "${key}": the files define ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}`;
}

/** The SLO's policies had it used the policy set `set` instead (for side-by-side comparisons). */
export function policiesWithSet(resources: readonly SourcedResource[], slo: HistorySlo, set: string): HistorySlo['entry']['policies'] | string {
  const key = (r: SourcedResource) => `${r.kind}/${r.metadata.namespace ?? 'default'}/${r.metadata.name}`;
  const target = `ServiceLevelObjective/${slo.entry.namespace}/${slo.entry.name}`;
  const edited = resources.map((r) => (key(r) === target ? { ...r, spec: { ...(r.spec as object), alertingPolicySet: set } } : r));
  const again = compile(edited).slos.find((s) => s.namespace === slo.entry.namespace && s.name === slo.entry.name);
  if (!again) return `policy set "${set}" does not apply to ${slo.entry.namespace}/${slo.entry.name}`;
  const policies = historySlo(again).entry.policies;
  return policies.length > 0 ? policies : `policy set "${set}" has no policies for ${slo.entry.namespace}/${slo.entry.name} (is it defined in the files or built in?)`;
}
