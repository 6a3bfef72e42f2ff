import { describe, expect, it } from 'vitest';
import { parseSharedConfig, resolveConfig } from '../../src/config/config.js';

describe('configuration: flag > VIGIL_* > default', () => {
  it('uses documented defaults', () => {
    const config = resolveConfig({}, {});
    expect(config).toMatchObject({ source: 'kubernetes', rulesDir: undefined, prometheusUrl: 'http://127.0.0.1:9090', auth: 'none', listen: { host: '127.0.0.1', port: 8080 } });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('environment beats default, flag beats environment', () => {
    const env = { VIGIL_REDIS_URL: 'redis://env:6379', VIGIL_LOG_LEVEL: 'debug' };
    expect(resolveConfig({}, env).redisUrl).toBe('redis://env:6379');
    expect(parseSharedConfig(['--redis-url', 'redis://flag:6379'], env)).toMatchObject({ redisUrl: 'redis://flag:6379', logLevel: 'debug' });
  });

  it.each([
    [{ auth: 'none', listen: '0.0.0.0:8080' }, '--auth none is refused on a non-loopback address'],
    [{ listen: 'localhost' }, '--listen must be HOST:PORT'],
    [{ source: 'git' }, '--source must be dir:PATH or kubernetes'],
    [{ auth: 'tokens:' }, '--auth must be none, tokens:FILE or kubernetes'],
    [{ 'prometheus-url': 'not a url' }, '--prometheus-url must be a URL'],
  ])('%j is refused with a clear message', (flags, message) => {
    expect(() => resolveConfig(flags, {})).toThrow(message);
  });

  it('roles without API data may listen anywhere without auth (metrics and health only)', () => {
    expect(resolveConfig({ listen: '0.0.0.0:8080' }, {}, { servesApi: false }).listen.host).toBe('0.0.0.0');
  });

  it('accepts IPv6 loopback and tokens auth on any address', () => {
    expect(resolveConfig({ listen: '[::1]:9000' }, {}).listen).toEqual({ host: '::1', port: 9000 });
    expect(resolveConfig({ listen: '0.0.0.0:80', auth: 'tokens:/etc/vigil/tokens.yaml' }, {}).auth).toBe('tokens:/etc/vigil/tokens.yaml');
  });

  it('unknown flags are usage errors', () => {
    expect(() => parseSharedConfig(['--nope'], {})).toThrow(/Unknown option '--nope'/);
  });
});
