/**
 * `vigil worker`'s own options on top of the shared ones (src/config/config.ts), with the same
 * precedence: flag, then `VIGIL_*` variable (from the env object passed in), then default.
 */
import type { ParseArgsConfig } from 'node:util';
import { ConfigError, optionReader, parseListen, type OptionDoc } from '../config/config.js';
import { parseDuration } from '../model/duration.js';

export interface WorkerConfig {
  readonly cycleMs: number;
  readonly concurrency: number;
  readonly metricsListen: { readonly host: string; readonly port: number } | undefined;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  /** How often each queue worker checks that it still fetches jobs (replaced when not, e.g. after a Redis failover). */
  readonly stallCheckMs: number;
  readonly queryTimeoutMs: number;
  /** Pinned evaluation instant (replaying history, debugging); undefined = the cycle start. */
  readonly evaluateAtMs: number | undefined;
  /** Health scoring in this replica (cycles, shards, backfill). */
  readonly health: boolean;
  readonly healthCycleMs: number;
  /** Cold start: learn baselines from this much Prometheus history when Redis holds none (0 = off). */
  readonly healthBackfillMs: number;
  readonly healthShardSize: number;
  /** Expiry of an entity's learned state, refreshed every cycle it is scored (vanished entities' states go away). */
  readonly healthStateTtlMs: number;
}

export const workerOptions: readonly OptionDoc[] = [
  { flag: 'cycle', env: 'VIGIL_WORKER_CYCLE', default: '1m', description: 'budget cycle: how often every SLO is recomputed' },
  { flag: 'concurrency', env: 'VIGIL_WORKER_CONCURRENCY', default: '50', description: 'budget jobs run at once per replica' },
  { flag: 'metrics-listen', env: 'VIGIL_WORKER_METRICS_LISTEN', default: '0.0.0.0:9464', description: "worker's own /metrics and /healthz (HOST:PORT, or none)" },
  { flag: 'lock-duration', env: 'VIGIL_WORKER_LOCK_DURATION', default: '30s', description: 'job lock; a dead worker’s job is retried after this' },
  { flag: 'stalled-interval', env: 'VIGIL_WORKER_STALLED_INTERVAL', default: '30s', description: 'how often stalled jobs are looked for' },
  { flag: 'stall-check', env: 'VIGIL_WORKER_STALL_CHECK', default: '15s', description: 'how often to check that the queue workers still fetch jobs; one that stopped (e.g. after a Redis Cluster failover) is replaced within two checks' },
  { flag: 'query-timeout', env: 'VIGIL_PROMETHEUS_TIMEOUT', default: '20s', description: 'timeout of one Prometheus query attempt' },
  { flag: 'evaluate-at', env: 'VIGIL_WORKER_EVALUATE_AT', default: '', description: 'compute budgets as of this RFC 3339 instant instead of now (replaying history)' },
  { flag: 'health', env: 'VIGIL_HEALTH', default: 'true', description: 'score the health of services and workloads in this replica (true|false)' },
  { flag: 'health-cycle', env: 'VIGIL_HEALTH_CYCLE', default: '1m', description: 'health cycle: how often every entity is scored' },
  { flag: 'health-backfill', env: 'VIGIL_HEALTH_BACKFILL', default: '7d', description: 'cold start: learn baselines from this much history when none are stored (0 = off)' },
  { flag: 'health-shard-size', env: 'VIGIL_HEALTH_SHARD_SIZE', default: '250', description: 'entities per health shard job (shards spread over replicas)' },
  {
    flag: 'health-state-ttl',
    env: 'VIGIL_HEALTH_STATE_TTL',
    default: '8d',
    description: 'forget the learned state of an entity not seen for this long (8d keeps an idle weekend or holiday week)',
  },
];

export const workerParseOptions: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(
  workerOptions.map((o) => [o.flag, { type: 'string' as const }]),
);

export function resolveWorkerConfig(flags: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): WorkerConfig {
  const value = optionReader(workerOptions, flags, env);
  const ms = (flag: string, min: number): number => {
    const parsed = parseDuration(value(flag));
    if (!parsed.ok || parsed.ms < min) throw new ConfigError(`--${flag} must be a duration of at least ${min} ms, got ${JSON.stringify(value(flag))}`);
    return parsed.ms;
  };
  const integer = (flag: string, min: number, max: number): number => {
    const n = Number(value(flag));
    if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`--${flag} must be an integer in ${min}..${max}, got ${JSON.stringify(value(flag))}`);
    return n;
  };
  const bool = (flag: string): boolean => {
    const v = value(flag);
    if (v !== 'true' && v !== 'false') throw new ConfigError(`--${flag} must be true or false, got ${JSON.stringify(v)}`);
    return v === 'true';
  };
  const concurrency = integer('concurrency', 1, 10_000);
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
    stallCheckMs: ms('stall-check', 500),
    queryTimeoutMs: ms('query-timeout', 100),
    evaluateAtMs,
    health: bool('health'),
    healthCycleMs: ms('health-cycle', 1000),
    healthBackfillMs: value('health-backfill') === '0' ? 0 : ms('health-backfill', 60_000),
    healthShardSize: integer('health-shard-size', 1, 100_000),
    healthStateTtlMs: ms('health-state-ttl', 60_000),
  });
}
