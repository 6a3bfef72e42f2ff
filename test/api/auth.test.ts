/**
 * Access control: a token file (constant-time lookup, reloaded on change) and Kubernetes TokenReview +
 * SubjectAccessReview through the real @kubernetes/client-node against a loopback API server.
 */
import { createServer, type Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubernetesAuthenticator } from '../../src/api/auth/kubernetes.js';
import { parseTokenFile, tokenFileAuthenticator } from '../../src/api/auth/token-file.js';
import { tempDir, waitFor } from '../support/processes.js';
import { openApiChecker, type OpenApiChecker } from './support/openapi.js';
import { startAppFixture, type AppFixture } from './support/app.js';
import { result, seed } from './support/seed.js';

let fx: AppFixture;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  fx = await startAppFixture();
  dir = await tempDir('api-auth');
  await seed(fx.redis, { 'shop/checkout': result('checkout'), 'bank/ledger': result('ledger') });
});
afterAll(async () => {
  await fx?.stop();
  await dir?.remove();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const names = (body: string) => (JSON.parse(body) as { items: Array<{ namespace: string; name: string }> }).items.map((i) => `${i.namespace}/${i.name}`);

/** The access rules both modes must enforce, given tokens for: every namespace, only `shop`, and a wrong one. */
function accessCases(getApp: () => FastifyInstance, getOpenApi: () => OpenApiChecker, tokens: { all: string; shop: string; wrong: string }) {
  const get = async (url: string, template: string, headers: Record<string, string> = {}) => {
    const res = await getApp().inject({ url, headers });
    getOpenApi().check('GET', template, res);
    return { status: res.statusCode, body: res.body };
  };
  it('401 without a token, with a malformed header, or with an unknown token', async () => {
    for (const headers of [{}, { authorization: 'Basic abc' }, bearer(tokens.wrong)]) {
      const { status, body } = await get('/api/v1/slos', '/api/v1/slos', headers);
      expect(status).toBe(401);
      expect(JSON.parse(body).error).toBe('UNAUTHENTICATED');
    }
  });
  it('a token for every namespace sees every SLO', async () => {
    const { status, body } = await get('/api/v1/slos', '/api/v1/slos', bearer(tokens.all));
    expect(status).toBe(200);
    expect(names(body)).toEqual(['bank/ledger', 'shop/cart', 'shop/checkout']);
  });
  it('a token for one namespace: lists filtered, 403 elsewhere (even for an SLO that does not exist)', async () => {
    expect(names((await get('/api/v1/slos', '/api/v1/slos', bearer(tokens.shop))).body)).toEqual(['shop/cart', 'shop/checkout']);
    expect((await get('/api/v1/slos/shop/checkout', '/api/v1/slos/{namespace}/{name}', bearer(tokens.shop))).status).toBe(200);
    for (const url of ['/api/v1/slos/bank/ledger', '/api/v1/slos/bank/unknown']) {
      const { status, body } = await get(url, '/api/v1/slos/{namespace}/{name}', bearer(tokens.shop));
      expect(status).toBe(403);
      expect(JSON.parse(body)).toMatchObject({ error: 'FORBIDDEN', message: expect.stringContaining('"bank"') });
    }
    expect((await get('/api/v1/slos?namespace=bank', '/api/v1/slos', bearer(tokens.shop))).status).toBe(403);
    expect((await get('/api/v1/slos/bank/ledger/burn-rates', '/api/v1/slos/{namespace}/{name}/burn-rates', bearer(tokens.shop))).status).toBe(403);
  });
  it('operational routes need no token', async () => {
    expect((await get('/healthz', '/healthz')).status).toBe(200);
    expect((await get('/readyz', '/readyz')).status).toBe(200);
  });
}

describe('tokens:FILE', () => {
  let app: FastifyInstance;
  let openapi: OpenApiChecker;
  let file: string;
  const all = 'all-namespaces-token-0123456789';
  const shop = 'shop-only-token-0123456789';

  beforeAll(async () => {
    file = join(dir.path, 'tokens.yaml');
    await writeFile(file, `tokens:\n  - name: grafana\n    token: ${all}\n    namespaces: ["*"]\n  - name: team-shop\n    token: ${shop}\n    namespaces: [shop]\n`);
    app = await fx.app({ authenticator: tokenFileAuthenticator(file, { watchIntervalMs: 50 }) });
    openapi = await openApiChecker(app);
  });

  accessCases(() => app, () => openapi, { all, shop, wrong: 'not-a-known-token-0123456789' });

  it('reloads the file when it changes; a broken edit keeps the previous tokens', async () => {
    const added = 'added-later-token-0123456789';
    await writeFile(file, `{"tokens": [{"name": "bank", "token": "${added}", "namespaces": ["bank"]}]}`);
    await waitFor('token file reloaded', async () => (await app.inject({ url: '/api/v1/slos', headers: bearer(added) })).statusCode === 200, { timeoutMs: 10_000, intervalMs: 50 });
    expect(names((await app.inject({ url: '/api/v1/slos', headers: bearer(added) })).body)).toEqual(['bank/ledger']);
    expect((await app.inject({ url: '/api/v1/slos', headers: bearer(all) })).statusCode).toBe(401);
    await writeFile(file, 'tokens: [oops');
    await new Promise((r) => setTimeout(r, 300));
    expect((await app.inject({ url: '/api/v1/slos', headers: bearer(added) })).statusCode).toBe(200);
  });

  it.each([
    ['nothing: here', /top-level "tokens" list/],
    ['tokens: [{token: short, namespaces: ["*"]}]', /tokens.0.token: must be a string of at least 16/],
    ['tokens: [{token: long-enough-token-123, namespaces: shop}]', /tokens.0.namespaces/],
  ])('rejects a token file %s', (text, message) => {
    const parsed = parseTokenFile(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });
});

describe('kubernetes (TokenReview + SubjectAccessReview)', () => {
  let server: Server;
  let app: FastifyInstance;
  let openapi: OpenApiChecker;
  const reviews = { token: 0, access: [] as string[] };
  const users: Record<string, { username: string; groups: string[] }> = {
    'admin-token': { username: 'admin', groups: ['system:masters'] },
    'alice-token': { username: 'alice', groups: ['team-shop'] },
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        const body = JSON.parse(text || '{}');
        const reply = (status: object) => {
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ...body, status }));
        };
        if (req.headers.authorization !== 'Bearer vigil-service-account') {
          res.writeHead(401, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 401 }));
        }
        if (req.method === 'POST' && req.url === '/apis/authentication.k8s.io/v1/tokenreviews') {
          reviews.token++;
          const user = users[body.spec.token];
          return reply(user ? { authenticated: true, user: { ...user, uid: `uid-${user.username}` } } : { authenticated: false, error: 'invalid token' });
        }
        if (req.method === 'POST' && req.url === '/apis/authorization.k8s.io/v1/subjectaccessreviews') {
          const { user, groups, resourceAttributes: ra } = body.spec;
          reviews.access.push(`${user}:${ra.verb}:${ra.resource}.${ra.group}:${ra.namespace}`);
          const allowed = groups.includes('system:masters') || (groups.includes('team-shop') && ra.namespace === 'shop');
          return reply({ allowed });
        }
        res.writeHead(404);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'loopback', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'vigil', token: 'vigil-service-account' }],
      contexts: [{ name: 'loopback', cluster: 'loopback', user: 'vigil' }],
      currentContext: 'loopback',
    });
    app = await fx.app({ authenticator: kubernetesAuthenticator({ kubeConfig, cacheMs: 60_000 }) });
    openapi = await openApiChecker(app);
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
  });

  accessCases(() => app, () => openapi, { all: 'admin-token', shop: 'alice-token', wrong: 'mallory-token' });

  it('asks for get on servicelevelobjectives.sre.vigil.dev, cluster-wide first, and caches the answers', async () => {
    expect(reviews.access).toContain('alice:get:servicelevelobjectives.sre.vigil.dev:');
    expect(reviews.access).toContain('alice:get:servicelevelobjectives.sre.vigil.dev:shop');
    expect(reviews.access).toContain('alice:get:servicelevelobjectives.sre.vigil.dev:bank');
    expect(reviews.access.filter((r) => r.startsWith('admin:'))).toEqual(['admin:get:servicelevelobjectives.sre.vigil.dev:']);
    const before = { token: reviews.token, access: reviews.access.length };
    for (let i = 0; i < 5; i++) expect((await app.inject({ url: '/api/v1/slos', headers: bearer('alice-token') })).statusCode).toBe(200);
    expect({ token: reviews.token, access: reviews.access.length }).toEqual(before);
  });

  it('an unreachable API server is 503 AUTH_UNAVAILABLE, not 500', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'gone', server: 'http://127.0.0.1:9', skipTLSVerify: true }],
      users: [{ name: 'vigil', token: 'x' }],
      contexts: [{ name: 'gone', cluster: 'gone', user: 'vigil' }],
      currentContext: 'gone',
    });
    const down = await fx.app({ authenticator: kubernetesAuthenticator({ kubeConfig }) });
    const res = await down.inject({ url: '/api/v1/slos', headers: bearer('alice-token') });
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body).error).toBe('AUTH_UNAVAILABLE');
  });
});
