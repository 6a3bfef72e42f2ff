/**
 * The one place that reads flags and `VIGIL_*` environment variables. Precedence: flag, then environment,
 * then default. The result is validated once and frozen; nothing else reads process.env.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseRedisUrl } from './redis-url.js';

export interface VigilConfig {
  /** `dir:PATH` or `kubernetes`. */
  readonly source: string;
  /** Rule-file sink directory; undefined means the PrometheusRule sink (Kubernetes mode). */
  readonly rulesDir: string | undefined;
  readonly prometheusUrl: string;
  readonly redisUrl: string;
  readonly listen: { readonly host: string; readonly port: number };
  /** `none`, `tokens:FILE` or `kubernetes`. */
  readonly auth: string;
  readonly logLevel: string;
}

export interface OptionDoc {
  readonly flag: string;
  readonly env: string;
  readonly default: string;
  readonly description: string;
}

/** Every shared option with its environment variable and default, documented in the README. */
export const sharedOptions: readonly OptionDoc[] = [
  { flag: 'source', env: 'VIGIL_SOURCE', default: 'kubernetes', description: 'where resources come from: dir:PATH or kubernetes' },
  { flag: 'rules-dir', env: 'VIGIL_RULES_DIR', default: '', description: 'write rule files here (omit for PrometheusRule objects)' },
  { flag: 'prometheus-url', env: 'VIGIL_PROMETHEUS_URL', default: 'http://127.0.0.1:9090', description: 'Prometheus (or Thanos Query / Mimir) HTTP API' },
  { flag: 'redis-url', env: 'VIGIL_REDIS_URL', default: 'redis://127.0.0.1:6379', description: 'Redis for the queue and results: redis://host:port, or a Redis Cluster as redis+cluster://host:port,host:port (any reachable nodes)' },
  { flag: 'listen', env: 'VIGIL_LISTEN', default: '127.0.0.1:8080', description: 'API and /metrics listen address' },
  { flag: 'auth', env: 'VIGIL_AUTH', default: 'none', description: 'API access: none (loopback only), tokens:FILE or kubernetes' },
  { flag: 'log-level', env: 'VIGIL_LOG_LEVEL', default: 'info', description: 'pino log level' },
];

export class ConfigError extends Error {
  readonly code = 'VIGIL_CONFIG';
}

/** The controller writes rules to files (directory source) or as PrometheusRule objects (Kubernetes), never both. */
export function checkRulesTarget(config: Pick<VigilConfig, 'source' | 'rulesDir'>): void {
  if (config.source === 'kubernetes' && config.rulesDir) throw new ConfigError('--rules-dir goes with --source dir:PATH; in Kubernetes mode rules are PrometheusRule objects');
  if (config.source !== 'kubernetes' && !config.rulesDir) throw new ConfigError('--source dir:PATH needs --rules-dir PATH (where rule files go)');
}

export function parseListen(value: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port > 65_535) {
    throw new ConfigError(`--listen must be HOST:PORT, got ${JSON.stringify(value)}`);
  }
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Reads one documented option: the flag if given, else its `VIGIL_*` variable, else its default. */
export function optionReader(docs: readonly OptionDoc[], flags: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): (flag: string) => string {
  return (flag) => {
    const doc = docs.find((o) => o.flag === flag);
    if (!doc) throw new Error(`undocumented option --${flag}`);
    const fromFlag = flags[flag];
    return typeof fromFlag === 'string' ? fromFlag : (env[doc.env] ?? doc.default);
  };
}

/**
 * Merges flags (already parsed), environment and defaults. `env` is passed in so tests need not touch the
 * real environment.
 */
export function resolveConfig(
  flags: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv,
  /** Roles that serve no API data (controller, worker) expose only metrics and health on --listen. */
  options: { servesApi?: boolean } = {},
): VigilConfig {
  const value = optionReader(sharedOptions, flags, env);
  const source = value('source');
  if (source !== 'kubernetes' && !/^dir:.+/.test(source)) {
    throw new ConfigError(`--source must be dir:PATH or kubernetes, got ${JSON.stringify(source)}`);
  }
  const auth = value('auth');
  if (auth !== 'none' && auth !== 'kubernetes' && !/^tokens:.+/.test(auth)) {
    throw new ConfigError(`--auth must be none, tokens:FILE or kubernetes, got ${JSON.stringify(auth)}`);
  }
  const listen = parseListen(value('listen'));
  if ((options.servesApi ?? true) && auth === 'none' && !isLoopback(listen.host)) {
    throw new ConfigError(`--auth none is refused on a non-loopback address (${listen.host}); use tokens:FILE or kubernetes`);
  }
  try {
    new URL(value('prometheus-url'));
  } catch {
    throw new ConfigError(`--prometheus-url must be a URL, got ${JSON.stringify(value('prometheus-url'))}`);
  }
  try {
    parseRedisUrl(value('redis-url'));
  } catch (error) {
    throw new ConfigError(`--redis-url ${(error as Error).message}`);
  }
  return Object.freeze({
    source,
    rulesDir: value('rules-dir') || undefined,
    prometheusUrl: value('prometheus-url'),
    redisUrl: value('redis-url'),
    listen: Object.freeze(listen),
    auth,
    logLevel: value('log-level'),
  });
}

/** parseArgs options for the shared flags, to merge into a command's own options. */
export const sharedParseOptions: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(
  sharedOptions.map((o) => [o.flag, { type: 'string' as const }]),
);

export function parseSharedConfig(argv: readonly string[], env: NodeJS.ProcessEnv): VigilConfig {
  const { values } = parseArgs({ args: [...argv], options: sharedParseOptions, allowPositionals: false, strict: true });
  return resolveConfig(values, env);
}
