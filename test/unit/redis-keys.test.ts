/** Every Redis key in src/redis/redis-keys.ts: one hash tag (one Cluster slot), no two alike. */
import { describe, expect, it } from 'vitest';
import { catalogKeys, healthKeys, redisKeys } from '../../src/redis/redis-keys.js';

const keys = [...Object.values(redisKeys), ...Object.values(healthKeys), ...Object.values(catalogKeys)]
  .map((key) => (typeof key === 'function' ? key('x') : key))
  .filter((key) => key !== redisKeys.bullPrefix);

describe('redis keys', () => {
  it('has the keys of all three sides', () => expect(keys.length).toBeGreaterThanOrEqual(10));
  it.each(keys)('%s carries the {vigil} hash tag', (key) => expect(key.startsWith('{vigil}:')).toBe(true));
  it('names no key twice', () => expect(new Set(keys).size).toBe(keys.length));
});
