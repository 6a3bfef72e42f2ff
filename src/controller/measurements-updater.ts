/**
 * Kubernetes mode: copies the worker's budget figures into each SLO's status (printer columns Burn Rate,
 * Budget Used, Compliance). Runs on the leader only, reads all results in one HSCAN pass per interval and
 * patches an SLO only when its printed figures changed. A stale result prints "stale", never old numbers
 * dressed as current.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import { currentBurnWindow } from '../budget/series-names.js';
import { readBudgetResults, type StoredBudgetResult } from '../export/budget-results.js';
import type { SloMeasurements } from './slo-measurements.js';

export interface MeasurementsUpdaterOptions {
  readonly redis: Redis;
  readonly logger: Logger;
  readonly patch: (slo: { namespace: string; name: string }, measurements: SloMeasurements) => Promise<void>;
  readonly isLeader: () => boolean;
  /** Only SLOs the controller knows are patched (a result may outlive its SLO for a moment). */
  readonly exists: (slo: { namespace: string; name: string }) => boolean;
  readonly cycleMs: number;
  readonly intervalMs?: number;
  readonly now?: () => number;
}

const significant = (x: number, digits: number) => String(Number(x.toPrecision(digits)));

/** The printed figures of one result (pure). */
export function measurementsOf(stored: StoredBudgetResult): SloMeasurements {
  if (!stored.fresh) return { currentBurnRate: 'stale', errorBudgetConsumed: 'stale', compliance: 'stale', periodCoverage: 'stale' };
  const { state } = stored.result;
  const burn = state.burnRates[currentBurnWindow];
  // A figure over part of the period only is marked, so nobody reads it as the period's.
  const mark = state.partial ? ' (partial)' : '';
  return {
    currentBurnRate: burn === undefined ? 'no data' : significant(burn, 3),
    errorBudgetConsumed: state.consumed === undefined ? 'no data' : `${significant(state.consumed * 100, 3)}%${mark}`,
    compliance: state.compliance === undefined ? 'no data' : `${significant(state.compliance * 100, 6)}%${mark}`,
    periodCoverage: state.coverage === undefined ? 'no data' : `${significant(state.coverage * 100, 3)}%`,
  };
}

export class MeasurementsUpdater {
  private readonly printed = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: MeasurementsUpdaterOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 30_000);
    this.timer.unref?.();
  }

  /** One pass; concurrent calls share it. */
  tick(): Promise<void> {
    return (this.running ??= this.pass().finally(() => (this.running = undefined)));
  }

  private async pass(): Promise<void> {
    const { options } = this;
    if (!options.isLeader()) {
      this.printed.clear(); // a new leader must not trust what an old term printed
      return;
    }
    let results: StoredBudgetResult[];
    try {
      results = await readBudgetResults(options.redis, { cycleMs: options.cycleMs, nowMs: (options.now ?? Date.now)() });
    } catch (error) {
      options.logger.warn({ err: (error as Error).message }, 'reading budget results for SLO status failed; will retry');
      return;
    }
    for (const stored of results) {
      const slo = { namespace: stored.namespace, name: stored.name };
      if (!options.exists(slo)) continue;
      const key = `${slo.namespace}/${slo.name}`;
      const measurements = measurementsOf(stored);
      const text = JSON.stringify(measurements);
      if (this.printed.get(key) === text) continue;
      try {
        await options.patch(slo, measurements);
        this.printed.set(key, text);
      } catch (error) {
        options.logger.warn({ slo: key, err: (error as Error).message }, 'writing SLO measurements to status failed; will retry');
      }
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
