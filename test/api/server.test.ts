/**
 * The API on a real socket: `vigil api` as a process (graceful SIGTERM), rate limiting and load shedding
 * on a listening server (port 0), and the memoised close.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymousAuthenticator } from '../../src/api/auth/access.js';
import { startApiServer } from '../../src/api/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { main } from '../../src/cli/main.js';
import { freePort, startProcess, waitFor } from '../support/processes.js';
import { startAppFixture, type AppFixture } from './support/app.js';
import { result, seed } from './support/seed.js';

const bin = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));
let fx: AppFixture;
const logger = createLogger({ level: 'silent' });

beforeAll(async () => {
  fx = await startAppFixture();
  await seed(fx.redis, { 'shop/checkout': result('checkout') });
});
afterAll(async () => {
  await fx?.stop();
});

describe('vigil api (process)', () => {
  it('serves, logs requests, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const p = startProcess(process.execPath, ['--import', 'tsx', bin, 'api', '--listen', `127.0.0.1:${port}`, '--redis-url', fx.server.url, '--auth', 'none']);
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor('api ready', async () => (await fetch(`${base}/readyz`)).ok, { timeoutMs: 30_000 });
      const list = (await (await fetch(`${base}/api/v1/slos?namespace=shop`)).json()) as { items: Array<{ name: string }> };
      expect(list.items.map((i) => i.name)).toEqual(['cart', 'checkout']);
      await waitFor('request log', async () => p.output().includes('"msg":"request completed"'), { timeoutMs: 5000 });
      const exited = new Promise<number | null>((r) => p.child.once('exit', (code) => r(code)));
      p.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(p.output()).toContain('shutting down');
    } finally {
      await p.stop('SIGKILL');
    }
  });

  // In-process: the exit code is main()'s (bin.ts only sets it, as the test above shows), and two more tsx
  // start-ups cost seconds each on a busy machine.
  it('refuses --auth none off loopback, and bad flags, with exit 2', async () => {
    const run = async (args: readonly string[]) => {
      let stderr = '';
      const code = await main(args, { stdout: () => undefined, stderr: (s) => void (stderr += s), env: process.env, cwd: process.cwd() });
      return { code, stderr };
    };
    const offLoopback = await run(['api', '--listen', '0.0.0.0:0', '--auth', 'none']);
    expect(offLoopback.code).toBe(2);
    expect(offLoopback.stderr).toContain('--auth none is refused on a non-loopback address');
    const bad = await run(['api', '--rate-limit', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--rate-limit');
  });
});

describe('listening server', () => {
  it('rate limits per client with 429 and a JSON body; operational routes are exempt', async () => {
    await using server = await startApiServer({ redisUrl: fx.server.url, prometheusUrl: 'http://127.0.0.1:9', listen: { host: '127.0.0.1', port: 0 }, auth: 'none', logger, cycleMs: 60_000, rateLimitPerMinute: 3 });
    const base = `http://127.0.0.1:${server.address.port}`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${base}/api/v1/templates`)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await fetch(`${base}/api/v1/templates`);
    const body = (await limited.json()) as { error: string; message: string };
    expect(body.error).toBe('RATE_LIMITED');
    // The window (a minute), not the seconds left until it resets.
    expect(body.message).toMatch(/^rate limit of 3 requests per minute exceeded; retry in \d+ s$/);
    for (let i = 0; i < 5; i++) expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('sheds load with 503 OVERLOADED when under pressure', async () => {
    await using server = await startApiServer({
      redisUrl: fx.server.url,
      prometheusUrl: 'http://127.0.0.1:9',
      listen: { host: '127.0.0.1', port: 0 },
      auth: 'none',
      authenticator: anonymousAuthenticator(),
      logger,
      cycleMs: 60_000,
      underPressure: { maxHeapUsedBytes: 1 },
    });
    const base = `http://127.0.0.1:${server.address.port}`;
    const res = await waitFor('load shedding', async () => {
      const r = await fetch(`${base}/api/v1/slos`);
      return r.status === 503 ? r : undefined;
    }, { timeoutMs: 10_000, intervalMs: 100 });
    expect(await res.json()).toMatchObject({ error: 'OVERLOADED' });
    expect(res.headers.get('retry-after')).toBe('5');
  });

  it('does not shed load because of its own start-up, and still sheds it for a stalled loop once serving', async () => {
    // The start-up stall (a restarted process loading modules and compiling route schemas) lands in the first
    // event-loop reading after the app is built; a slow loop after that is real pressure.
    const stall = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until) {
        // The loop is blocked on purpose.
      }
    };
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await using server = await startApiServer({ redisUrl: fx.server.url, prometheusUrl: 'http://127.0.0.1:9', listen: { host: '127.0.0.1', port: 0 }, auth: 'none', logger, cycleMs: 60_000, underPressure: { maxEventLoopDelay: 50 } });
    const builtAt = performance.now();
    stall(1200);
    await sleep(50); // the load-shedding sample taken right after the stall has run
    expect(server.app.memoryUsage().eventLoopDelay).toBeGreaterThan(50);
    const base = `http://127.0.0.1:${server.address.port}`;
    const early = await fetch(`${base}/api/v1/templates`);
    expect(performance.now() - builtAt).toBeLessThan(2000); // still within the readings that cover the start-up
    expect(early.status).toBe(200);

    // Serving now: a loop kept busy (200 ms blocks for over two sample intervals) is shed.
    await sleep(Math.max(0, builtAt + 2100 - performance.now()));
    for (const busyUntil = performance.now() + 2500; performance.now() < busyUntil; ) {
      stall(200);
      await sleep(1);
    }
    const late = await fetch(`${base}/api/v1/templates`);
    expect(late.status).toBe(503);
    expect(await late.json()).toMatchObject({ error: 'OVERLOADED' });
    expect(late.headers.get('retry-after')).toBe('5');
  });

  it('without Redis: /healthz 200, /readyz and data routes 503 REDIS_UNAVAILABLE, never 500', async () => {
    const nowhere = await freePort();
    await using server = await startApiServer({ redisUrl: `redis://127.0.0.1:${nowhere}`, prometheusUrl: 'http://127.0.0.1:9', listen: { host: '127.0.0.1', port: 0 }, auth: 'none', logger, cycleMs: 60_000 });
    const base = `http://127.0.0.1:${server.address.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, ((await ready.json()) as { error: string }).error]).toEqual([503, 'REDIS_UNAVAILABLE']);
    const list = await fetch(`${base}/api/v1/slos`);
    expect([list.status, ((await list.json()) as { error: string }).error]).toEqual([503, 'REDIS_UNAVAILABLE']);
  });

  it('close() is memoised and stops the socket', async () => {
    const server = await startApiServer({ redisUrl: fx.server.url, prometheusUrl: 'http://127.0.0.1:9', listen: { host: '127.0.0.1', port: 0 }, auth: 'none', logger, cycleMs: 60_000 });
    const base = `http://127.0.0.1:${server.address.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const [a, b] = [server.close(), server.close()];
    expect(a).toBe(b);
    await a;
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
