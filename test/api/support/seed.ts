/** Seeds Redis as controller and worker would: worker catalog, API documents, budget results. */
import type { Redis } from 'ioredis';
import { sloDocumentFromCompiled, templateDocument } from '../../../src/catalog/documents.js';
import { syncCatalogDocuments } from '../../../src/catalog/catalog-store.js';
import { encodeResult, type BudgetResult } from '../../../src/budget/result.js';
import { compile } from '../../../src/rules/compile.js';
import { catalogEntryFromCompiled } from '../../../src/catalog/catalog-entry.js';
import { syncSloCatalog } from '../../../src/catalog/slo-catalog.js';
import { redisKeys } from '../../../src/redis/redis-keys.js';
import { baseSlo, resourcesFrom } from '../../unit/fixtures.js';

/** Three SLOs in two namespaces; `shop/checkout` opts into the workbook policies. */
export function fixtureResources() {
  const slo = (namespace: string, name: string, service: string, extra: Record<string, unknown> = {}) => {
    const s = baseSlo();
    s.metadata = { name, namespace };
    s.spec.selector = { name: service, namespace };
    s.spec.description = `${name} availability`;
    Object.assign(s.spec, extra);
    return s;
  };
  return resourcesFrom([
    slo('shop', 'checkout', 'checkout', { alertingPolicySet: 'workbook' }),
    slo('shop', 'cart', 'cart', { alertingPolicySet: 'workbook' }),
    slo('bank', 'ledger', 'ledger', { slo: { goal: '99.5', calendar: { length: 'month', timeZone: 'Europe/Berlin' } } }),
  ]);
}

export function result(service: string, overrides: Partial<BudgetResult> & { burn?: Record<string, number>; consumed?: number; coverage?: number } = {}): BudgetResult {
  const now = overrides.computedAtMs ?? Date.now();
  const consumed = overrides.consumed ?? 0.25;
  return {
    service,
    evaluatedAtMs: now,
    computedAtMs: now,
    objective: overrides.objective ?? 0.999,
    state: {
      compliance: 1 - consumed * 0.001,
      consumed,
      remaining: 1 - consumed,
      burnRates: overrides.burn ?? { '5m': 0.5, '1h': 0.8, '6h': 0.4 },
      timeToExhaustionSeconds: Number.POSITIVE_INFINITY,
      periodStartMs: now - 30 * 86_400_000,
      periodEndMs: now,
      elapsedRatio: 1,
      coverage: overrides.coverage ?? 1,
      recordedCoverage: overrides.coverage ?? 1,
      partial: (overrides.coverage ?? 1) < 0.99,
    },
    alerts: overrides.alerts ?? {},
  };
}

export async function seed(redis: Redis, results: Record<string, BudgetResult>): Promise<void> {
  const compiled = compile(fixtureResources());
  await syncSloCatalog(redis, compiled.slos.map(catalogEntryFromCompiled));
  await syncCatalogDocuments(redis, { slos: compiled.slos.map((s) => sloDocumentFromCompiled(s)), templates: compiled.templates.map(templateDocument) });
  for (const [key, r] of Object.entries(results)) await redis.hset(redisKeys.budgetResults, key, encodeResult(r));
}
