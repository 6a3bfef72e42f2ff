/**
 * Budget results from Redis as Prometheus metrics, for the API process's `/metrics`. prom-client
 * collect callbacks read the results hash at scrape time (one HSCAN pass shared by all metrics of a
 * scrape), so every API replica exports the same complete set whatever worker computed it.
 *
 * Redis down: a scrape waits at most `readTimeoutMs` and then exports the last results it read, still
 * subject to the staleness rule below, so `/metrics` keeps answering (with the process's own metrics) and
 * results go stale during a long outage exactly as they do when the workers cannot reach Prometheus.
 *
 * Staleness: a result computed more than `staleCycles` cycles ago is left out of the exposition (the
 * series disappear and Prometheus marks them stale) rather than exported as fresh; nothing is ever
 * exported as a zero that was not computed. `vigil_budget_results{state}` counts fresh and stale results
 * for the self-monitoring alerts.
 *
 * Mount it in the API: `const registry = createResultsRegistry(redis, { cycleMs });` then serve
 * `await registry.metrics()` with `registry.contentType` (or merge with `Registry.merge`).
 */
import type { Redis } from 'ioredis';
import { Gauge, Registry } from 'prom-client';
import type { BudgetResult } from '../budget/result.js';
import { readBudgetResults } from './budget-results.js';
import { lastKnown, readFailuresCounter } from '../observability/last-known.js';
import { redisKeys } from '../redis/redis-keys.js';
import { BUDGET_STALE_CYCLES, budgetStaleAfterMs, isFresh } from './freshness.js';

export interface ResultsRegistryOptions {
  /** The workers' budget cycle. */
  readonly cycleMs: number;
  /** Results older than this many cycles are dropped from the exposition (default 3). */
  readonly staleCycles?: number;
  /** Wall clock (default Date.now). */
  readonly now?: () => number;
  /** Register into this registry instead of a new one. */
  readonly registry?: Registry;
  /** Longest a scrape waits for Redis before using the last results read (default 2 s). */
  readonly readTimeoutMs?: number;
}

interface Snapshot {
  readonly fresh: ReadonlyArray<{ namespace: string; slo: string; result: BudgetResult }>;
  readonly stale: number;
  readonly invalid: number;
}

/**
 * Reads every result once per scrape (collect callbacks of one scrape share the read), waiting at most
 * `readTimeoutMs`; while Redis does not answer, the last results read are used, their freshness checked
 * against the clock again, so they drop out after `staleCycles` cycles as they would without the outage.
 */
function snapshotLoader(redis: Redis, options: ResultsRegistryOptions, onFailure: () => void): () => Promise<Snapshot> {
  const staleCycles = options.staleCycles ?? BUDGET_STALE_CYCLES;
  const now = options.now ?? Date.now;
  const read = lastKnown(
    async () => {
      const [all, total] = await Promise.all([readBudgetResults(redis, { cycleMs: options.cycleMs, staleCycles, nowMs: now() }), redis.hlen(redisKeys.budgetResults)]);
      return { all, invalid: Math.max(0, total - all.length) };
    },
    { timeoutMs: options.readTimeoutMs ?? 2000, onFailure },
  );
  return async () => {
    const { value } = await read();
    const nowMs = now();
    const all = value?.all ?? [];
    const fresh = all
      .filter((r) => isFresh(r.result.computedAtMs, nowMs, budgetStaleAfterMs(options.cycleMs, staleCycles)))
      .map((r) => ({ namespace: r.namespace, slo: r.name, result: r.result }));
    return { fresh, stale: all.length - fresh.length, invalid: value?.invalid ?? 0 };
  };
}

type Labels = { slo: string; namespace: string; service: string };

export function createResultsRegistry(redis: Redis, options: ResultsRegistryOptions): Registry {
  const registry = options.registry ?? new Registry();
  const readFailures = readFailuresCounter(registry);
  const snapshot = snapshotLoader(redis, options, () => readFailures.inc({ source: 'budget' }));
  const labelNames = ['slo', 'namespace', 'service'] as const;

  const perSlo = (name: string, help: string, pick: (r: BudgetResult) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const snap = await snapshot();
        this.reset();
        for (const { namespace, slo, result } of snap.fresh) {
          const value = pick(result);
          if (value !== undefined) this.set({ slo, namespace, service: result.service } satisfies Labels, value);
        }
      },
    });

  perSlo('vigil_slo_error_budget_consumed_ratio', 'Share of the error budget of the current period consumed (1 = all; > 1 overspent).', (r) => r.state.consumed);
  perSlo('vigil_slo_error_budget_remaining_ratio', 'Share of the error budget of the current period left (negative when overspent).', (r) => r.state.remaining);
  perSlo('vigil_slo_compliance_ratio', 'Good events / all events over the rolling period or the elapsed calendar period.', (r) => r.state.compliance);
  perSlo('vigil_slo_time_to_exhaustion_seconds', 'Seconds until the budget is spent at the current (1h) burn rate; +Inf when not burning.', (r) => r.state.timeToExhaustionSeconds);
  perSlo(
    'vigil_slo_period_coverage_ratio',
    'Share of the (elapsed) period the budget figures cover: recorded tiles plus those filled from raw series. Below 0.99 the figures are partial.',
    (r) => r.state.coverage,
  );
  perSlo(
    'vigil_slo_period_recorded_coverage_ratio',
    'Share of the (elapsed) period covered by Vigil’s own recordings (vigil:sli_*:rate5m/rate1h tiles); the Prometheus-side figures see only this much.',
    (r) => r.state.recordedCoverage,
  );
  perSlo('vigil_slo_computed_timestamp_seconds', 'When the worker computed these results (Unix seconds).', (r) => r.computedAtMs / 1000);
  perSlo('vigil_slo_period_start_timestamp_seconds', 'Start of the current SLO period (calendar: local midnight in the SLO time zone).', (r) => r.state.periodStartMs / 1000);

  new Gauge({
    name: 'vigil_slo_burn_rate',
    help: 'Error ratio over the window divided by the error budget ratio (1 = spends exactly the budget in one period).',
    labelNames: [...labelNames, 'window'],
    registers: [registry],
    async collect() {
      const snap = await snapshot();
      this.reset();
      for (const { namespace, slo, result } of snap.fresh) {
        for (const [window, value] of Object.entries(result.state.burnRates)) this.set({ slo, namespace, service: result.service, window }, value);
      }
    },
  });
  new Gauge({
    name: 'vigil_slo_alert_firing',
    help: 'Per AlertingPolicy: 1 when a VigilErrorBudgetBurn alert fires, 0.5 when pending, 0 when inactive.',
    labelNames: [...labelNames, 'policy'],
    registers: [registry],
    async collect() {
      const snap = await snapshot();
      this.reset();
      const value = { firing: 1, pending: 0.5, inactive: 0 } as const;
      for (const { namespace, slo, result } of snap.fresh) {
        for (const [policy, state] of Object.entries(result.alerts)) this.set({ slo, namespace, service: result.service, policy }, value[state]);
      }
    },
  });
  new Gauge({
    name: 'vigil_budget_results',
    help: 'Budget results in Redis by state: fresh (exported), stale (older than the staleness limit, not exported), invalid.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const snap = await snapshot();
      this.set({ state: 'fresh' }, snap.fresh.length);
      this.set({ state: 'stale' }, snap.stale);
      this.set({ state: 'invalid' }, snap.invalid);
    },
  });
  return registry;
}
