/**
 * Every route through inject() against a real Redis seeded like controller and workers would; every
 * response (success and error) validated against the app's own /openapi.json.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthResultsKey } from '../../src/api/data/health-reader.js';
import { syncCatalogDocuments } from '../../src/catalog/catalog-store.js';
import { sloDocumentFromCompiled, templateDocument } from '../../src/catalog/documents.js';
import { compile } from '../../src/rules/compile.js';
import { baseSlo, basePolicy, baseTemplate, resourcesFrom } from '../unit/fixtures.js';
import { openApiChecker, type OpenApiChecker } from './support/openapi.js';
import { startAppFixture, type AppFixture } from './support/app.js';
import { fixtureResources, result, seed } from './support/seed.js';

let fx: AppFixture;
let app: FastifyInstance;
let openapi: OpenApiChecker;
const now = Date.now();

async function call(method: 'GET' | 'POST', template: string, url: string, payload?: unknown) {
  const res = await app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
  openapi.check(method, template, res);
  return { status: res.statusCode, body: res.headers['content-type']?.toString().startsWith('application/json') ? JSON.parse(res.body) : res.body };
}

const healthResult = (kind: string, namespace: string, name: string, status: string, score: number | null, at = now) =>
  JSON.stringify({ kind, namespace, name, at, status, score, signals: { error_ratio: { status, score, value: 0.02 }, latency_p95: { status: 'unknown', score: null, value: null } }, reasons: status === 'unhealthy' ? ['error_ratio 0.02 is far above its usual 0.001'] : [], worker: 'w1' });

beforeAll(async () => {
  fx = await startAppFixture();
  await seed(fx.redis, {
    'shop/checkout': result('checkout', { computedAtMs: now, alerts: { 'workbook-page-fast': 'firing', 'workbook-page-slow': 'pending', 'workbook-ticket': 'inactive' } }),
    'shop/cart': result('cart', { computedAtMs: now, alerts: { 'workbook-page-fast': 'inactive' }, coverage: 0.085 }),
    'bank/ledger': result('ledger', { computedAtMs: now - 3_600_000, consumed: 1.2 }),
  });
  await fx.redis.hset(healthResultsKey, {
    'service/shop/checkout': healthResult('service', 'shop', 'checkout', 'unhealthy', 0.2),
    'workload/shop/checkout-v1': healthResult('workload', 'shop', 'checkout-v1', 'healthy', 0.97),
    'service/bank/ledger': healthResult('service', 'bank', 'ledger', 'healthy', 0.9, now - 3_600_000),
  });
  app = await fx.app({ now: () => now });
  openapi = await openApiChecker(app);
});
afterAll(async () => {
  await fx?.stop();
});

describe('system routes', () => {
  it('/healthz, /readyz, /metrics and the docs answer', async () => {
    expect((await call('GET', '/healthz', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await call('GET', '/readyz', '/readyz')).body).toEqual({ status: 'ready' });
    const metrics = await call('GET', '/metrics', '/metrics');
    expect(metrics.body).toMatch(/^vigil_slo_burn_rate\{slo="checkout",namespace="shop",service="checkout",window="1h"\} 0.8$/m);
    expect(metrics.body).toMatch(/^vigil_api_requests_total\{method="GET",route="\/healthz",status="200"\} 1$/m);
    // The stale result (computed an hour ago, cycle 1m) is not exported.
    expect(metrics.body).not.toContain('slo="ledger"');
    // The health worker's exposition, from the same registry: fresh entities only.
    expect(metrics.body).toMatch(/^vigil_health_score\{kind="service",namespace="shop",name="checkout"\} 0.2$/m);
    expect(metrics.body).toMatch(/^vigil_health_signal_score\{kind="workload",namespace="shop",name="checkout-v1",signal="error_ratio"\} 0.97$/m);
    expect(metrics.body).not.toContain('name="ledger"');
    const docs = await app.inject('/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });
});

describe('GET /api/v1/slos', () => {
  it('lists every SLO in stable order with state and figures', async () => {
    const { status, body } = await call('GET', '/api/v1/slos', '/api/v1/slos');
    expect(status).toBe(200);
    expect(body.items.map((i: { namespace: string; name: string; state: string }) => `${i.namespace}/${i.name}:${i.state}`)).toEqual(['bank/ledger:unknown', 'shop/cart:ok', 'shop/checkout:burning']);
    expect(body.total).toBe(3);
    expect(body.nextCursor).toBeNull();
    expect(body.items[2]).toMatchObject({ burnRate1h: 0.8, budgetRemaining: 0.75, fresh: true, goal: '99.9', period: { type: 'rolling', length: '30d' }, coverage: 1, partial: false });
    // A period only 8.5 % covered is flagged, so a reader (or a release gate) does not take it as the period's.
    expect(body.items[1]).toMatchObject({ name: 'cart', coverage: 0.085, partial: true });
  });

  it.each([
    ['namespace=shop', ['shop/cart', 'shop/checkout']],
    ['service=checkout', ['shop/checkout']],
    ['state=burning', ['shop/checkout']],
    ['state=ok', ['shop/cart']],
    ['state=unknown', ['bank/ledger']],
    ['state=exhausted', []],
  ])('filters by %s', async (query, expected) => {
    const { body } = await call('GET', '/api/v1/slos', `/api/v1/slos?${query}`);
    expect(body.items.map((i: { namespace: string; name: string }) => `${i.namespace}/${i.name}`)).toEqual(expected);
  });

  it('pages with limit and cursor', async () => {
    const first = await call('GET', '/api/v1/slos', '/api/v1/slos?limit=2');
    expect(first.body.items.map((i: { name: string }) => i.name)).toEqual(['ledger', 'cart']);
    expect(first.body.total).toBe(3);
    const second = await call('GET', '/api/v1/slos', `/api/v1/slos?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((i: { name: string }) => i.name)).toEqual(['checkout']);
    expect(second.body.nextCursor).toBeNull();
  });

  it.each([
    ['limit=0', 'INVALID_REQUEST'],
    ['limit=5000', 'INVALID_REQUEST'],
    ['state=melting', 'INVALID_REQUEST'],
    ['cursor=%25%25', 'INVALID_CURSOR'],
    ['namespace=Not_A_Namespace', 'INVALID_REQUEST'],
  ])('rejects %s with 400', async (query, code) => {
    const { status, body } = await call('GET', '/api/v1/slos', `/api/v1/slos?${query}`);
    expect(status).toBe(400);
    expect(body.error).toBe(code);
    expect(body.message.length).toBeGreaterThan(5);
  });
});

describe('GET /api/v1/slos/{namespace}/{name}', () => {
  it('shows spec, status, SLI, policies and the current figures', async () => {
    const { status, body } = await call('GET', '/api/v1/slos/{namespace}/{name}', '/api/v1/slos/shop/checkout');
    expect(status).toBe(200);
    expect(body.spec).toMatchObject({ selector: { name: 'checkout', namespace: 'shop' }, alertingPolicySet: 'workbook' });
    expect(body.status.conditions.map((c: { type: string }) => c.type)).toEqual(['Valid', 'RulesApplied', 'Ready']);
    expect(body.sli).toMatchObject({ window: '5m', template: { name: 'http-requests-success-rate', kind: 'availability' } });
    expect(body.sli.goodQuery).toContain('istio_requests_total');
    expect(body.policies.map((p: { threshold: number }) => p.threshold).sort()).toEqual([1, 14.4, 6]);
    expect(body.current).toMatchObject({ fresh: true, budgetConsumed: 0.25, budgetRemaining: 0.75, burnRates: { '1h': 0.8 }, timeToExhaustionSeconds: null, coverage: 1, recordedCoverage: 1, partial: false });
    expect(body.alerts['workbook-page-fast']).toBe('firing');
    expect(body.state).toBe('burning');
  });

  it('marks a stale result as not fresh and the state unknown', async () => {
    const { body } = await call('GET', '/api/v1/slos/{namespace}/{name}', '/api/v1/slos/bank/ledger');
    expect(body.current.fresh).toBe(false);
    expect(body.state).toBe('unknown');
    expect(body.period).toEqual({ type: 'calendar', length: 'month', timeZone: 'Europe/Berlin' });
  });

  it('404 for an unknown SLO, 400 for a malformed name', async () => {
    const missing = await call('GET', '/api/v1/slos/{namespace}/{name}', '/api/v1/slos/shop/nope');
    expect(missing).toEqual({ status: 404, body: { error: 'SLO_NOT_FOUND', message: 'SLO shop/nope not found' } });
    const bad = await call('GET', '/api/v1/slos/{namespace}/{name}', '/api/v1/slos/shop/NOPE');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^params\.name/);
  });
});

describe('burn rates, alerts, alerting strategy', () => {
  it('burn rates per window from the fresh result', async () => {
    const { body } = await call('GET', '/api/v1/slos/{namespace}/{name}/burn-rates', '/api/v1/slos/shop/checkout/burn-rates?window=1h&window=60m&window=6h');
    expect(body.windows).toEqual([
      { window: '1h', burnRate: 0.8, errorRatio: expect.closeTo(0.0008, 12), source: 'results' },
      { window: '6h', burnRate: 0.4, errorRatio: expect.closeTo(0.0004, 12), source: 'results' },
    ]);
  });

  it.each(['1x', 'abc', '-5m', '0m'])('malformed window %s → 400 naming it', async (window) => {
    const { status, body } = await call('GET', '/api/v1/slos/{namespace}/{name}/burn-rates', `/api/v1/slos/shop/checkout/burn-rates?window=1h&window=${window}`);
    expect(status).toBe(400);
    expect(body.error).toBe('INVALID_WINDOW');
    expect(body.message).toContain(`"${window}"`);
  });

  it('a window the result lacks needs Prometheus; unreachable → 503, not 500', async () => {
    const { status, body } = await call('GET', '/api/v1/slos/{namespace}/{name}/burn-rates', '/api/v1/slos/shop/checkout/burn-rates?window=2h');
    expect(status).toBe(503);
    expect(body.error).toBe('PROMETHEUS_UNAVAILABLE');
  });

  it('alert state per policy', async () => {
    const { body } = await call('GET', '/api/v1/slos/{namespace}/{name}/alerts', '/api/v1/slos/shop/checkout/alerts');
    expect(Object.fromEntries(body.policies.map((p: { policy: { name: string }; state: string }) => [p.policy.name, p.state]))).toEqual({
      'workbook-page-fast': 'firing',
      'workbook-page-slow': 'pending',
      'workbook-ticket': 'inactive',
    });
  });

  it('alerting strategy reproduces the workbook figures for the workbook policy set', async () => {
    const { body } = await call('GET', '/api/v1/slos/{namespace}/{name}/alerting-strategy', '/api/v1/slos/shop/checkout/alerting-strategy?errorRate=1&errorRate=0.1&errorRate=0.001');
    const by = Object.fromEntries(body.policies.map((p: { policy: { name: string } }) => [p.policy.name, p]));
    const fast = by['workbook-page-fast'];
    expect(fast.totalOutage.conditionSeconds).toBeCloseTo(51.84, 9);
    expect(fast.totalOutage.detectionSeconds).toBeCloseTo(51.84 + 120, 9);
    expect(fast.budgetConsumedOverLongWindow).toBeCloseTo(0.02, 12);
    expect(by['workbook-page-slow'].totalOutage.conditionSeconds).toBeCloseTo(129.6, 9);
    expect(by['workbook-page-slow'].budgetConsumedOverLongWindow).toBeCloseTo(0.05, 12);
    expect(by['workbook-ticket'].totalOutage.conditionSeconds).toBeCloseTo(259.2, 9);
    expect(by['workbook-ticket'].budgetConsumedOverLongWindow).toBeCloseTo(0.1, 12);
    expect(fast.curve.map((c: { errorRate: number; detectionSeconds: number | null }) => [c.errorRate, c.detectionSeconds === null])).toEqual([[1, false], [0.1, false], [0.001, true]]);
  });

  it('rejects an error rate outside (0, 1]', async () => {
    const { status, body } = await call('GET', '/api/v1/slos/{namespace}/{name}/alerting-strategy', '/api/v1/slos/shop/checkout/alerting-strategy?errorRate=2');
    expect(status).toBe(400);
    expect(body.error).toBe('INVALID_REQUEST');
  });
});

describe('time ranges are checked before Prometheus is asked', () => {
  const url = '/api/v1/slos/shop/checkout/budget';
  it.each([
    ['start=2026-01-02T00:00:00Z&end=2026-01-01T00:00:00Z', 'INVALID_RANGE', /must be before end/],
    ['start=100&end=100', 'INVALID_RANGE', /must be before end/],
    ['start=2025-01-01T00:00:00Z&end=2026-01-01T00:00:00Z', 'RANGE_TOO_LARGE', /365 days; at most 90 days/],
    ['start=2026-01-01T00:00:00Z&end=2026-01-02T00:00:00Z&step=5s', 'STEP_TOO_SMALL', /at least 15s/],
    ['start=2026-01-01T00:00:00Z&end=2026-03-01T00:00:00Z&step=1m', 'STEP_TOO_SMALL', /at least 464s/],
    ['start=yesterday', 'INVALID_TIME', /start "yesterday"/],
    ['step=often', 'INVALID_REQUEST', /step "often"/],
    ['step=100000000d', 'INVALID_REQUEST', /step "100000000d"/],
    ['step=1000d', 'STEP_TOO_LARGE', /step 1000d is too large: at most 90 days/],
    ['step=99999999999999999999', 'STEP_TOO_LARGE', /too large/],
  ])('%s → %s', async (query, code, message) => {
    const { status, body } = await call('GET', '/api/v1/slos/{namespace}/{name}/budget', `${url}?${query}`);
    expect(status).toBe(400);
    expect(body.error).toBe(code);
    expect(body.message).toMatch(message);
  });

  it('the same checks guard the health timeline', async () => {
    const { status, body } = await call('GET', '/api/v1/health/{kind}/{namespace}/{name}/timeline', '/api/v1/health/service/shop/checkout/timeline?start=10&end=5');
    expect(status).toBe(400);
    expect(body.error).toBe('INVALID_RANGE');
    const huge = await call('GET', '/api/v1/health/{kind}/{namespace}/{name}/timeline', '/api/v1/health/service/shop/checkout/timeline?step=99999999999999999999');
    expect([huge.status, huge.body.error]).toEqual([400, 'STEP_TOO_LARGE']);
  });
});

describe('templates and health', () => {
  it('lists SLI templates with parameters', async () => {
    const { body } = await call('GET', '/api/v1/templates', '/api/v1/templates');
    const names = body.items.map((t: { name: string }) => t.name);
    expect(names).toEqual(['grpc-requests-success-rate', 'http-requests-duration', 'http-requests-success-rate']);
    const duration = body.items.find((t: { name: string }) => t.name === 'http-requests-duration');
    expect(duration.kind).toBe('latency');
    expect(duration.parameters.map((p: { name: string }) => p.name)).toContain('threshold');
  });

  it('health of services and workloads with reasons and freshness', async () => {
    const { body } = await call('GET', '/api/v1/health', '/api/v1/health');
    expect(body.items.map((e: { kind: string; name: string; fresh: boolean }) => `${e.kind}/${e.name}:${e.fresh}`)).toEqual(['service/ledger:false', 'service/checkout:true', 'workload/checkout-v1:true']);
    const unhealthy = await call('GET', '/api/v1/health', '/api/v1/health?status=unhealthy&kind=service');
    expect(unhealthy.body.items).toHaveLength(1);
    expect(unhealthy.body.items[0].reasons[0]).toContain('error_ratio');
    const one = await call('GET', '/api/v1/health/{kind}/{namespace}/{name}', '/api/v1/health/workload/shop/checkout-v1');
    expect(one.body).toMatchObject({ status: 'healthy', score: 0.97, signals: { latency_p95: { status: 'unknown', score: null, value: null } } });
    const missing = await call('GET', '/api/v1/health/{kind}/{namespace}/{name}', '/api/v1/health/service/shop/nothing');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('ENTITY_NOT_FOUND');
    const badKind = await call('GET', '/api/v1/health/{kind}/{namespace}/{name}', '/api/v1/health/pod/shop/x');
    expect(badKind.status).toBe(400);
  });
});

describe('POST /api/v1/preview', () => {
  const slo = (): Record<string, any> => ({ ...baseSlo(), metadata: { name: 'search', namespace: 'shop' } });
  it('renders the rules of a posted SLO with its own template and policy, applying nothing', async () => {
    const template = baseTemplate();
    const s = slo();
    s.spec.sli = { templateRef: { name: 'custom' }, parameters: { job: 'search' } };
    const policy = basePolicy();
    policy.spec.sloRef = { name: 'search' };
    const { status, body } = await call('POST', '/api/v1/preview', '/api/v1/preview', { resources: [s, template, policy] });
    expect(status).toBe(200);
    expect(body.slos).toEqual([{ namespace: 'shop', name: 'search', rules: expect.any(Number) }]);
    expect(body.output).toContain('record: vigil:slo_error_ratio:rate1h');
    expect(body.output).toContain('job="search"');
    expect(body.output).toContain('alert: VigilErrorBudgetBurn');
    expect((await call('GET', '/api/v1/slos/{namespace}/{name}', '/api/v1/slos/shop/search')).status).toBe(404);
  });

  it('a parameter in a single-quoted template string cannot break out of it (issue 12 item 1)', async () => {
    const template = baseTemplate();
    template.spec.goodEvents = "sum(rate(m_good{a='{{Params.job}}'}[{{SLO.Period}}]))";
    const s = slo();
    s.spec.sli = { templateRef: { name: 'custom' }, parameters: { job: "x'}[5m])) or vector(1) or sum(rate(m_good{a='" } };
    const { status, body } = await call('POST', '/api/v1/preview', '/api/v1/preview', { resources: [s, template] });
    expect(status).toBe(200);
    expect(body.output).toContain("m_good{a='x\\'}[5m])) or vector(1) or sum(rate(m_good{a=\\''}");
    expect(body.output).not.toContain("m_good{a='x'}");
  });

  it('uses the built-in templates and workbook set; prometheus-rule format on request', async () => {
    const s = slo();
    s.spec.alertingPolicySet = 'workbook';
    const { body } = await call('POST', '/api/v1/preview', '/api/v1/preview', { resources: [s], format: 'prometheus-rule' });
    expect(body.output).toContain('kind: PrometheusRule');
    expect(body.output).toMatch(/burn_rate: ['"]14.4['"]/);
  });

  it('invalid resources → 422 with every issue and its field path', async () => {
    const s = slo();
    s.spec.slo.goal = '120';
    s.spec.sli.templateRef.name = 'missing-template';
    const { status, body } = await call('POST', '/api/v1/preview', '/api/v1/preview', { resources: [s] });
    expect(status).toBe(422);
    expect(body.error).toBe('INVALID_RESOURCES');
    expect(body.details.issues).toContainEqual(expect.objectContaining({ level: 'error', kind: 'ServiceLevelObjective', name: 'search', path: 'spec.slo.goal' }));
  });

  it('a body without an SLO → 422; a malformed body → 400; invalid JSON → 400; oversized → 413', async () => {
    expect((await call('POST', '/api/v1/preview', '/api/v1/preview', { resources: [baseTemplate()] })).status).toBe(422);
    const malformed = await call('POST', '/api/v1/preview', '/api/v1/preview', { resources: 'all of them' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toContain('body.resources');
    const res = await app.inject({ method: 'POST', url: '/api/v1/preview', headers: { 'content-type': 'application/json' }, payload: '{"resources": [' });
    openapi.check('POST', '/api/v1/preview', res);
    expect([res.statusCode, JSON.parse(res.body).error]).toEqual([400, 'INVALID_JSON']);
    const big = await app.inject({ method: 'POST', url: '/api/v1/preview', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ resources: [{ ...slo(), spec: { pad: 'x'.repeat(300 * 1024) } }] }) });
    openapi.check('POST', '/api/v1/preview', big);
    expect(big.statusCode).toBe(413);
    expect(JSON.parse(big.body)).toEqual({ error: 'PAYLOAD_TOO_LARGE', message: 'the request body is larger than the limit' });
  });

  it.each(['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded'])('a %s body → 415 naming the type to send', async (type) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/preview', headers: { 'content-type': type }, payload: JSON.stringify({ resources: [slo()] }) });
    openapi.check('POST', '/api/v1/preview', res);
    expect([res.statusCode, JSON.parse(res.body)]).toEqual([415, { error: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the body as application/json' }]);
  });
});

describe('catalog changes', () => {
  it('a new SLO appears once the controller bumps the catalog version; a removed one disappears', async () => {
    const extra = baseSlo();
    extra.metadata = { name: 'payments', namespace: 'bank' };
    const compiled = compile([...fixtureResources(), ...resourcesFrom([extra])]);
    await syncCatalogDocuments(fx.redis, { slos: compiled.slos.map((s) => sloDocumentFromCompiled(s)), templates: compiled.templates.map(templateDocument) });
    const listed = async () => (await call('GET', '/api/v1/slos', '/api/v1/slos?namespace=bank')).body.items.map((i: { name: string }) => i.name);
    expect(await listed()).toEqual(['ledger', 'payments']);
    await syncCatalogDocuments(fx.redis, { slos: compiled.slos.filter((s) => s.name !== 'payments').map((s) => sloDocumentFromCompiled(s)), templates: compiled.templates.map(templateDocument) });
    expect(await listed()).toEqual(['ledger']);
  });
});

describe('/status (directory mode under vigil all)', () => {
  it("serves the controller's status document when given one, and is absent otherwise", async () => {
    const status = { brokenFiles: [{ file: 'slos/bad.yaml', message: 'YAML: bad indentation' }], lastReload: null, resources: {} };
    const withStatus = await fx.app({ now: () => now, statusJson: () => status });
    const res = await withStatus.inject('/status');
    expect([res.statusCode, JSON.parse(res.body)]).toEqual([200, status]);
    expect((await app.inject('/status')).statusCode).toBe(404);
  });
});

describe('unknown routes', () => {
  it('404 with a JSON body', async () => {
    const res = await app.inject('/api/v1/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ error: 'ROUTE_NOT_FOUND', message: 'no route GET /api/v1/nothing-here' });
  });
});

describe('coverage of the OpenAPI document', () => {
  // Independent of the tests above (which check the meaningful answers): every documented operation is
  // routed and answers a sample request, against the seeded SLO and entity, with a response it documents.
  const sampleParams: Record<string, string> = { namespace: 'shop', name: 'checkout', kind: 'service' };

  it('every operation in /openapi.json is routed and answers as documented', async () => {
    const operations = Object.entries(openapi.doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase() as 'GET' | 'POST', path })));
    expect(operations.map((o) => `${o.method} ${o.path}`)).toContain('POST /api/v1/preview');
    for (const { method, path } of operations) {
      const url = path.replace(/\{(\w+)\}/g, (_match, param: string) => {
        expect(sampleParams, `no sample value for {${param}} in ${path}`).toHaveProperty(param);
        return sampleParams[param]!;
      });
      const res = await app.inject({ method, url, ...(method === 'POST' ? { payload: {} } : {}) });
      openapi.check(method, path, res);
      expect(res.statusCode, `${method} ${url}: ${res.body.slice(0, 200)}`).not.toBe(404);
    }
  });
});
