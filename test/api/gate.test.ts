/**
 * The release-gate routes against a real Redis (catalog and budget results as the worker writes them) and
 * a real Prometheus (for a window the worker's result lacks): healthy, burning, spent and stale SLOs, the
 * set form, Flagger's webhook payload with its token in the metadata, and bad parameters.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFileAuthenticator } from '../../src/api/auth/token-file.js';
import { main } from '../../src/cli/main.js';
import { freePort, runCommand } from '../support/processes.js';
import type { RunningPrometheus } from '../support/prometheus.js';
import { openApiChecker, type OpenApiChecker } from './support/openapi.js';
import type { AppFixture } from './support/app.js';
import { HISTORY_END_MS, startRecordedHistory, type RecordedHistory, type RecordedSample } from './support/history.js';
import { result, seed } from './support/seed.js';

const H = 3_600_000;
const T = HISTORY_END_MS;

let history: RecordedHistory;
let fx: AppFixture;
let prometheus: RunningPrometheus;
let app: FastifyInstance;
let openapi: OpenApiChecker;

beforeAll(async () => {
  const extra: RecordedSample[] = [];
  // cart burns 2 % errors over 6 h (20× on 99.9 %); checkout 0.05 % (0.5×). The worker results lack 6h.
  for (let m = 30; m >= 0; m--) {
    extra.push({ name: 'vigil:slo_error_ratio:rate6h', labels: 'slo="cart",namespace="shop",service="cart"', value: 0.02, ms: T - m * 60_000 });
    extra.push({ name: 'vigil:slo_error_ratio:rate6h', labels: 'slo="checkout",namespace="shop",service="checkout"', value: 0.0005, ms: T - m * 60_000 });
  }
  history = await startRecordedHistory('api-gate', T - H, extra);
  ({ fx, prometheus } = history);
  await seed(fx.redis, {
    'shop/checkout': result('checkout', { computedAtMs: T, consumed: 0.25, burn: { '5m': 0.4, '1h': 0.8 } }),
    'shop/cart': result('cart', { computedAtMs: T, consumed: 0.3, burn: { '5m': 30, '1h': 20 } }),
    'bank/ledger': result('ledger', { computedAtMs: T, consumed: 1.3, objective: 0.995, burn: { '5m': 0, '1h': 0 } }),
  });
  app = await fx.app({ prometheusUrl: prometheus.url, now: () => T });
  openapi = await openApiChecker(app);
}, 120_000);

afterAll(() => history?.stop());

async function gate(url: string, template = '/api/v1/slos/{namespace}/{name}/gate', target = app, checker = openapi) {
  const res = await target.inject(url);
  checker.check('GET', template, res);
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

describe('one SLO', () => {
  it('healthy: passes with 200 and echoes its figures', async () => {
    const { status, body } = await gate('/api/v1/slos/shop/checkout/gate?minBudgetRemaining=0.25&maxBurnRate=2');
    expect(status).toBe(200);
    expect(body).toMatchObject({ pass: true, reasons: [], budgetRemaining: 0.75, burnRates: { '1h': 0.8 }, fresh: true, partial: false, unknown: false });
    expect(body.criteria).toEqual({ minBudgetRemaining: 0.25, maxBurnRate: 2, windows: ['1h'], allowUnknown: false });
  });

  it('burning: 412 naming the window and the rate', async () => {
    const { status, body } = await gate('/api/v1/slos/shop/cart/gate?maxBurnRate=2');
    expect(status).toBe(412);
    expect(body.pass).toBe(false);
    expect(body.reasons).toEqual([{ code: 'BURNING', blocking: true, message: 'the 1h burn rate is 20×, above the maximum 2×' }]);
  });

  it('a window the worker does not report is read from Prometheus (6h: 20× for cart, 0.5× for checkout)', async () => {
    const cart = await gate('/api/v1/slos/shop/cart/gate?maxBurnRate=10&window=6h&window=5m');
    expect(cart.status).toBe(412);
    expect(cart.body.burnRates).toEqual({ '6h': expect.closeTo(20, 9), '5m': 30 });
    expect(cart.body.reasons.map((r: { code: string }) => r.code)).toEqual(['BURNING', 'BURNING']);
    const checkout = await gate('/api/v1/slos/shop/checkout/gate?maxBurnRate=1&window=6h');
    expect(checkout.status).toBe(200);
    expect(checkout.body.burnRates['6h']).toBeCloseTo(0.5, 9);
  });

  it('a window nobody has is unknown, and unknown fails unless allowed', async () => {
    const strict = await gate('/api/v1/slos/shop/checkout/gate?maxBurnRate=1&window=2h');
    expect(strict.status).toBe(412);
    expect(strict.body).toMatchObject({ pass: false, unknown: true, burnRates: { '2h': null } });
    expect(strict.body.reasons[0]).toMatchObject({ code: 'UNKNOWN_BURN_RATE', blocking: true });
    const lenient = await gate('/api/v1/slos/shop/checkout/gate?maxBurnRate=1&window=2h&allowUnknown=true');
    expect(lenient.status).toBe(200);
    expect(lenient.body.reasons[0]).toMatchObject({ code: 'UNKNOWN_BURN_RATE', blocking: false });
  });

  it('spent: fails whatever the minimum, even with allowUnknown', async () => {
    const { status, body } = await gate('/api/v1/slos/bank/ledger/gate?allowUnknown=true');
    expect(status).toBe(412);
    expect(body.reasons).toEqual([{ code: 'BUDGET_SPENT', blocking: true, message: 'the error budget is spent (-30.0 % remaining)' }]);
  });

  it('budget below the minimum fails; failStatus chooses 409 or 200 for callers that read the body', async () => {
    const low = await gate('/api/v1/slos/shop/cart/gate?minBudgetRemaining=0.8');
    expect(low.status).toBe(412);
    expect(low.body.reasons[0]).toMatchObject({ code: 'BUDGET_LOW', message: '70.0 % of the budget remains, below the minimum 80.0 %' });
    expect((await gate('/api/v1/slos/shop/cart/gate?minBudgetRemaining=0.8&failStatus=409')).status).toBe(409);
    const ok200 = await gate('/api/v1/slos/shop/cart/gate?minBudgetRemaining=0.8&failStatus=200');
    expect(ok200.status).toBe(200);
    expect(ok200.body.pass).toBe(false);
  });

  it('stale: a result older than three cycles never passes silently', async () => {
    const later = await fx.app({ prometheusUrl: prometheus.url, now: () => T + 10 * 60_000 });
    const checker = await openApiChecker(later);
    const { status, body } = await gate('/api/v1/slos/shop/checkout/gate', undefined, later, checker);
    expect(status).toBe(412);
    expect(body).toMatchObject({ pass: false, fresh: false, unknown: true });
    expect(body.reasons[0]).toMatchObject({ code: 'STALE', blocking: true });
    expect((await gate('/api/v1/slos/shop/checkout/gate?allowUnknown=true', undefined, later, checker)).status).toBe(200);
  });

  it('bad parameters and unknown SLOs get clear 4xx answers', async () => {
    for (const [url, status, code] of [
      ['/api/v1/slos/shop/checkout/gate?minBudgetRemaining=2', 400, 'INVALID_REQUEST'],
      ['/api/v1/slos/shop/checkout/gate?maxBurnRate=-1', 400, 'INVALID_REQUEST'],
      ['/api/v1/slos/shop/checkout/gate?maxBurnRate=2&window=soon', 400, 'INVALID_WINDOW'],
      ['/api/v1/slos/shop/checkout/gate?failStatus=500', 400, 'INVALID_REQUEST'],
      ['/api/v1/slos/shop/nope/gate', 404, 'SLO_NOT_FOUND'],
    ] as const) {
      const res = await gate(url);
      expect(res.status, url).toBe(status);
      expect(res.body.error, url).toBe(code);
    }
  });
});

describe('several SLOs', () => {
  it('every SLO of a service, or a list: passes only when all pass', async () => {
    const one = await gate('/api/v1/gate?namespace=shop&service=checkout&maxBurnRate=2', '/api/v1/gate');
    expect(one.status).toBe(200);
    expect(one.body.slos.map((s: { name: string }) => s.name)).toEqual(['checkout']);
    const both = await gate('/api/v1/gate?namespace=shop&maxBurnRate=2', '/api/v1/gate');
    expect(both.status).toBe(412);
    expect(both.body.reasons).toEqual(['shop/cart: the 1h burn rate is 20×, above the maximum 2×']);
    expect(both.body.slos.map((s: { name: string; pass: boolean }) => [s.name, s.pass])).toEqual([
      ['cart', false],
      ['checkout', true],
    ]);
    expect((await gate('/api/v1/gate?namespace=shop&service=nothing', '/api/v1/gate')).status).toBe(404);
    expect((await gate('/api/v1/gate?namespace=shop&slo=checkout&slo=gone', '/api/v1/gate')).body.error).toBe('SLO_NOT_FOUND');
  });
});

describe('Flagger webhook', () => {
  let secured: FastifyInstance;
  let checker: OpenApiChecker;
  const token = 'flagger-token-0123456789abcdef';
  beforeAll(async () => {
    const file = join(history.dir, 'tokens.yaml');
    await writeFile(file, `tokens:\n  - name: flagger\n    token: ${token}\n    namespaces: [shop]\n`);
    secured = await fx.app({ prometheusUrl: prometheus.url, now: () => T, authenticator: tokenFileAuthenticator(file) });
    checker = await openApiChecker(secured);
  });

  const post = async (metadata: Record<string, string>, headers: Record<string, string> = {}) => {
    const res = await secured.inject({ method: 'POST', url: '/api/v1/gate', headers, payload: { name: 'checkout', namespace: 'shop', phase: 'Progressing', metadata } });
    checker.check('POST', '/api/v1/gate', res);
    return { status: res.statusCode, body: JSON.parse(res.body) };
  };

  it('takes the SLOs and criteria from the metadata and its token from metadata.token', async () => {
    expect((await post({ slo: 'shop/checkout', maxBurnRate: '2', token })).status).toBe(200);
    const failing = await post({ service: 'cart', maxBurnRate: '2', window: '1h,6h', token });
    expect(failing.status).toBe(412);
    expect(failing.body.slos[0].reasons.map((r: { code: string }) => r.code)).toEqual(['BURNING', 'BURNING']);
  });

  it('without a valid token: 401; another namespace: 403; bad metadata: 400', async () => {
    expect((await post({ slo: 'shop/checkout' })).status).toBe(401);
    expect((await post({ slo: 'shop/checkout', token: 'wrong-token-0123456789' })).status).toBe(401);
    expect((await post({ slo: 'bank/ledger', token })).status).toBe(403);
    expect((await post({ slo: 'shop/checkout' }, { authorization: `Bearer ${token}` })).status).toBe(200);
    const bad = await post({ slo: 'shop/checkout', maxBurnRate: 'fast', token });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('metadata.maxBurnRate must be a burn rate above 0 (e.g. 2), got "fast"');
  });
});

describe('vigil gate (the CLI for CI jobs) against the API on a socket', () => {
  let url: string;
  beforeAll(async () => {
    const served = await fx.app({ prometheusUrl: prometheus.url, now: () => T });
    url = await served.listen({ host: '127.0.0.1', port: 0 });
  });

  async function vigilGate(args: string[], env: Record<string, string> = {}) {
    let stdout = '';
    let stderr = '';
    const code = await main(['gate', ...args], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env, cwd: process.cwd() });
    return { code, stdout, stderr };
  }

  it('exits 0 and prints one PASS line per SLO when the gate passes', async () => {
    const r = await vigilGate(['--api', url, '--slo', 'shop/checkout', '--min-budget-remaining', '0.25', '--max-burn-rate', '2']);
    expect(r).toEqual({ code: 0, stdout: 'PASS shop/checkout: 75.0 % of the budget remaining, 1h burn rate 0.8×\n', stderr: '' });
  });

  it('exits 1 with the reasons when one SLO of the service set fails', async () => {
    const r = await vigilGate(['--selector', 'namespace=shop', '--max-burn-rate', '2', '--window', '1h', '--window', '6h'], { VIGIL_API_URL: url });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')).toEqual([
      'FAIL shop/cart: the 1h burn rate is 20×, above the maximum 2×; the 6h burn rate is 20×, above the maximum 2×; 70.0 % of the budget remaining, 1h burn rate 20×, 6h burn rate 20×',
      'PASS shop/checkout: 75.0 % of the budget remaining, 1h burn rate 0.8×, 6h burn rate 0.5×',
      '',
    ]);
  });

  it('exits 2 on usage errors and unknown SLOs, 1 when the API cannot be reached (unknown never passes)', async () => {
    expect((await vigilGate(['--slo', 'shop/checkout'])).code).toBe(2);
    expect((await vigilGate(['--api', url, '--slo', 'shop/checkout', '--max-burn-rate', 'high'])).stderr).toMatch(/^vigil gate: --max-burn-rate must be a burn rate above 0 \(e\.g\. 2\), got "high"\n/);
    const unknown = await vigilGate(['--api', url, '--slo', 'shop/gone']);
    expect(unknown).toMatchObject({ code: 2, stderr: 'vigil gate: SLO_NOT_FOUND: SLO shop/gone not found\n' });
    const port = await freePort();
    const closed = await vigilGate(['--api', `http://127.0.0.1:${port}`, '--slo', 'shop/checkout']);
    expect(closed).toEqual({ code: 1, stdout: '', stderr: `vigil gate: FAIL: cannot reach the Vigil API at http://127.0.0.1:${port} (ECONNREFUSED); an unknown answer does not pass\n` });
  });

  it('runs as the real binary: the exit code is the process exit code', async () => {
    const r = await runCommand(process.execPath, ['--import', 'tsx', join(process.cwd(), 'src/cli/bin.ts'), 'gate', '--api', url, '--slo', 'shop/cart', '--max-burn-rate', '2'], { cwd: process.cwd() });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL shop\/cart: the 1h burn rate is 20×/);
  });
});
