import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCatalogEntry } from '../../src/budget/slo.js';
import { loadResources } from '../../src/resources/load-resources.js';
import { compile } from '../../src/rules/compile.js';
import { catalogEntryFromCompiled } from '../../src/catalog/catalog-entry.js';

const golden = fileURLToPath(new URL('../golden/', import.meta.url));

describe('catalog entries from the compiled model', () => {
  it.each([
    ['availability-workbook', 'shop/checkout-availability', { rollingSeconds: 2_592_000 }],
    ['calendar-month', 'payments/payments-grpc', { calendar: { length: 'month', timeZone: 'Europe/Berlin' } }],
  ])('%s', (name, key, period) => {
    const { resources } = loadResources([`${golden}${name}/in`], golden, { builtins: true });
    const { slos } = compile(resources);
    const entries = slos.map(catalogEntryFromCompiled);
    const entry = entries.find((e) => `${e.namespace}/${e.name}` === key)!;
    expect(entry.period).toEqual(period);
    // The workbook set: page 14.4 over 1h/5m and 6 over 6h/30m, ticket 1 over 3d/6h (scaled to the period).
    expect(entry.policies.map((p) => [p.lookBackWindow, p.secondaryWindow, p.severity])).toEqual(
      expect.arrayContaining([['1h', '5m', 'page'], ['6h', '30m', 'page'], ['3d', '6h', 'ticket']]),
    );
    // The tile recordings' raw expressions, for filling gaps in them from the raw series.
    expect(Object.keys(entry.rawTiles ?? {})).toEqual(['300', '3600']);
    expect(entry.rawTiles!['3600']!.total).toMatch(/^sum\(.*\[1h\]/);
    expect(entry.rawTiles!['300']!.good).toMatch(/\[5m\].* or vector\(0\)$/);
    expect(parseCatalogEntry(JSON.parse(JSON.stringify(entry))).ok).toBe(true);
    expect(parseCatalogEntry({ ...entry, rawTiles: { '300': { good: 1 } } })).toEqual({ ok: false, issues: ['rawTiles.300: must have good and total queries'] });
  });
});
