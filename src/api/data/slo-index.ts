/**
 * An in-process index of every SLO the API can show: the worker catalog (budget essentials) merged with
 * the controller's documents (spec, status, SLI). Refreshed only when one of the two version keys
 * changes, and those are checked at most once per `checkEveryMs`, so most requests cost no Redis call.
 * A reload re-parses only entries whose text changed, in slices that yield to requests in flight.
 */
import type { Redis } from 'ioredis';
import { catalogKeys } from '../../redis/catalog-keys.js';
import type { PeriodDocument, PolicyDocument, SloDocument } from '../../catalog/documents.js';
import { objectiveFromGoal } from '../../budget/budget.js';
import { sloWindows, type SloCatalogEntry } from '../../budget/slo.js';
import { defaultWindows } from '../../budget/series-names.js';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { parseCatalogEntry } from '../../budget/slo.js';
import { calendarNominalMs } from '../../model/model.js';
import { formatDuration } from '../../model/duration.js';
import { redisKeys } from '../../redis/redis-keys.js';

export interface SloView {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly service: string;
  readonly goal: string;
  readonly objective: number;
  readonly period: PeriodDocument;
  readonly periodSeconds: number;
  readonly policies: readonly PolicyDocument[];
  /** Windows the worker reports burn rates for. */
  readonly windows: readonly string[];
  readonly document: SloDocument | undefined;
}

export interface SloSnapshot {
  /** Sorted by `namespace/name` (the stable list order). */
  readonly sorted: readonly SloView[];
  readonly byKey: ReadonlyMap<string, SloView>;
}

function fromEntry(key: string, entry: SloCatalogEntry, document: SloDocument | undefined): SloView {
  const period: PeriodDocument =
    'rollingSeconds' in entry.period
      ? { type: 'rolling', length: formatDuration(entry.period.rollingSeconds * 1000) }
      : { type: 'calendar', length: entry.period.calendar.length, timeZone: entry.period.calendar.timeZone };
  const periodSeconds = 'rollingSeconds' in entry.period ? entry.period.rollingSeconds : calendarNominalMs[entry.period.calendar.length] / 1000;
  return {
    key,
    namespace: entry.namespace,
    name: entry.name,
    service: entry.service,
    goal: entry.goal,
    objective: objectiveFromGoal(entry.goal),
    period,
    periodSeconds,
    policies: document?.policies ?? entry.policies.map((p) => ({ ...p, namespace: entry.namespace })),
    windows: sloWindows(entry, defaultWindows),
    document,
  };
}

function fromDocument(key: string, doc: SloDocument): SloView {
  const windows = sloWindows(
    { namespace: doc.namespace, name: doc.name, service: doc.service, goal: doc.goal, period: { rollingSeconds: doc.periodSeconds }, policies: doc.policies.map((p) => ({ ...p })) },
    defaultWindows,
  );
  return { key, namespace: doc.namespace, name: doc.name, service: doc.service, goal: doc.goal, objective: doc.objective, period: doc.period, periodSeconds: doc.periodSeconds, policies: doc.policies, windows, document: doc };
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** A view from the raw catalog entry and document texts; undefined when neither is usable. */
function build(key: string, entryText: string | undefined, documentText: string | undefined): SloView | undefined {
  const document = parseJson<SloDocument>(documentText);
  const parsed = parseCatalogEntry(parseJson<unknown>(entryText));
  if (parsed.ok) return fromEntry(key, parsed.value, document);
  return document ? fromDocument(key, document) : undefined;
}

export interface SloIndexOptions {
  /** How often the version keys are checked (default 1000 ms). */
  readonly checkEveryMs?: number;
  readonly onRefresh?: (seconds: number, size: number) => void;
}

export class SloIndex {
  private snapshot: SloSnapshot = { sorted: [], byKey: new Map() };
  /** Raw texts behind each view, so a reload re-parses only what changed. */
  private texts = new Map<string, string>();
  private versions = '';
  private checkedAt = -Infinity;
  private pending: Promise<SloSnapshot> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly options: SloIndexOptions = {},
  ) {}

  /** The current snapshot; refreshes first when the versions may have changed. */
  current(): Promise<SloSnapshot> | SloSnapshot {
    if (performance.now() - this.checkedAt < (this.options.checkEveryMs ?? 1000)) return this.snapshot;
    return (this.pending ??= this.refresh().finally(() => (this.pending = undefined)));
  }

  /** Forces a version check on the next call (tests; after a write). */
  invalidate(): void {
    this.checkedAt = -Infinity;
  }

  private async refresh(): Promise<SloSnapshot> {
    const versions = (await this.redis.mget(redisKeys.sloCatalogVersion, catalogKeys.documentsVersion)).join('|');
    this.checkedAt = performance.now();
    if (versions === this.versions) return this.snapshot;
    const started = performance.now();
    const [entries, documents] = await Promise.all([this.redis.hgetall(redisKeys.sloCatalog), this.redis.hgetall(catalogKeys.sloDocuments)]);
    const byKey = new Map<string, SloView>();
    const texts = new Map<string, string>();
    const keys = [...new Set([...Object.keys(entries), ...Object.keys(documents)])];
    // In slices, yielding between them, so a reload of 10,000 SLOs does not stall requests in flight.
    for (let i = 0; i < keys.length; i += 500) {
      if (i > 0) await yieldToEventLoop();
      for (const key of keys.slice(i, i + 500)) {
        const text = `${entries[key] ?? ''}\u0000${documents[key] ?? ''}`;
        const previous = this.texts.get(key) === text ? this.snapshot.byKey.get(key) : undefined;
        const view = previous ?? build(key, entries[key], documents[key]);
        if (!view) continue;
        byKey.set(key, view);
        texts.set(key, text);
      }
    }
    const sorted = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.texts = texts;
    this.snapshot = { sorted, byKey };
    this.versions = versions;
    this.options.onRefresh?.((performance.now() - started) / 1000, sorted.length);
    return this.snapshot;
  }
}
