import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { catalogKeys } from '../../src/redis/catalog-keys.js';
import { readDocumentsVersion, readSloDocument, readSloDocuments, readTemplates, syncCatalogDocuments } from '../../src/catalog/catalog-store.js';
import { sloDocumentFromCompiled, templateDocument } from '../../src/catalog/documents.js';
import { compile } from '../../src/rules/compile.js';
import { startRedis, type RunningRedis } from '../support/redis.js';
import { fixtureResources } from './support/seed.js';

let server: RunningRedis;
let redis: Redis;
const compiled = compile(fixtureResources());

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});
beforeEach(async () => {
  await redis.flushall();
});

describe('SLO documents', () => {
  it('carry spec, conditions, the rendered 5m SLI and the resolved policies', () => {
    const checkout = compiled.slos.find((s) => s.name === 'checkout')!;
    const doc = sloDocumentFromCompiled(checkout, [{ type: 'Ready', status: 'True', reason: 'RulesLoaded', message: 'ok' }]);
    expect(doc).toMatchObject({ namespace: 'shop', name: 'checkout', service: 'checkout', goal: '99.9', objective: 0.999, period: { type: 'rolling', length: '30d' }, periodSeconds: 2_592_000 });
    expect(doc.spec).toEqual(checkout.resource.spec);
    expect(doc.conditions).toEqual([{ type: 'Ready', status: 'True', reason: 'RulesLoaded', message: 'ok' }]);
    expect(doc.sli.template).toMatchObject({ namespace: 'vigil-system', name: 'http-requests-success-rate', kind: 'availability' });
    expect(doc.sli.goodQuery).toContain('[5m]');
    expect(doc.sli.totalQuery).toContain('destination_service_name="checkout"');
    expect(doc.policies.map((p) => [p.threshold, p.lookBackWindow, p.secondaryWindow, p.for, p.severity])).toEqual(
      expect.arrayContaining([[14.4, '1h', '5m', '2m', 'page'], [6, '6h', '30m', '15m', 'page'], [1, '3d', '6h', '1h', 'ticket']]),
    );
    const ledger = sloDocumentFromCompiled(compiled.slos.find((s) => s.name === 'ledger')!);
    expect(ledger.period).toEqual({ type: 'calendar', length: 'month', timeZone: 'Europe/Berlin' });
    expect(ledger.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['Valid=True', 'RulesApplied=Unknown', 'Ready=Unknown']);
  });
});

describe('syncCatalogDocuments', () => {
  const slos = compiled.slos.map((s) => sloDocumentFromCompiled(s));
  const templates = compiled.templates.map(templateDocument);

  it('writes, is idempotent (no version bump when nothing changed) and removes what is gone', async () => {
    expect(await syncCatalogDocuments(redis, { slos, templates })).toEqual({ written: slos.length + templates.length, removed: 0, changed: true });
    expect(await readDocumentsVersion(redis)).toBe('1');
    expect(await syncCatalogDocuments(redis, { slos, templates })).toEqual({ written: 0, removed: 0, changed: false });
    expect(await readDocumentsVersion(redis)).toBe('1');
    expect(await readSloDocument(redis, { namespace: 'shop', name: 'checkout' })).toEqual(JSON.parse(JSON.stringify(slos.find((s) => s.name === 'checkout'))));

    await syncCatalogDocuments(redis, { slos: slos.filter((s) => s.name !== 'cart'), templates: templates.slice(1) });
    expect(await readDocumentsVersion(redis)).toBe('2');
    expect([...(await readSloDocuments(redis)).keys()].sort()).toEqual(['bank/ledger', 'shop/checkout']);
    expect((await readTemplates(redis)).length).toBe(templates.length - 1);
    expect(await readSloDocument(redis, { namespace: 'shop', name: 'cart' })).toBeUndefined();
  });

  it('skips a corrupt document instead of failing the read', async () => {
    await syncCatalogDocuments(redis, { slos, templates });
    await redis.hset(catalogKeys.sloDocuments, 'x/broken', '{not json');
    expect((await readSloDocuments(redis)).has('x/broken')).toBe(false);
    expect((await readSloDocuments(redis)).size).toBe(slos.length);
  });
});
