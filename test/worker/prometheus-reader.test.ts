import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusQueryError, createPrometheusReader } from '../../src/prometheus/prometheus-reader.js';
import { freePort } from '../support/processes.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';

let prometheus: RunningPrometheus;
beforeAll(async () => {
  prometheus = await startPrometheus();
});
afterAll(async () => {
  await prometheus?.stop();
});

describe('Prometheus reader', () => {
  it('returns a vector with labels and values, NaN kept as NaN', async () => {
    const reader = createPrometheusReader({ url: prometheus.url });
    const rows = await reader.instantQuery('label_replace(vector(0.25), "slo", "a", "", "") or label_replace(vector(0) / 0, "slo", "b", "", "")', Date.now());
    const bySlo = Object.fromEntries(rows.map((r) => [r.labels.slo, r.value]));
    expect(bySlo.a).toBe(0.25);
    expect(bySlo.b).toBeNaN();
  });

  it('does not retry a query Prometheus rejects', async () => {
    const attempts: boolean[] = [];
    const reader = createPrometheusReader({ url: prometheus.url, attempts: 3, onAttempt: ({ ok }) => attempts.push(ok) });
    const error = await reader.instantQuery('sum(', Date.now()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrometheusQueryError);
    expect((error as PrometheusQueryError).retryable).toBe(false);
    expect(attempts).toEqual([false]);
  });

  it('retries an unreachable Prometheus with backoff, then fails (never an empty result)', async () => {
    const port = await freePort();
    const attempts: Array<string | undefined> = [];
    const reader = createPrometheusReader({ url: `http://127.0.0.1:${port}`, attempts: 3, backoffMs: 100, onAttempt: ({ errorType }) => attempts.push(errorType) });
    const started = Date.now();
    const error = await reader.instantQuery('up', Date.now()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrometheusQueryError);
    expect((error as PrometheusQueryError).retryable).toBe(true);
    expect(attempts).toEqual(['network_error', 'network_error', 'network_error']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(0.8 * (100 + 200));
  });

  it('times out a Prometheus that does not answer', async () => {
    const port = await freePort();
    const sockets = new Set<Socket>();
    const server = createServer(() => {}).on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    try {
      const reader = createPrometheusReader({ url: `http://127.0.0.1:${port}`, attempts: 2, backoffMs: 10, timeoutMs: 300 });
      const started = Date.now();
      const error = await reader.instantQuery('up', Date.now()).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/timeout/);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });
});
