/**
 * One place that turns `--redis-url` into an ioredis client: a single Redis (`redis://`, `rediss://`) or a
 * Redis Cluster (`redis+cluster://host:port,host:port,…`, `rediss+cluster://` for TLS), whose seeds are any
 * reachable nodes; the client discovers the rest and follows failovers. Every Vigil key carries the `{vigil}`
 * hash tag (src/redis/redis-keys.ts), so on a cluster all of them, BullMQ's included, live in one slot and
 * every MULTI, pipeline and Lua script stays valid.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl } from '../config/redis-url.js';

/**
 * A client for `url` with `options` (per node, on a cluster). The cluster client is typed as `Redis`: it
 * answers every command Vigil sends (one-slot MULTI, pipelines, EVAL, hash and string commands), and BullMQ
 * takes either. Cluster clients retry a command through a failover for about `failoverWaitMs`.
 */
export function createRedis(url: string, options: RedisOptions = {}, failoverWaitMs = 30_000): Redis {
  const target = parseRedisUrl(url);
  if (target.kind === 'single') return new Redis(url, options);
  const retryDelayMs = 200;
  const cluster = new Cluster(
    target.seeds.map((s) => ({ host: s.host, port: s.port })),
    {
      redisOptions: {
        ...options,
        ...(target.username ? { username: target.username } : {}),
        ...(target.password !== undefined ? { password: target.password } : {}),
        ...(target.tls ? { tls: {} } : {}),
      },
      // A killed master is replaced after the cluster's node timeout plus an election; until then its
      // slot answers CLUSTERDOWN or refuses connections. Wait that out instead of failing the command.
      retryDelayOnFailover: retryDelayMs,
      retryDelayOnClusterDown: retryDelayMs,
      retryDelayOnTryAgain: retryDelayMs,
      maxRedirections: Math.ceil(failoverWaitMs / retryDelayMs),
      clusterRetryStrategy: (times) => Math.min(100 * times, 2_000),
      enableReadyCheck: options.enableReadyCheck ?? true,
      enableOfflineQueue: options.enableOfflineQueue ?? true,
      lazyConnect: options.lazyConnect ?? false,
      ...(options.maxRetriesPerRequest === undefined ? {} : { maxRetriesPerRequest: options.maxRetriesPerRequest }),
    } as ConstructorParameters<typeof Cluster>[1],
  );
  return cluster as unknown as Redis;
}
