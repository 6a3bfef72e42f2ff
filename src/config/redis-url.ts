/**
 * `--redis-url`: a single Redis (`redis://`, `rediss://`) or a Redis Cluster (`redis+cluster://host:port,host:port,…`,
 * `rediss+cluster://` for TLS, credentials as `redis+cluster://user:pass@host:port,…`), whose seeds are any
 * reachable nodes. Parsed without ioredis so configuration checks stay light.
 */
export type RedisTarget =
  | { readonly kind: 'single'; readonly url: string }
  | {
      readonly kind: 'cluster';
      readonly seeds: ReadonlyArray<{ readonly host: string; readonly port: number }>;
      readonly username?: string;
      readonly password?: string;
      readonly tls: boolean;
    };

export class RedisUrlError extends Error {}

const CLUSTER_SCHEMES: Record<string, boolean> = { 'redis+cluster:': false, 'rediss+cluster:': true };

/** Parses `--redis-url`; throws RedisUrlError with a one-line message when it is neither form. */
export function parseRedisUrl(url: string): RedisTarget {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0].toLowerCase();
  if (scheme === 'redis:' || scheme === 'rediss:') {
    try {
      new URL(url);
    } catch {
      throw new RedisUrlError(`not a Redis URL: ${JSON.stringify(url)}`);
    }
    return { kind: 'single', url };
  }
  if (scheme === undefined || !(scheme in CLUSTER_SCHEMES)) {
    throw new RedisUrlError(`must start with redis://, rediss://, redis+cluster:// or rediss+cluster://, got ${JSON.stringify(url)}`);
  }
  const rest = url.slice(scheme.length);
  if (!rest.startsWith('//')) throw new RedisUrlError(`expected ${scheme}//host:port,host:port, got ${JSON.stringify(url)}`);
  // Authority up to the first '/', '?' or '#'; credentials before the last '@'.
  const authority = /^[^/?#]*/.exec(rest.slice(2))![0];
  const at = authority.lastIndexOf('@');
  const credentials = at >= 0 ? authority.slice(0, at) : '';
  const hosts = at >= 0 ? authority.slice(at + 1) : authority;
  const seeds = hosts.split(',').map((seed) => {
    const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+):(\d{1,5})$/i.exec(seed.trim());
    const port = match ? Number(match[2]) : 0;
    if (!match || port < 1 || port > 65_535) throw new RedisUrlError(`cluster seed ${JSON.stringify(seed)} is not host:port`);
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
  });
  const colon = credentials.indexOf(':');
  const username = decodeURIComponent(colon >= 0 ? credentials.slice(0, colon) : credentials);
  const password = colon >= 0 ? decodeURIComponent(credentials.slice(colon + 1)) : undefined;
  return {
    kind: 'cluster',
    seeds,
    ...(username ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    tls: CLUSTER_SCHEMES[scheme]!,
  };
}
