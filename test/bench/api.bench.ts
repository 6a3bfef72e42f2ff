/**
 * API benchmark (`npm run bench api`): 10,000 SLOs in a real Redis (worker catalog, API documents and
 * budget results), one `vigil api` process (token auth, rate limit off), autocannon with 100 connections
 * from this process. In one run against the same server: /healthz (trivial), one page of the SLO list,
 * and one SLO's burn rates. Prints requests/s and p50/p99 latency, and the burn-rate/trivial ratio.
 * Targets: burn-rate route ≥ 40 % of the trivial route's throughput, p99 < 20 ms.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { encodeResult } from '../../src/budget/result.js';
import { catalogKeys } from '../../src/redis/catalog-keys.js';
import { sloDocumentFromCompiled, templateDocument } from '../../src/catalog/documents.js';
import { syncCatalogDocuments } from '../../src/catalog/catalog-store.js';
import { compile } from '../../src/rules/compile.js';
import { catalogEntryFromCompiled } from '../../src/catalog/catalog-entry.js';
import { syncSloCatalog } from '../../src/catalog/slo-catalog.js';
import { redisKeys } from '../../src/redis/redis-keys.js';
import { freePort, startProcess, tempDir, waitFor } from '../support/processes.js';
import { startRedis } from '../support/redis.js';
import { baseSlo, resourcesFrom } from '../unit/fixtures.js';
import { result } from '../api/support/seed.js';

/** The part of autocannon's API used here (the package ships no types). */
type Autocannon = (options: { url: string; connections: number; duration: number; headers?: Record<string, string> }) => Promise<{
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}>;
const autocannonModule = 'autocannon';
const autocannon = ((await import(autocannonModule)) as { default: Autocannon }).default;

const N = 10_000;
const CONNECTIONS = 100;
const DURATION_S = Number(process.env.VIGIL_BENCH_SECONDS ?? 10);
const TOKEN = 'bench-token-0123456789abcdef';
const bin = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));

async function seed(redis: Redis): Promise<void> {
  const s = baseSlo();
  s.spec.alertingPolicySet = 'workbook';
  const compiled = compile(resourcesFrom([s]));
  const base = compiled.slos[0]!;
  const baseDoc = sloDocumentFromCompiled(base);
  const baseEntry = catalogEntryFromCompiled(base);
  const at = (i: number) => ({ namespace: `ns-${i % 50}`, name: `slo-${String(i).padStart(5, '0')}`, service: `svc-${i}` });
  const docs = Array.from({ length: N }, (_, i) => ({ ...baseDoc, ...at(i) }));
  const entries = Array.from({ length: N }, (_, i) => ({ ...baseEntry, ...at(i) }));
  await syncSloCatalog(redis, entries);
  await syncCatalogDocuments(redis, { slos: docs, templates: compiled.templates.map(templateDocument) });
  const now = Date.now() + 3_600_000; // stays fresh for the whole run
  const fields: string[] = [];
  for (let i = 0; i < N; i++) {
    const { namespace, name, service } = at(i);
    fields.push(`${namespace}/${name}`, encodeResult(result(service, { computedAtMs: now, burn: { '5m': 0.2, '30m': 0.3, '1h': 0.4, '2h': 0.5, '6h': 0.6, '1d': 0.7, '3d': 0.8 }, alerts: { 'workbook-page-fast': i % 97 === 0 ? 'firing' : 'inactive' } })));
  }
  for (let i = 0; i < fields.length; i += 2000) await redis.hset(redisKeys.budgetResults, ...fields.slice(i, i + 2000));
  if ((await redis.hlen(catalogKeys.sloDocuments)) !== N) throw new Error('seeding failed');
}

interface Figures {
  readonly route: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
}

async function measure(route: string, url: string): Promise<Figures> {
  const headers = { authorization: `Bearer ${TOKEN}` };
  await autocannon({ url, connections: CONNECTIONS, duration: 2, headers }); // warm-up
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, headers });
  return { route, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

const redisServer = await startRedis();
const redis = new Redis(redisServer.url);
const dir = await tempDir('api-bench');
let api: ReturnType<typeof startProcess> | undefined;
try {
  const seeded = performance.now();
  await seed(redis);
  const seedSeconds = (performance.now() - seeded) / 1000;
  const tokens = join(dir.path, 'tokens.yaml');
  await writeFile(tokens, `tokens:\n  - name: bench\n    token: ${TOKEN}\n    namespaces: ["*"]\n`);
  const port = await freePort();
  api = startProcess(process.execPath, [...(process.env.VIGIL_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', bin, 'api', '--listen', `127.0.0.1:${port}`, '--redis-url', redisServer.url, '--auth', `tokens:${tokens}`, '--rate-limit', '0', '--log-level', 'warn']);
  const base = `http://127.0.0.1:${port}`;
  await waitFor('api ready', async () => (await fetch(`${base}/readyz`)).ok, { timeoutMs: 60_000 });
  const first = performance.now();
  const page = await fetch(`${base}/api/v1/slos?limit=100`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const firstList = (await page.json()) as { total: number; items: unknown[] };
  const indexSeconds = (performance.now() - first) / 1000;
  if (firstList.total !== N || firstList.items.length !== 100) throw new Error(`unexpected list: total ${firstList.total}`);

  const results = [
    await measure('GET /healthz (trivial)', `${base}/healthz`),
    await measure('GET /api/v1/slos?limit=100 (one page of 10,000)', `${base}/api/v1/slos?limit=100&cursor=${Buffer.from('ns-25/slo-05025').toString('base64url')}`),
    await measure('GET /api/v1/slos/{ns}/{name}/burn-rates?window=1h&window=6h', `${base}/api/v1/slos/ns-7/slo-00007/burn-rates?window=1h&window=6h`),
  ];
  const trivial = results[0]!.rps;
  console.log(`\n${N} SLOs seeded in ${seedSeconds.toFixed(1)} s; first list (index load) ${(indexSeconds * 1000).toFixed(0)} ms; ${CONNECTIONS} connections, ${DURATION_S} s per route\n`);
  console.log('| route | requests/s | p50 ms | p99 ms | vs trivial | errors/non-2xx |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) console.log(`| ${r.route} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${((100 * r.rps) / trivial).toFixed(0)} % | ${r.errors}/${r.non2xx} |`);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const refresh = /^vigil_api_catalog_refresh_seconds_sum (\S+)$/m.exec(metrics)?.[1];
  console.log(`\nindex load of ${N} SLOs (catalog + documents) inside the API: ${(Number(refresh) * 1000).toFixed(0)} ms (in slices that yield to requests; only when a catalog version changes)`);
  const burn = results[2]!;
  console.log(`\nburn-rate route: ${((100 * burn.rps) / trivial).toFixed(0)} % of trivial (target ≥ 40 %), p99 ${burn.p99} ms (target < 20 ms)`);
} finally {
  if (process.env.VIGIL_BENCH_NODE_FLAGS) console.error(api?.output().slice(-20_000));
  await api?.stop();
  redis.disconnect();
  await redisServer.stop();
  await dir.remove();
}
