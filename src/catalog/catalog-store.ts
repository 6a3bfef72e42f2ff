/**
 * The API catalog in Redis: SLO and template documents, written by the controller, read by the API.
 * `syncCatalogDocuments` makes Redis hold exactly the given documents (idempotent; removes what is gone)
 * and bumps the version key only when something changed, so API caches refresh only then.
 */
import type { Redis } from 'ioredis';
import { catalogKeys } from '../redis/catalog-keys.js';
import type { SloDocument, TemplateDocument } from './documents.js';

const keyOf = (d: { readonly namespace: string; readonly name: string }) => `${d.namespace}/${d.name}`;

export interface SyncResult {
  readonly written: number;
  readonly removed: number;
  readonly changed: boolean;
}

async function syncHash(redis: Redis, key: string, docs: ReadonlyArray<{ namespace: string; name: string }>, multi: ReturnType<Redis['multi']>): Promise<{ written: number; removed: number }> {
  const wanted = new Map(docs.map((d) => [keyOf(d), JSON.stringify(d)]));
  const existing = await redis.hgetall(key);
  const writes: string[] = [];
  for (const [field, text] of wanted) if (existing[field] !== text) writes.push(field, text);
  const gone = Object.keys(existing).filter((field) => !wanted.has(field));
  for (let i = 0; i < writes.length; i += 2000) multi.hset(key, ...writes.slice(i, i + 2000));
  for (let i = 0; i < gone.length; i += 1000) multi.hdel(key, ...gone.slice(i, i + 1000));
  return { written: writes.length / 2, removed: gone.length };
}

export async function syncCatalogDocuments(redis: Redis, input: { readonly slos: readonly SloDocument[]; readonly templates: readonly TemplateDocument[] }): Promise<SyncResult> {
  const multi = redis.multi();
  const slos = await syncHash(redis, catalogKeys.sloDocuments, input.slos, multi);
  const templates = await syncHash(redis, catalogKeys.templates, input.templates, multi);
  const written = slos.written + templates.written;
  const removed = slos.removed + templates.removed;
  const changed = written + removed > 0;
  if (changed) {
    multi.incr(catalogKeys.documentsVersion);
    await multi.exec();
  } else {
    multi.discard();
  }
  return { written, removed, changed };
}

function parse<T>(text: string | null | undefined): T | undefined {
  if (text === null || text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

export async function readSloDocument(redis: Redis, ref: { readonly namespace: string; readonly name: string }): Promise<SloDocument | undefined> {
  return parse<SloDocument>(await redis.hget(catalogKeys.sloDocuments, keyOf(ref)));
}

/** Every SLO document by `namespace/name` (unparseable ones are skipped). */
export async function readSloDocuments(redis: Redis): Promise<Map<string, SloDocument>> {
  const raw = await redis.hgetall(catalogKeys.sloDocuments);
  const out = new Map<string, SloDocument>();
  for (const [key, text] of Object.entries(raw)) {
    const doc = parse<SloDocument>(text);
    if (doc) out.set(key, doc);
  }
  return out;
}

/** Every template, sorted by namespace and name. */
export async function readTemplates(redis: Redis): Promise<TemplateDocument[]> {
  const raw = await redis.hgetall(catalogKeys.templates);
  return Object.entries(raw)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([, text]) => {
      const doc = parse<TemplateDocument>(text);
      return doc ? [doc] : [];
    });
}

export async function readDocumentsVersion(redis: Redis): Promise<string> {
  return (await redis.get(catalogKeys.documentsVersion)) ?? '0';
}
