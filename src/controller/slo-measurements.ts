/**
 * The hook for the worker (or anything else computing budgets): writes the SLO's measured figures into
 * status, where the CRD's printer columns show them (Burn Rate, Budget Used, Compliance). A merge patch of
 * the status subresource naming only these fields, so it never disturbs the controller's conditions, and
 * the controller's condition patches never disturb these.
 */
import { gvr, type KubeClients } from '../kube/kube-client.js';

export interface SloMeasurements {
  /** Burn rate over the shortest policy window, e.g. "0.42". */
  readonly currentBurnRate?: string;
  /** Percent of the period's error budget consumed, e.g. "12.5". */
  readonly errorBudgetConsumed?: string;
  /** Percent of good events in the period, e.g. "99.93". */
  readonly compliance?: string;
  /** Percent of the (elapsed) period the figures cover, e.g. "100%" or "8.5%"; below 99 % the figures say "(partial)". */
  readonly periodCoverage?: string;
}

export async function patchSloMeasurements(clients: KubeClients, slo: { namespace: string; name: string }, measurements: SloMeasurements): Promise<void> {
  const r = gvr.ServiceLevelObjective;
  await clients.custom.patchNamespacedCustomObjectStatus(
    { group: r.group, version: r.version, plural: r.plural, namespace: slo.namespace, name: slo.name, body: { status: measurements }, fieldManager: 'vigil-worker' },
    clients.mergePatch,
  );
}
