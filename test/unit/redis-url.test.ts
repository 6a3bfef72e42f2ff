import { describe, expect, it } from 'vitest';
import { ConfigError, parseSharedConfig } from '../../src/config/config.js';
import { parseRedisUrl } from '../../src/config/redis-url.js';

describe('--redis-url', () => {
  it('takes a single Redis as redis:// or rediss://', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379/0')).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379/0' });
    expect(parseRedisUrl('rediss://user:pw@redis.example:6380')).toEqual({ kind: 'single', url: 'rediss://user:pw@redis.example:6380' });
  });

  it('takes a cluster as redis+cluster:// with comma-separated seeds, credentials and TLS', () => {
    expect(parseRedisUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001')).toEqual({
      kind: 'cluster',
      seeds: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }],
      tls: false,
    });
    expect(parseRedisUrl('rediss+cluster://vigil:p%40ss@[::1]:7000,redis-0.redis:6379/')).toEqual({
      kind: 'cluster',
      seeds: [{ host: '::1', port: 7000 }, { host: 'redis-0.redis', port: 6379 }],
      username: 'vigil',
      password: 'p@ss',
      tls: true,
    });
  });

  it.each([
    ['http://127.0.0.1:6379', /must start with redis:\/\//],
    ['redis+cluster://127.0.0.1', /seed "127.0.0.1" is not host:port/],
    ['redis+cluster://127.0.0.1:7000,,127.0.0.1:7001', /seed "" is not host:port/],
    ['redis+cluster://127.0.0.1:70000', /is not host:port/],
    ['redis+cluster:127.0.0.1:7000', /expected redis\+cluster:\/\/host:port/],
  ])('refuses %s with a one-line message', (url, message) => {
    expect(() => parseRedisUrl(url)).toThrow(message);
    expect(() => parseSharedConfig(['--redis-url', url], {})).toThrow(ConfigError);
  });

  it('passes a cluster URL through the shared configuration unchanged', () => {
    expect(parseSharedConfig(['--redis-url', 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001'], {}).redisUrl).toBe('redis+cluster://127.0.0.1:7000,127.0.0.1:7001');
  });
});
