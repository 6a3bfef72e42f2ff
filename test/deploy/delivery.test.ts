/**
 * The release-gate manifests under deploy/delivery/: committed YAML matches delivery.ts, every manifest
 * satisfies its CRD's schema (Flagger's MetricTemplate and Canary, Argo Rollouts' AnalysisTemplate, from
 * ../shared/reference/delivery-crds), every PromQL query in them returns the canary's burn rate from a real
 * Prometheus scraping the demo mesh with a canary workload, and the gate calls they make are answered by the
 * API (real Redis) as a pass or a fail.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { deliveryManifests, example, manifestText, placeholders } from '../../deploy/delivery/delivery.js';
import { syncCatalogDocuments } from '../../src/catalog/catalog-store.js';
import { sloDocumentFromCompiled, templateDocument } from '../../src/catalog/documents.js';
import { encodeResult } from '../../src/budget/result.js';
import { loadResources } from '../../src/resources/load-resources.js';
import { demoMesh, type Incident } from '../../src/demo/mesh.js';
import { startTrafficServer, type TrafficServer } from '../../src/demo/traffic-server.js';
import { checkPromql } from '../../src/promql/parse.js';
import { compile } from '../../src/rules/compile.js';
import { catalogEntryFromCompiled } from '../../src/catalog/catalog-entry.js';
import { syncSloCatalog } from '../../src/catalog/slo-catalog.js';
import { redisKeys } from '../../src/redis/redis-keys.js';
import { startAppFixture, type AppFixture } from '../api/support/app.js';
import { result } from '../api/support/seed.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { waitFor } from '../support/processes.js';

type Json = Record<string, any>;
const root = join(import.meta.dirname, '../..');
const crdDir = join(root, '../shared/reference/delivery-crds');
const files = Object.keys(deliveryManifests());
const docsOf = (file: string) => parseAllDocuments(readFileSync(join(root, 'deploy/delivery', file), 'utf8')).map((d) => d.toJS() as Json);

/** `openAPIV3Schema` of every CRD version, by `group/version` and kind. */
function crdSchemas(): Map<string, object> {
  const out = new Map<string, object>();
  for (const file of ['flagger-crds.yaml', 'argo-rollouts-analysis-template-crd.yaml']) {
    for (const doc of parseAllDocuments(readFileSync(join(crdDir, file), 'utf8'))) {
      const crd = doc.toJS() as Json | null;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const v of crd.spec.versions) out.set(`${crd.spec.group}/${v.name} ${crd.spec.names.kind}`, v.schema.openAPIV3Schema);
    }
  }
  return out;
}

describe('delivery manifests', () => {
  it.each(files)('%s is what delivery.ts builds (npm run delivery:update after a change)', (file) => {
    expect(readFileSync(join(root, 'deploy/delivery', file), 'utf8')).toBe(manifestText(file));
  });

  it.each(files)('%s satisfies its CRD schema', (file) => {
    const schemas = crdSchemas();
    const ajv = new Ajv({ strict: false, allErrors: true });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    // Kubernetes does not check `format: url` (Flagger's own examples use cluster-local hosts such as
    // http://flagger-loadtester.test/); ajv-formats wants a public host name. Check what matters: an http(s) URL.
    ajv.addFormat('url', (text: string) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol));
    for (const doc of docsOf(file)) {
      const schema = schemas.get(`${doc.apiVersion} ${doc.kind}`);
      expect(schema, `${doc.apiVersion} ${doc.kind}`).toBeDefined();
      const validate = ajv.compile(schema!);
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('the schemas are strict enough to catch a mistake (a misspelt field of a required kind)', () => {
    const schemas = crdSchemas();
    const ajv = new Ajv({ strict: false, logger: false });
    const canary = structuredClone(docsOf('flagger/canary.yaml')[0]!);
    delete canary.spec.targetRef;
    expect(ajv.compile(schemas.get('flagger.app/v1beta1 Canary')!)(canary)).toBe(false);
    const template = structuredClone(docsOf('argo-rollouts/analysis-template.yaml')[0]!);
    template.spec.metrics[0].provider.prometheus.query = 42;
    expect(ajv.compile(schemas.get('argoproj.io/v1alpha1 AnalysisTemplate')!)(template)).toBe(false);
  });
});

/** Every query of the manifests with the tools' placeholders filled in for the demo's canary. */
function canaryQueriesOfManifests(): Array<{ file: string; expr: string }> {
  const out: Array<{ file: string; expr: string }> = [];
  for (const file of files) {
    for (const doc of docsOf(file)) {
      if (doc.kind === 'MetricTemplate') out.push({ file, expr: doc.spec.query });
      if (doc.kind === 'AnalysisTemplate') for (const m of doc.spec.metrics) if (m.provider.prometheus) out.push({ file, expr: m.provider.prometheus.query });
    }
  }
  return out.map((q) => ({ file: q.file, expr: q.expr.replaceAll(placeholders.flaggerTarget, 'checkout-canary').replaceAll(placeholders.argoWorkload, 'checkout-canary') }));
}

describe('canary queries against the demo mesh with a canary workload', () => {
  let traffic: TrafficServer | undefined;
  let prometheus: RunningPrometheus | undefined;

  beforeAll(async () => {
    const now = Math.floor(Date.now() / 1000);
    // checkout (and so its canary, which takes 10 % of its traffic) answers 20 % 5xx from now on.
    const incidents: Incident[] = [{ name: 'checkout-errors', service: 'checkout', effect: { kind: 'errors', errorRatio: 0.2 }, schedule: { start: now - 3600, duration: 4 * 3600 } }];
    traffic = await startTrafficServer({ config: demoMesh({ incidents, canary: true }) });
    prometheus = await startPrometheus({ scrapeConfigsYaml: `  - job_name: mesh\n    static_configs: [{targets: ["127.0.0.1:${traffic.port}"]}]` });
    const p = prometheus;
    await waitFor('two scrapes of the canary', async () => (await p.query('count_over_time(istio_requests_total{destination_workload="checkout-canary"}[1m])')).some((s) => Number(s.value[1]) >= 3), {
      timeoutMs: 30_000,
      intervalMs: 500,
    });
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await traffic?.close();
  });

  it('finds at least one query in each tool\'s manifests', () => {
    expect(new Set(canaryQueriesOfManifests().map((q) => q.file))).toEqual(new Set(['flagger/metric-template.yaml', 'argo-rollouts/analysis-template.yaml']));
  });

  it.each(canaryQueriesOfManifests())('$file: the query parses and returns the canary\'s burn rate (20 % errors on a 99.95 % SLO: 400×)', async ({ expr }) => {
    expect(checkPromql(expr)).toEqual({ ok: true });
    const samples = await prometheus!.query(expr);
    expect(samples).toHaveLength(1);
    expect(Number(samples[0]!.value[1]) / (0.2 / 0.0005)).toBeCloseTo(1, 6);
    // The same query for a workload that does not exist returns nothing (so the restriction is real).
    expect(await prometheus!.query(expr.replaceAll('checkout-canary', 'no-such-workload'))).toEqual([]);
  });
});

describe('the gate calls the manifests make, answered by the API', () => {
  let fx: AppFixture;
  beforeAll(async () => {
    fx = await startAppFixture();
    const compiled = compile(loadResources([join(root, 'deploy/demo/resources')], root).resources);
    await syncSloCatalog(fx.redis, compiled.slos.map(catalogEntryFromCompiled));
    await syncCatalogDocuments(fx.redis, { slos: compiled.slos.map((s) => sloDocumentFromCompiled(s)), templates: compiled.templates.map(templateDocument) });
  });
  afterAll(async () => fx?.stop());

  const seedCheckout = async (burn1h: number, consumed: number) =>
    fx.redis.hset(redisKeys.budgetResults, `${example.slo.namespace}/${example.slo.name}`, encodeResult(result(example.service, { consumed, objective: 0.9995, burn: { '5m': burn1h, '1h': burn1h } })));

  // A new app per state: the API reuses one SLO's result for up to a second.
  it('Argo Rollouts\' web metric: 200 with pass read from the body, false while burning, true when healthy', async () => {
    const web = docsOf('argo-rollouts/analysis-template.yaml')[0]!.spec.metrics.find((m: Json) => m.provider.web).provider.web;
    const url = new URL(web.url);
    await seedCheckout(20, 0.3);
    const burning = await (await fx.app()).inject(url.pathname + url.search);
    expect(burning.statusCode).toBe(200);
    expect(JSON.parse(burning.body).pass).toBe(false);
    await seedCheckout(0.5, 0.3);
    expect(JSON.parse((await (await fx.app()).inject(url.pathname + url.search)).body).pass).toBe(true);
  });

  it('Flagger\'s pre-rollout webhook: 412 halts the canary while burning, 200 lets it start when healthy', async () => {
    const webhook = docsOf('flagger/canary.yaml')[0]!.spec.analysis.webhooks[0];
    expect(webhook.type).toBe('pre-rollout');
    const payload = { name: example.service, namespace: example.slo.namespace, phase: 'Initializing', metadata: webhook.metadata };
    await seedCheckout(20, 0.3);
    expect((await (await fx.app()).inject({ method: 'POST', url: new URL(webhook.url).pathname, payload })).statusCode).toBe(412);
    await seedCheckout(0.5, 0.3);
    expect((await (await fx.app()).inject({ method: 'POST', url: new URL(webhook.url).pathname, payload })).statusCode).toBe(200);
  });
});
