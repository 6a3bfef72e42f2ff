/**
 * The routes that query Prometheus, against a real Prometheus holding synthetic recorded series
 * (backfilled with `promtool tsdb create-blocks-from openmetrics`): budget time series, burn rates for
 * windows the worker result lacks, and the health timeline.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningPrometheus } from '../support/prometheus.js';
import { openApiChecker, type OpenApiChecker } from './support/openapi.js';
import type { AppFixture } from './support/app.js';
import { CHECKOUT_OUTAGE, checkoutHistory, checkoutPeriodRatio, HISTORY_END_MS, startRecordedHistory, type RecordedHistory } from './support/history.js';
import { result, seed } from './support/seed.js';

const H = 3_600_000;
const T = HISTORY_END_MS;
const periodRatio = checkoutPeriodRatio;
const OUTAGE = CHECKOUT_OUTAGE;

let history: RecordedHistory;
let fx: AppFixture;
let prometheus: RunningPrometheus;
let app: FastifyInstance;
let openapi: OpenApiChecker;

beforeAll(async () => {
  history = await startRecordedHistory('api-prometheus', T - 3 * H, checkoutHistory((m) => (m > 30 ? 0.95 : 0.3)));
  ({ fx, prometheus } = history);
  await seed(fx.redis, { 'shop/checkout': result('checkout', { computedAtMs: T, burn: { '1h': 0.8 } }) });
  // No event-loop-delay shedding: on a loaded CI machine a slow second would answer 503 OVERLOADED here.
  app = await fx.app({ prometheusUrl: prometheus.url, now: () => T, underPressure: { maxEventLoopDelay: 0 } });
  openapi = await openApiChecker(app);
}, 120_000);

afterAll(() => history?.stop());

async function get(template: string, url: string) {
  const res = await app.inject(url);
  openapi.check('GET', template, res);
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

describe('time series from Prometheus', () => {
  it('budget consumed, remaining and compliance over a range, one point per step', async () => {
    const start = (T - H) / 1000;
    const end = T / 1000;
    const { status, body } = await get('/api/v1/slos/{namespace}/{name}/budget', `/api/v1/slos/shop/checkout/budget?start=${start}&end=${new Date(T).toISOString()}&step=5m`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ start, end, step: 300, objective: 0.999 });
    expect(body.points).toHaveLength(13);
    for (const p of body.points) {
      const ratio = periodRatio((end - p.t) / 60);
      expect(p.consumed).toBeCloseTo(ratio / 0.001, 9);
      expect(p.remaining).toBeCloseTo(1 - ratio / 0.001, 9);
      expect(p.compliance).toBeCloseTo(1 - ratio, 12);
    }
    expect(body.points.at(-1)).toMatchObject({ t: end, consumed: expect.closeTo(0.5, 9) });
  });

  it('burn rates: the result’s windows from Redis, a missing window by one instant query', async () => {
    const { body } = await get('/api/v1/slos/{namespace}/{name}/burn-rates', '/api/v1/slos/shop/checkout/burn-rates?window=1h&window=2h&window=7h');
    expect(body.windows).toEqual([
      { window: '1h', burnRate: 0.8, errorRatio: expect.closeTo(0.0008, 12), source: 'results' },
      { window: '2h', burnRate: expect.closeTo(3.6, 9), errorRatio: 0.0036, source: 'prometheus' },
      { window: '7h', burnRate: null, errorRatio: null, source: 'prometheus' },
    ]);
  });

  it('health timeline of one entity', async () => {
    const { body } = await get('/api/v1/health/{kind}/{namespace}/{name}/timeline', `/api/v1/health/service/shop/checkout/timeline?start=${(T - H) / 1000}&end=${T / 1000}&step=10m`);
    expect(body.points.map((p: { score: number }) => p.score)).toEqual([0.95, 0.95, 0.95, 0.3, 0.3, 0.3, 0.3]);
    expect(body.points[0].t).toBe((T - H) / 1000);
  });

  it('the timeline of an entity with neither a result nor history is 404, not an empty 200', async () => {
    const { status, body } = await get('/api/v1/health/{kind}/{namespace}/{name}/timeline', `/api/v1/health/service/shop/nothing/timeline?start=${(T - H) / 1000}&end=${T / 1000}&step=10m`);
    expect([status, body.error]).toEqual([404, 'ENTITY_NOT_FOUND']);
    expect(body.message).toContain('service shop/nothing');
  });

  it('an unknown SLO is 404 before Prometheus is asked', async () => {
    const { status, body } = await get('/api/v1/slos/{namespace}/{name}/budget', '/api/v1/slos/shop/nothing/budget');
    expect([status, body.error]).toEqual([404, 'SLO_NOT_FOUND']);
  });
});

describe('backtest', () => {
  it('replays the SLO’s policies over its recorded tiles: when each would have paged, and for how long', async () => {
    const { status, body } = await get('/api/v1/slos/{namespace}/{name}/backtest', '/api/v1/slos/shop/checkout/backtest?range=2h');
    expect(status).toBe(200);
    expect(body).toMatchObject({ source: 'recorded', stepSeconds: 30, coverage: 1, from: new Date(T - 2 * H).toISOString(), to: new Date(T).toISOString() });
    const current = body.sets[0];
    expect(current.name).toBe('current');
    const fast = current.policies.find((p: { policy: { name: string } }) => p.policy.name === 'workbook-page-fast');
    // 14.4× over 1h and 5m with for: 2m: 60 s of total outage pass the 1h threshold, firing two minutes later;
    // it resolves when the 5m window is clean, five minutes after the outage.
    expect(fast.alerts).toEqual([
      { start: new Date(OUTAGE[0] + 180_000).toISOString(), end: new Date(OUTAGE[1] + 300_000).toISOString(), durationSeconds: 1320, open: false, budgetConsumed: expect.closeTo(1200 / 2592, 6) },
    ]);
    expect(current.incidents).toHaveLength(1);
    expect(current.incidents[0]).toMatchObject({ start: new Date(OUTAGE[0]).toISOString(), end: new Date(OUTAGE[1]).toISOString(), pagedBy: { policy: 'workbook-page-fast', delaySeconds: 180 } });
    expect(current.detectionDelaysSeconds).toEqual([180]);
    expect(current.missed).toEqual([]);

    // The summary stays on /metrics for the SLO detail dashboard, per policy and per SLO.
    const metrics = (await app.inject('/metrics')).body;
    const sample = (name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    const fastLabels = 'slo="checkout",namespace="shop",policy="workbook-page-fast",severity="page"';
    expect(sample('vigil_backtest_alerts', fastLabels)).toBe(1);
    expect(sample('vigil_backtest_alerts_per_week', fastLabels)).toBeCloseTo(fast.perWeek, 9);
    expect(sample('vigil_backtest_firing_ratio', fastLabels)).toBeCloseTo(1320 / 7200, 9);
    expect(sample('vigil_backtest_incidents', 'slo="checkout",namespace="shop"')).toBe(1);
    expect(sample('vigil_backtest_missed_incidents', 'slo="checkout",namespace="shop"')).toBe(0);
    expect(sample('vigil_backtest_slowest_page_seconds', 'slo="checkout",namespace="shop"')).toBe(180);
    expect(sample('vigil_backtest_range_seconds', 'slo="checkout",namespace="shop"')).toBe(7200);
    expect(sample('vigil_backtest_timestamp_seconds', 'slo="checkout",namespace="shop"')).toBe(T / 1000);
  });

  it('compares candidate policy sets side by side with the current ones', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/slos/shop/checkout/backtest',
      payload: { range: '2h', policySets: [{ name: 'lax', policies: [{ name: 'only-huge', threshold: 1000, lookBackWindow: '1h', secondaryWindow: '5m', severity: 'page' }] }] },
    });
    openapi.check('POST', '/api/v1/slos/{namespace}/{name}/backtest', res);
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body);
    expect(body.sets.map((s: { name: string }) => s.name)).toEqual(['current', 'lax']);
    expect(body.sets[1].policies[0].alerts).toEqual([]);
    expect(body.sets[1].missed).toHaveLength(1);
    expect(body.sets[0].missed).toEqual([]);
  });

  it.each([
    ['no history for the SLO', '/api/v1/slos/shop/cart/backtest?range=2h', 422, 'NO_HISTORY'],
    ['a range beyond 90 days', '/api/v1/slos/shop/checkout/backtest?range=400d', 400, 'INVALID_RANGE'],
    ['a step that does not divide 5m', '/api/v1/slos/shop/checkout/backtest?range=2h&step=7s', 400, 'INVALID_RANGE'],
    ['an unknown SLO', '/api/v1/slos/shop/nope/backtest', 404, 'SLO_NOT_FOUND'],
  ])('answers %s with a clear error', async (_name, url, status, code) => {
    const res = await get('/api/v1/slos/{namespace}/{name}/backtest', url);
    expect([res.status, res.body.error]).toEqual([status, code]);
    expect(res.body.message).toMatch(/\w/);
  });
});
