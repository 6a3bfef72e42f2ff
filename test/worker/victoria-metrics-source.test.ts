/**
 * The budget worker on VictoriaMetrics instead of Prometheus, one flag changed (--prometheus-url): every raw
 * sample of the Prometheus fixture (history and backfilled recording rules) copied into VictoriaMetrics, one
 * worker on each, and every figure of every SLO compared.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BudgetResult } from '../../src/budget/result.js';
import { upsertSloCatalog } from '../../src/catalog/slo-catalog.js';
import { createLogger } from '../../src/observability/logger.js';
import { startBudgetWorker, type BudgetWorker } from '../../src/worker/budget-worker.js';
import { waitFor } from '../support/processes.js';
import { startRedis, type RunningRedis } from '../support/redis.js';
import { startVictoriaMetrics, type RunningVictoriaMetrics } from '../support/victoria-metrics.js';
import { catalog, EVAL, startPrometheusWithHistory, T, type HistoryFixture } from './support/fixture.js';
import { readResults } from './support/results.js';

let history: HistoryFixture;
let vm: RunningVictoriaMetrics;
const redisServers: RunningRedis[] = [];
const workers: BudgetWorker[] = [];
const clients: Redis[] = [];

/** One budget worker on its own Redis against `queryUrl`; its results once every SLO has one. */
async function resultsFrom(queryUrl: string): Promise<Map<string, BudgetResult>> {
  const server = await startRedis();
  redisServers.push(server);
  const redis = new Redis(server.url);
  clients.push(redis);
  await upsertSloCatalog(redis, catalog);
  workers.push(await startBudgetWorker({ redisUrl: server.url, prometheusUrl: queryUrl, cycleMs: 1000, evaluateAtMs: EVAL, logger: createLogger({ level: 'warn' }) }));
  return waitFor(`every SLO's result from ${queryUrl}`, async () => {
    const results = await readResults(redis);
    return results.size === catalog.length ? results : undefined;
  });
}

beforeAll(async () => {
  [history, vm] = await Promise.all([startPrometheusWithHistory(), startVictoriaMetrics()]);
  // Every raw sample Prometheus holds (a range selector in an instant query returns them unaltered), imported
  // into VictoriaMetrics with its timestamp. 58 series, about 25,000 samples.
  const params = new URLSearchParams({ query: '{__name__=~".+"}[40d]', time: String((T + 10 * 60_000) / 1000) });
  const body = (await (await fetch(`${history.prometheus.url}/api/v1/query?${params}`)).json()) as {
    data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
  };
  const lines = body.data.result.flatMap(({ metric, values }) => {
    const { __name__: name, ...labels } = metric;
    const selector = `${name}{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    return values.map(([t, v]) => `${selector} ${v} ${Math.round(t * 1000)}`);
  });
  expect(lines.length).toBeGreaterThan(20_000);
  await vm.importLines(lines);
  await vm.flush();
}, 180_000);

afterAll(async () => {
  for (const w of workers) await w.close();
  for (const c of clients) c.disconnect();
  await Promise.all([...redisServers.map((r) => r.stop()), vm?.stop(), history?.stop()]);
});

it('computes the same budget figures on VictoriaMetrics as on Prometheus', { timeout: 120_000 }, async () => {
  const [fromPrometheus, fromVm] = [await resultsFrom(history.prometheus.url), await resultsFrom(vm.url)];
  expect([...fromVm.keys()].sort()).toEqual([...fromPrometheus.keys()].sort());
  for (const [key, expected] of fromPrometheus) {
    const actual = fromVm.get(key)!;
    const figures = (r: BudgetResult) => ({
      compliance: r.state.compliance,
      consumed: r.state.consumed,
      remaining: r.state.remaining,
      timeToExhaustionSeconds: r.state.timeToExhaustionSeconds,
      ...Object.fromEntries(Object.entries(r.state.burnRates).map(([w, v]) => [`burn ${w}`, v])),
    });
    const want = figures(expected);
    const got = figures(actual);
    expect(Object.keys(got).sort(), key).toEqual(Object.keys(want).sort());
    for (const [name, value] of Object.entries(want)) {
      if (typeof value !== 'number') {
        expect(got[name as keyof typeof got], `${key} ${name}`).toEqual(value);
        continue;
      }
      const other = got[name as keyof typeof got] as number;
      expect(Math.abs(other - value) / Math.max(Math.abs(value), 1e-12), `${key} ${name}: VictoriaMetrics ${other}, Prometheus ${value}`).toBeLessThan(1e-9);
    }
    expect(actual.alerts, key).toEqual(expected.alerts);
  }
});
