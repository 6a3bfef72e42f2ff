/**
 * The controller publishes what it compiled to the workers' SLO catalog in a real Redis, batching writes,
 * restoring a catalog Redis lost, and surviving Redis outages; SLO status gets the budget figures.
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadResources } from '../../src/resources/load-resources.js';
import { CatalogPublisher } from '../../src/controller/catalog-publisher.js';
import { MeasurementsUpdater, measurementsOf } from '../../src/controller/measurements-updater.js';
import type { SloMeasurements } from '../../src/controller/slo-measurements.js';
import { encodeResult } from '../../src/budget/result.js';
import { createLogger } from '../../src/observability/logger.js';
import { compile } from '../../src/rules/compile.js';
import { readSloCatalog } from '../../src/catalog/slo-catalog.js';
import { redisKeys } from '../../src/redis/redis-keys.js';
import { startRedis, type RunningRedis } from '../support/redis.js';
import { waitFor } from '../support/processes.js';

const logger = createLogger({ level: 'silent' });
const compiled = compile(loadResources([join(import.meta.dirname, '../golden/availability-workbook/in'), join(import.meta.dirname, '../golden/calendar-month/in')], process.cwd()).resources).slos;
let server: RunningRedis;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {}); // the outage test kills Redis on purpose
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe('catalog publisher', () => {
  it('publishes compiled SLOs, removes deleted ones, and restores a catalog Redis lost', async () => {
    const publisher = new CatalogPublisher({ redis, logger, flushDelayMs: 10 });
    expect(compiled.map((s) => `${s.namespace}/${s.name}`)).toEqual(['payments/payments-grpc', 'shop/checkout-availability']);
    for (const slo of compiled) publisher.published(slo, slo);
    await publisher.flush();
    const { entries } = await readSloCatalog(redis);
    expect([...entries.keys()].sort()).toEqual(['payments/payments-grpc', 'shop/checkout-availability']);
    expect(entries.get('shop/checkout-availability')).toMatchObject({
      service: 'checkout',
      goal: '99.9',
      period: { rollingSeconds: 30 * 86_400 },
      policies: expect.arrayContaining([expect.objectContaining({ name: 'workbook-page-fast', threshold: 14.4, lookBackWindow: '1h', secondaryWindow: '5m', severity: 'page' })]),
    });
    expect(entries.get('payments/payments-grpc')?.period).toEqual({ calendar: { length: 'month', timeZone: 'Europe/Berlin' } });

    publisher.published({ namespace: 'payments', name: 'payments-grpc' }, undefined);
    await publisher.flush();
    expect([...(await readSloCatalog(redis)).entries.keys()]).toEqual(['shop/checkout-availability']);

    await redis.flushall();
    publisher.resync();
    await publisher.flush();
    expect([...(await readSloCatalog(redis)).entries.keys()]).toEqual(['shop/checkout-availability']);
    await publisher.close();
  });

  it('keeps changes made while Redis is down and writes them when it is back', async () => {
    const errors: unknown[] = [];
    const publisher = new CatalogPublisher({ redis, logger, flushDelayMs: 10, onError: (e) => errors.push(e) });
    await server.process.stop('SIGKILL');
    publisher.published(compiled[0]!, compiled[0]!);
    await publisher.flush();
    expect(errors.length).toBeGreaterThan(0);
    await server.restart();
    await waitFor('catalog written after Redis came back', async () => (await readSloCatalog(redis)).entries.has('payments/payments-grpc'), { timeoutMs: 20_000 });
    await publisher.close();
  });
});

describe('catalog publisher after Redis lost its data', () => {
  const keys = async () => [...(await readSloCatalog(redis)).entries.keys()].sort();

  it('republishes the whole catalog as soon as Redis comes back empty (SIGKILL, restart), not at the next resync', async () => {
    const publisher = new CatalogPublisher({ redis, logger, flushDelayMs: 10, lossCheckMs: 0 });
    for (const slo of compiled) publisher.published(slo, slo);
    await publisher.flush();
    await server.restart();
    await waitFor('catalog republished after the reconnect', async () => (await keys()).length === 2, { timeoutMs: 20_000, intervalMs: 50 });
    expect(await keys()).toEqual(['payments/payments-grpc', 'shop/checkout-availability']);
    expect(await redis.get(redisKeys.sloCatalogVersion)).not.toBeNull();
    await publisher.close();
  });

  it('republishes when the catalog vanishes without a reconnect (FLUSHALL)', async () => {
    const publisher = new CatalogPublisher({ redis, logger, flushDelayMs: 10, lossCheckMs: 50 });
    publisher.published(compiled[1]!, compiled[1]!);
    await publisher.flush();
    await redis.flushall();
    await waitFor('catalog republished after FLUSHALL', async () => (await keys()).length === 1, { timeoutMs: 10_000, intervalMs: 50 });
    expect(await keys()).toEqual(['shop/checkout-availability']);
    await publisher.close();
  });

  it('a publisher that may not write (a standby, a former leader) never republishes', async () => {
    let leading = true;
    const publisher = new CatalogPublisher({ redis, logger, flushDelayMs: 10, lossCheckMs: 50, mayWrite: () => leading });
    publisher.published(compiled[0]!, compiled[0]!);
    await publisher.flush();
    leading = false;
    await server.restart();
    // A leading publisher republishes within a few loss checks (see above); give this one far longer.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await keys()).toEqual([]);
    await publisher.close();
  });
});

describe('SLO status measurements', () => {
  const result = (computedAtMs: number) =>
    encodeResult({
      service: 'checkout',
      evaluatedAtMs: computedAtMs,
      computedAtMs,
      objective: 0.999,
      alerts: {},
      state: { compliance: 0.99912, consumed: 0.88, remaining: 0.12, burnRates: { '1h': 2.345, '5m': 3 }, timeToExhaustionSeconds: 100, periodStartMs: 0, periodEndMs: 1, elapsedRatio: 1, coverage: 1, recordedCoverage: 1, partial: false },
    });

  it('prints fresh figures, marks stale ones, and patches only on change', async () => {
    await redis.hset(redisKeys.budgetResults, 'shop/checkout-availability', result(1_000_000), 'shop/gone', result(1_000_000));
    const patches: Array<[string, SloMeasurements]> = [];
    let now = 1_000_000;
    const updater = new MeasurementsUpdater({
      redis,
      logger,
      cycleMs: 60_000,
      now: () => now,
      isLeader: () => true,
      exists: (slo) => slo.name !== 'gone',
      patch: async (slo, m) => void patches.push([`${slo.namespace}/${slo.name}`, m]),
    });
    await updater.tick();
    expect(patches).toEqual([['shop/checkout-availability', { currentBurnRate: '2.35', errorBudgetConsumed: '88%', compliance: '99.912%', periodCoverage: '100%' }]]);
    await updater.tick();
    expect(patches).toHaveLength(1);
    now += 4 * 60_000; // more than three cycles later
    await updater.tick();
    expect(patches[1]).toEqual(['shop/checkout-availability', { currentBurnRate: 'stale', errorBudgetConsumed: 'stale', compliance: 'stale', periodCoverage: 'stale' }]);
    updater.close();
  });

  it('does nothing on a standby', async () => {
    await redis.del(redisKeys.budgetResults); // only this test's result, whatever ran before
    await redis.hset(redisKeys.budgetResults, 'shop/checkout-availability', result(1_000_000));
    const patches: unknown[] = [];
    const updater = (isLeader: boolean) =>
      new MeasurementsUpdater({ redis, logger, cycleMs: 60_000, now: () => 1_000_000, isLeader: () => isLeader, exists: () => true, patch: async (...a) => void patches.push(a) });
    const standby = updater(false);
    await standby.tick();
    expect(patches).toEqual([]);
    standby.close();
    // The same Redis as leader patches: the standby's silence is not for lack of a result.
    const leader = updater(true);
    await leader.tick();
    expect(patches).toHaveLength(1);
    leader.close();
  });

  it('never prints missing data as a number', () => {
    const stored = { namespace: 'a', name: 'b', fresh: true, result: { service: 's', evaluatedAtMs: 0, computedAtMs: 0, objective: 0.99, alerts: {}, state: { compliance: undefined, consumed: undefined, remaining: undefined, burnRates: {}, timeToExhaustionSeconds: undefined, periodStartMs: 0, periodEndMs: 0, elapsedRatio: 0, coverage: undefined, recordedCoverage: undefined, partial: false } } };
    expect(measurementsOf(stored)).toEqual({ currentBurnRate: 'no data', errorBudgetConsumed: 'no data', compliance: 'no data', periodCoverage: 'no data' });
  });

  it('marks figures over part of the period as partial', () => {
    const state = { compliance: 0.9999, consumed: 0.1, remaining: 0.9, burnRates: {}, timeToExhaustionSeconds: undefined, periodStartMs: 0, periodEndMs: 1, elapsedRatio: 1, coverage: 0.0849, recordedCoverage: 0.0849, partial: true };
    const stored = { namespace: 'a', name: 'b', fresh: true, result: { service: 's', evaluatedAtMs: 0, computedAtMs: 0, objective: 0.999, alerts: {}, state } };
    expect(measurementsOf(stored)).toEqual({ currentBurnRate: 'no data', errorBudgetConsumed: '10% (partial)', compliance: '99.99% (partial)', periodCoverage: '8.49%' });
  });
});
