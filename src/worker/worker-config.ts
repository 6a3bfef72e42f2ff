/**
 * `vigil worker`'s own options on top of the shared ones (src/config/config.ts), with the same
 * precedence: flag, then `VIGIL_*` variable (from the env object passed in), then default.
 */
import type { ParseArgsConfig } from 'node:util';
import { ConfigError, optionReader, parseListen, type OptionDoc } from '../config/config.js';
import { parseDuration } from '../budget/duration.js';

export interface WorkerConfig {
  readonly cycleMs: number;
  readonly concurrency: number;
  readonly metricsListen: { readonly host: string; readonly port: number } | undefined;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly queryTimeoutMs: number;
  /** Pinned evaluation instant (replaying history, debugging); undefined = the cycle start. */
  readonly evaluateAtMs: number | undefined;
}

export const workerOptions: readonly OptionDoc[] = [
  { flag: 'cycle', env: 'VIGIL_WORKER_CYCLE', default: '1m', description: 'budget cycle: how often every SLO is recomputed' },
  { flag: 'concurrency', env: 'VIGIL_WORKER_CONCURRENCY', default: '50', description: 'budget jobs run at once per replica' },
  { flag: 'metrics-listen', env: 'VIGIL_WORKER_METRICS_LISTEN', default: '0.0.0.0:9464', description: "worker's own /metrics and /healthz (HOST:PORT, or none)" },
  { flag: 'lock-duration', env: 'VIGIL_WORKER_LOCK_DURATION', default: '30s', description: 'job lock; a dead worker’s job is retried after this' },
  { flag: 'stalled-interval', env: 'VIGIL_WORKER_STALLED_INTERVAL', default: '30s', description: 'how often stalled jobs are looked for' },
  { flag: 'query-timeout', env: 'VIGIL_PROMETHEUS_TIMEOUT', default: '20s', description: 'timeout of one Prometheus query attempt' },
  { flag: 'evaluate-at', env: 'VIGIL_WORKER_EVALUATE_AT', default: '', description: 'compute budgets as of this RFC 3339 instant instead of now (replaying history)' },
];

export const workerParseOptions: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(
  workerOptions.map((o) => [o.flag, { type: 'string' as const }]),
);

export function resolveWorkerConfig(flags: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): WorkerConfig {
  const value = optionReader(workerOptions, flags, env);
  const ms = (flag: string, min: number): number => {
    const seconds = parseDuration(value(flag));
    if (seconds === undefined || seconds * 1000 < min) throw new ConfigError(`--${flag} must be a duration of at least ${min} ms, got ${JSON.stringify(value(flag))}`);
    return seconds * 1000;
  };
  const concurrency = Number(value('concurrency'));
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) throw new ConfigError(`--concurrency must be an integer in 1..10000, got ${JSON.stringify(value('concurrency'))}`);
  const listen = value('metrics-listen');
  const evaluateAt = value('evaluate-at');
  const evaluateAtMs = evaluateAt === '' ? undefined : Date.parse(evaluateAt);
  if (Number.isNaN(evaluateAtMs)) throw new ConfigError(`--evaluate-at must be an RFC 3339 instant, got ${JSON.stringify(evaluateAt)}`);
  return Object.freeze({
    cycleMs: ms('cycle', 1000),
    concurrency,
    metricsListen: listen === 'none' || listen === '' ? undefined : parseListen(listen),
    lockDurationMs: ms('lock-duration', 500),
    stalledIntervalMs: ms('stalled-interval', 500),
    queryTimeoutMs: ms('query-timeout', 100),
    evaluateAtMs,
  });
}
