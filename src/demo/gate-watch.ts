/**
 * The demo's release-gate step: asks the running API whether checkout may ship (its SLO's 5-minute burn rate
 * at most 2×) and prints the answer whenever it changes, with the canary's own burn rate from Prometheus —
 * a failing gate during each injected incident, a passing one after.
 */
import { canaryQueries, ISTIO_WORKLOAD_LABEL } from '../rules/canary-query.js';
import type { CompiledSlo } from '../rules/compile.js';

export interface GateWatchOptions {
  readonly api: string;
  readonly prometheus: string;
  readonly slo: CompiledSlo;
  readonly canaryWorkload: string;
  readonly log: (line: string) => void;
  readonly intervalMs?: number;
}

interface GateBody {
  pass: boolean;
  reasons: Array<{ message: string; blocking: boolean }>;
  burnRates: Record<string, number | null>;
}

export const demoGateCriteria = { maxBurnRate: 2, window: '5m' } as const;

export function watchGate(options: GateWatchOptions): { stop(): void } {
  const { slo } = options;
  const canary = canaryQueries(slo, 60_000, { label: ISTIO_WORKLOAD_LABEL, value: options.canaryWorkload });
  const gateUrl = `${options.api}/api/v1/slos/${slo.namespace}/${slo.name}/gate?maxBurnRate=${demoGateCriteria.maxBurnRate}&window=${demoGateCriteria.window}`;
  let last: boolean | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const canaryBurn = async (): Promise<string> => {
    if (!canary.ok) return `canary query unavailable: ${canary.message}`;
    const response = await fetch(`${options.prometheus}/api/v1/query?${new URLSearchParams({ query: canary.queries.burnRate })}`);
    const body = (await response.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
    const value = body.data?.result?.[0]?.value[1];
    return value === undefined ? `canary ${options.canaryWorkload}: no traffic yet` : `canary ${options.canaryWorkload} burning at ${Number(Number(value).toPrecision(3))}× over 1m`;
  };

  const check = async () => {
    try {
      const response = await fetch(gateUrl);
      if (response.status !== 200 && response.status !== 412) return; // not ready yet (no result, API starting)
      const body = (await response.json()) as GateBody;
      if (body.pass === last) return;
      last = body.pass;
      const why = body.pass ? `${demoGateCriteria.window} burn rate ${body.burnRates[demoGateCriteria.window] ?? '?'}× ≤ ${demoGateCriteria.maxBurnRate}×` : body.reasons.filter((r) => r.blocking).map((r) => r.message).join('; ');
      options.log(`GATE ${body.pass ? 'PASS' : 'FAIL'} ${slo.namespace}/${slo.name}: ${why} (${await canaryBurn()}; try: vigil gate --api ${options.api} --slo ${slo.namespace}/${slo.name} --max-burn-rate ${demoGateCriteria.maxBurnRate} --window ${demoGateCriteria.window})`);
    } catch {
      // The API or Prometheus is restarting: ask again next time.
    } finally {
      if (!stopped) timer = setTimeout(() => void check(), options.intervalMs ?? 15_000);
    }
  };
  void check();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
