/** The human text of a burn-rate alert: what burns, how fast, what it costs, where to look. */
import { formatDuration } from '../model/duration.js';
import { roundSignificant, type Slo, type SloPolicy } from '../model/model.js';

/**
 * Alert annotations are Go templates evaluated by Prometheus (with functions such as `query`): user text
 * must not open a template action, so `{{` and `}}` are printed literally.
 */
export function escapeGoTemplate(text: string): string {
  return text.replace(/\{\{|\}\}/g, (m) => `{{ "${m}" }}`);
}

function periodText(slo: Slo): string {
  return slo.window.type === 'rolling' ? `${formatDuration(slo.window.ms)} rolling` : `calendar ${slo.window.length}`;
}

/** Share of the period budget a policy's long window consumes when the burn rate sits at the threshold. */
export function budgetConsumedAtThreshold(slo: Slo, policy: SloPolicy): number {
  return (policy.threshold * policy.longWindowMs) / slo.window.ms;
}

function percent(ratio: number): string {
  return `${roundSignificant(ratio * 100, 4)}%`;
}

export function alertAnnotations(slo: Slo, policy: SloPolicy): Record<string, string> {
  const long = formatDuration(policy.longWindowMs);
  const short = formatDuration(policy.shortWindowMs);
  const threshold = roundSignificant(policy.threshold);
  const exhaustion = formatDuration(Math.max(60_000, Math.round(slo.window.ms / policy.threshold / 60_000) * 60_000));
  const annotations: Record<string, string> = {
    summary: escapeGoTemplate(`${slo.service.namespace}/${slo.service.name}: SLO ${slo.ref.name} burns its error budget ${threshold}× too fast`),
    description:
      `Burn rate over ${long} is {{ $value | printf "%.2f" }}×, above ${threshold}×, and over ${short} too. ` +
      escapeGoTemplate(
        `At ${threshold}× the ${long} window consumes ${percent(budgetConsumedAtThreshold(slo, policy))} of the ` +
          `${periodText(slo)} error budget (goal ${slo.goal}%), and the whole budget lasts ${exhaustion}.` +
          (slo.description ? ` SLO: ${slo.description}` : ''),
      ),
  };
  const runbook = policy.links.runbook ?? slo.links.runbook;
  const dashboard = policy.links.dashboard ?? slo.links.dashboard;
  if (runbook) annotations.runbook_url = escapeGoTemplate(runbook);
  if (dashboard) annotations.dashboard_url = escapeGoTemplate(dashboard);
  return annotations;
}
