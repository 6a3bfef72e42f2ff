/**
 * A loopback HTTP server that speaks the slice of the Kubernetes API the controller relies on, so the real
 * @kubernetes/client-node can be driven against it: list with resourceVersion, chunked watch streams
 * (ADDED/MODIFIED/DELETED/BOOKMARK, 410 Gone for compacted resourceVersions), GET/POST/PUT/DELETE, PATCH
 * (merge-patch, and server-side apply with field ownership: see field-ownership.ts for what it leaves out),
 * the status subresource, 409 on stale resourceVersion, generation
 * bumps on spec change, and any resource type (custom resources, PrometheusRules, Leases) by URL.
 *
 * Test controls: stop()/start() (server down and back on the same port), dropWatches(), hangWatches,
 * compact() (forget history so old resourceVersions get 410), injectFailure(), request counters.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { FieldOwners } from './field-ownership.js';

type Obj = Record<string, unknown> & { metadata: Meta; apiVersion?: string; kind?: string };
interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  ownerReferences?: Array<{ uid: string; kind: string; name: string }>;
  [key: string]: unknown;
}

interface WatchEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Obj;
}

interface Collection {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly objects: Map<string, Obj>;
  events: WatchEvent[];
  /** Oldest resourceVersion a watch may resume from; older ones get 410 Gone. */
  compactedAt: number;
  /** Which field manager owns which fields of each object (key `namespace/name`). */
  readonly owners: FieldOwners;
}

interface Watcher {
  readonly collection: Collection;
  readonly namespace: string | undefined;
  readonly selector: Selector;
  readonly response: ServerResponse;
  readonly bookmarks: boolean;
  timers: NodeJS.Timeout[];
}

type Selector = (labels: Record<string, string> | undefined) => boolean;

export interface InjectedFailure {
  method?: string;
  /** Substring the request path must contain. */
  path?: string;
  status: number;
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface FakeKubeApiServerOptions {
  /** Plurals that have a status subresource (default: the three Vigil kinds). */
  statusSubresources?: readonly string[];
  /** Emulate the garbage collector: deleting an object deletes those that name it in ownerReferences. */
  garbageCollection?: boolean;
  /** Bookmark interval for watches that allow bookmarks (default 1000 ms). */
  bookmarkIntervalMs?: number;
  /** Deliver 410 for too-old watches as an HTTP status instead of an in-stream ERROR event. */
  goneAsHttpStatus?: boolean;
  /** Per-collection history kept for watch resumption (default 100000 events). */
  historyLimit?: number;
}

export interface RequestCounts {
  total: number;
  byVerb: Record<string, number>;
}

const defaultStatusPlurals = ['servicelevelobjectives', 'servicelevelindicatortemplates', 'alertingpolicies'];

export class FakeKubeApiServer {
  readonly collections = new Map<string, Collection>();
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly watchers = new Set<Watcher>();
  private failures: Array<Required<Omit<InjectedFailure, 'method' | 'path'>> & InjectedFailure> = [];
  private rv = 1000;
  private port = 0;
  /** When true, new watches get their headers but never an event, like a dead connection. */
  hangWatches = false;
  readonly counts: RequestCounts = { total: 0, byVerb: {} };
  /** Recent requests (method, path, content type), capped. */
  readonly log: Array<{ method: string; path: string; query: string; contentType: string | undefined; status: number }> = [];
  private readonly statusPlurals: Set<string>;

  constructor(private readonly options: FakeKubeApiServerOptions = {}) {
    this.statusPlurals = new Set(options.statusSubresources ?? defaultStatusPlurals);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A kubeconfig (YAML) pointing at this server. */
  kubeconfigYaml(namespace = 'default'): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: fake\n  cluster:\n    server: ${this.url}\n    insecure-skip-tls-verify: true`,
      'users:',
      '- name: fake\n  user:\n    token: fake-token',
      'contexts:',
      `- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: ${namespace}`,
      'current-context: fake',
      '',
    ].join('\n');
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 5_000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address && typeof address === 'object') this.port = address.port;
    this.server = server;
  }

  /** Takes the server down: closes the listener and destroys every connection (watches included). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const w of [...this.watchers]) this.endWatch(w, true);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Ends every open watch stream cleanly (the client sees the stream close, as after a server timeout). */
  dropWatches(): number {
    const n = this.watchers.size;
    for (const w of [...this.watchers]) this.endWatch(w, false);
    return n;
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  /** Forgets all watch history: every watch resuming from an older resourceVersion gets 410 Gone. */
  compact(): void {
    for (const c of this.collections.values()) {
      c.events = [];
      c.compactedAt = this.rv;
    }
  }

  injectFailure(failure: InjectedFailure): void {
    this.failures.push({ times: 1, ...failure });
  }

  resetCounts(): void {
    this.counts.total = 0;
    this.counts.byVerb = {};
    this.log.length = 0;
  }

  // ---- direct store access for tests (as if another client wrote) ----

  collection(group: string, version: string, plural: string): Collection {
    const key = `${group}/${plural}`;
    let c = this.collections.get(key);
    if (!c) {
      c = { group, version, plural, objects: new Map(), events: [], compactedAt: 0, owners: new FieldOwners() };
      this.collections.set(key, c);
    }
    return c;
  }

  getObject(group: string, plural: string, namespace: string, name: string): Obj | undefined {
    const o = this.collections.get(`${group}/${plural}`)?.objects.get(`${namespace}/${name}`);
    return o ? clone(o) : undefined;
  }

  /** Fields per field manager of one object, e.g. `{ 'vigil-controller': ['.spec.groups', …] }`. */
  fieldOwners(group: string, plural: string, namespace: string, name: string): Record<string, string[]> {
    return this.collections.get(`${group}/${plural}`)?.owners.owners(`${namespace}/${name}`) ?? {};
  }

  listObjects(group: string, plural: string): Obj[] {
    return [...(this.collections.get(`${group}/${plural}`)?.objects.values() ?? [])].map(clone);
  }

  /** Creates or replaces (spec-wise, bumping generation when the spec changes) an object directly. */
  upsert(group: string, version: string, plural: string, object: Record<string, unknown>): Obj {
    const c = this.collection(group, version, plural);
    const obj = clone(object) as Obj;
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const existing = c.objects.get(key);
    if (!existing) return this.create(c, obj);
    const next = { ...obj, metadata: { ...existing.metadata, ...obj.metadata, resourceVersion: undefined } } as Obj;
    if (this.statusPlurals.has(plural)) next.status = existing.status;
    return this.replace(c, existing, next);
  }

  remove(group: string, plural: string, namespace: string, name: string): boolean {
    const c = this.collections.get(`${group}/${plural}`);
    const existing = c?.objects.get(`${namespace}/${name}`);
    if (!c || !existing) return false;
    this.delete(c, existing);
    return true;
  }

  // ---- storage semantics ----

  private nextRv(): string {
    return String(++this.rv);
  }

  private record(c: Collection, type: WatchEvent['type'], object: Obj): void {
    const event: WatchEvent = { rv: Number(object.metadata.resourceVersion), type, object };
    c.events.push(event);
    const limit = this.options.historyLimit ?? 100_000;
    if (c.events.length > limit) {
      const dropped = c.events.splice(0, c.events.length - limit);
      c.compactedAt = dropped[dropped.length - 1]!.rv;
    }
    for (const w of this.watchers) {
      if (w.collection === c && matches(w, object)) this.send(w, type, object);
    }
  }

  private create(c: Collection, obj: Obj): Obj {
    const meta = obj.metadata;
    const stored: Obj = {
      ...obj,
      apiVersion: obj.apiVersion ?? `${c.group}/${c.version}`,
      metadata: {
        ...meta,
        uid: randomUUID(),
        resourceVersion: this.nextRv(),
        generation: 1,
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    };
    if (this.statusPlurals.has(c.plural)) delete stored.status;
    c.objects.set(`${meta.namespace}/${meta.name}`, stored);
    this.record(c, 'ADDED', stored);
    return clone(stored);
  }

  private replace(c: Collection, existing: Obj, next: Obj): Obj {
    const specChanged = JSON.stringify(strip(existing)) !== JSON.stringify(strip(next));
    const stored: Obj = {
      ...next,
      apiVersion: existing.apiVersion,
      kind: existing.kind,
      metadata: {
        ...next.metadata,
        name: existing.metadata.name,
        namespace: existing.metadata.namespace,
        uid: existing.metadata.uid,
        creationTimestamp: existing.metadata.creationTimestamp,
        generation: (existing.metadata.generation ?? 1) + (specChanged ? 1 : 0),
        resourceVersion: existing.metadata.resourceVersion,
      },
    };
    if (JSON.stringify(stored) === JSON.stringify(existing)) return clone(existing); // no-op write
    stored.metadata.resourceVersion = this.nextRv();
    c.objects.set(`${existing.metadata.namespace}/${existing.metadata.name}`, stored);
    this.record(c, 'MODIFIED', stored);
    return clone(stored);
  }

  private delete(c: Collection, existing: Obj): Obj {
    c.objects.delete(`${existing.metadata.namespace}/${existing.metadata.name}`);
    c.owners.forget(`${existing.metadata.namespace}/${existing.metadata.name}`);
    const tombstone: Obj = { ...existing, metadata: { ...existing.metadata, resourceVersion: this.nextRv() } };
    this.record(c, 'DELETED', tombstone);
    if (this.options.garbageCollection) {
      for (const other of this.collections.values()) {
        for (const o of [...other.objects.values()]) {
          if (o.metadata.ownerReferences?.some((r) => r.uid === existing.metadata.uid)) this.delete(other, o);
        }
      }
    }
    return clone(tombstone);
  }

  // ---- HTTP ----

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        this.route(req, res, Buffer.concat(chunks).toString());
      } catch (error) {
        status(res, 500, 'InternalError', String(error));
      }
    });
  }

  private route(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const m = /^\/apis\/([^/]+)\/([^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/(status))?$/.exec(url.pathname);
    const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    const verb = !m
      ? 'other'
      : m[5] === undefined
        ? method === 'GET'
          ? watch
            ? 'watch'
            : 'list'
          : method === 'POST'
            ? 'create'
            : 'collection-' + method.toLowerCase()
        : { GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }[method] ?? method;
    const countedVerb = m?.[6] ? `${verb}-status` : verb;
    this.counts.total++;
    this.counts.byVerb[countedVerb] = (this.counts.byVerb[countedVerb] ?? 0) + 1;
    const contentType = req.headers['content-type'];
    const logEntry = { method, path: url.pathname, query: url.search.slice(1), contentType, status: 200 };
    if (this.log.length < 50_000) this.log.push(logEntry);
    const originalWriteHead = res.writeHead.bind(res);
    res.writeHead = ((code: number, ...rest: unknown[]) => {
      logEntry.status = code;
      return (originalWriteHead as (...a: unknown[]) => ServerResponse)(code, ...rest);
    }) as typeof res.writeHead;

    const failure = this.failures.find(
      (f) => (!f.method || f.method === method) && (!f.path || url.pathname.includes(f.path)) && f.times > 0,
    );
    if (failure) {
      failure.times--;
      this.failures = this.failures.filter((f) => f.times > 0);
      return status(res, failure.status, failure.status === 409 ? 'Conflict' : 'InternalError', 'injected failure');
    }
    if (!m) return status(res, 404, 'NotFound', `no route ${url.pathname}`);
    const [, group, version, namespace, plural, name, sub] = m as unknown as [string, string, string, string | undefined, string, string | undefined, string | undefined];
    const c = this.collection(group, version, plural);
    const manager = url.searchParams.get('fieldManager') ?? 'unknown';

    if (name === undefined) {
      if (method === 'GET' && watch) return this.watch(c, namespace, url, res);
      if (method === 'GET') return this.list(c, namespace, url, res);
      if (method === 'POST') {
        const obj = parseBody(body) as Obj | undefined;
        if (!obj?.metadata?.name) return status(res, 400, 'BadRequest', 'metadata.name required');
        obj.metadata.namespace = namespace ?? obj.metadata.namespace;
        if (c.objects.has(`${obj.metadata.namespace}/${obj.metadata.name}`)) {
          return status(res, 409, 'AlreadyExists', `${plural} "${obj.metadata.name}" already exists`);
        }
        const created = this.create(c, obj);
        c.owners.update(`${created.metadata.namespace}/${created.metadata.name}`, undefined, created, manager, 'main');
        return json(res, 201, created);
      }
      return status(res, 405, 'MethodNotAllowed', method);
    }

    const key = `${namespace}/${name}`;
    const existing = c.objects.get(key);
    const isStatus = sub === 'status';
    if (isStatus && !this.statusPlurals.has(plural)) return status(res, 404, 'NotFound', `${plural} has no status subresource`);

    switch (method) {
      case 'GET':
        return existing ? json(res, 200, existing) : notFound(res, plural, name);
      case 'DELETE':
        return existing ? json(res, 200, this.delete(c, existing)) : notFound(res, plural, name);
      case 'PUT': {
        const obj = parseBody(body) as Obj | undefined;
        if (!obj?.metadata) return status(res, 400, 'BadRequest', 'body must be an object with metadata');
        if (!existing) {
          if (isStatus) return notFound(res, plural, name);
          obj.metadata.namespace = namespace;
          obj.metadata.name = name;
          const created = this.create(c, obj);
          c.owners.update(key, undefined, created, manager, 'main');
          return json(res, 201, created);
        }
        if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== existing.metadata.resourceVersion) {
          return conflict(res, plural, name);
        }
        const replaced = this.replace(c, existing, this.applyUpdate(c, existing, obj, isStatus));
        c.owners.update(key, existing, replaced, manager, isStatus ? 'status' : 'main');
        return json(res, 200, replaced);
      }
      case 'PATCH': {
        const type = (contentType ?? '').split(';')[0]!.trim();
        let patch: Record<string, unknown> | undefined;
        if (type === 'application/merge-patch+json') patch = parseBody(body) as Record<string, unknown>;
        else if (type === 'application/apply-patch+yaml') {
          if (!url.searchParams.get('fieldManager')) return status(res, 400, 'BadRequest', 'fieldManager is required for apply patch');
          patch = parseYaml(body) as Record<string, unknown>;
        } else return status(res, 415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/apply-patch+yaml (got ${type})`);
        if (!patch || typeof patch !== 'object') return status(res, 400, 'BadRequest', 'patch body must be an object');
        const patchRv = (patch.metadata as Meta | undefined)?.resourceVersion;
        const isApply = type === 'application/apply-patch+yaml';
        const scope = isStatus ? 'status' : 'main';
        const force = url.searchParams.get('force') === 'true';
        if (!existing) {
          if (isApply && !isStatus) {
            const applied = c.owners.apply(key, undefined, patch, manager, { force, scope });
            if (!applied.ok) return status(res, 409, 'Conflict', 'apply conflict on a new object'); // cannot happen: nobody owns anything yet
            const obj = applied.next as Obj;
            obj.metadata = { ...(obj.metadata ?? {}), namespace, name } as Meta;
            return json(res, 201, this.create(c, obj));
          }
          return notFound(res, plural, name);
        }
        if (patchRv && patchRv !== existing.metadata.resourceVersion) return conflict(res, plural, name);
        if (isApply) {
          const applied = c.owners.apply(key, existing, patch, manager, { force, scope });
          if (!applied.ok) {
            const list = applied.conflicts.map((x) => `conflict with "${x.manager}": ${x.field}`).join(', ');
            return status(res, 409, 'Conflict', `Apply failed with ${applied.conflicts.length} conflict(s): ${list}`);
          }
          return json(res, 200, this.replace(c, existing, this.applyUpdate(c, existing, applied.next as Obj, isStatus)));
        }
        const merged = mergePatch(clone(existing), patch, true) as Obj;
        const patched = this.replace(c, existing, this.applyUpdate(c, existing, merged, isStatus));
        c.owners.update(key, existing, patched, manager, scope);
        return json(res, 200, patched);
      }
      default:
        return status(res, 405, 'MethodNotAllowed', method);
    }
  }

  /** Main resource writes cannot change status; status writes can change nothing else. */
  private applyUpdate(c: Collection, existing: Obj, next: Obj, isStatus: boolean): Obj {
    if (isStatus) return { ...clone(existing), status: next.status };
    if (this.statusPlurals.has(c.plural)) {
      const out = { ...next };
      if (existing.status === undefined) delete out.status;
      else out.status = existing.status;
      return out;
    }
    return next;
  }

  private list(c: Collection, namespace: string | undefined, url: URL, res: ServerResponse): void {
    const selector = parseSelector(url.searchParams.get('labelSelector'));
    const items = [...c.objects.values()].filter((o) => (!namespace || o.metadata.namespace === namespace) && selector(o.metadata.labels));
    json(res, 200, {
      apiVersion: `${c.group}/${c.version}`,
      kind: 'List',
      metadata: { resourceVersion: String(this.rv) },
      items,
    });
  }

  private watch(c: Collection, namespace: string | undefined, url: URL, res: ServerResponse): void {
    const from = url.searchParams.get('resourceVersion');
    const selector = parseSelector(url.searchParams.get('labelSelector'));
    const fromRv = from ? Number(from) : 0;
    if (fromRv > 0 && fromRv < c.compactedAt) {
      const message = `too old resource version: ${fromRv} (${c.compactedAt})`;
      if (this.options.goneAsHttpStatus) return status(res, 410, 'Expired', message);
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason: 'Expired', code: 410 } }) + '\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const watcher: Watcher = {
      collection: c,
      namespace,
      selector,
      response: res,
      bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true',
      timers: [],
    };
    if (this.hangWatches) {
      // Headers sent, then silence: the client must notice on its own.
      res.on('close', () => undefined);
      return;
    }
    this.watchers.add(watcher);
    res.on('close', () => this.endWatch(watcher, true));
    if (fromRv === 0) {
      for (const o of c.objects.values()) if (matches(watcher, o)) this.send(watcher, 'ADDED', o);
    } else {
      for (const e of c.events) if (e.rv > fromRv && matches(watcher, e.object)) this.send(watcher, e.type, e.object);
    }
    const timeout = Number(url.searchParams.get('timeoutSeconds'));
    if (timeout > 0) watcher.timers.push(setTimeout(() => this.endWatch(watcher, false), timeout * 1000));
    if (watcher.bookmarks) {
      watcher.timers.push(
        setInterval(() => {
          res.write(JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Bookmark', apiVersion: `${c.group}/${c.version}`, metadata: { resourceVersion: String(this.rv) } } }) + '\n');
        }, this.options.bookmarkIntervalMs ?? 1000),
      );
    }
  }

  private send(w: Watcher, type: string, object: Obj): void {
    w.response.write(JSON.stringify({ type, object }) + '\n');
  }

  private endWatch(w: Watcher, destroy: boolean): void {
    if (!this.watchers.delete(w)) return;
    for (const t of w.timers) clearTimeout(t);
    if (destroy) w.response.destroy();
    else w.response.end();
  }
}

function matches(w: Pick<Watcher, 'namespace' | 'selector'>, o: Obj): boolean {
  return (!w.namespace || o.metadata.namespace === w.namespace) && w.selector(o.metadata.labels);
}

function parseSelector(raw: string | null): Selector {
  if (!raw) return () => true;
  const terms = raw.split(',').map((t) => {
    const [k, v] = t.split(/!?=+/) as [string, string | undefined];
    const negate = t.includes('!=');
    return { k: k.trim(), v: v?.trim(), negate };
  });
  return (labels) =>
    terms.every(({ k, v, negate }) => {
      const actual = labels?.[k];
      if (v === undefined) return actual !== undefined;
      return negate ? actual !== v : actual === v;
    });
}

/** RFC 7386 merge patch; with `nullDeletes` false (apply), nulls are kept out instead of deleting. */
export function mergePatch(target: unknown, patch: unknown, nullDeletes = true): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      if (nullDeletes) delete out[k];
    } else out[k] = mergePatch(out[k], v, nullDeletes);
  }
  return out;
}

function strip(o: Obj): unknown {
  const { metadata, status: _status, ...rest } = o;
  const { resourceVersion: _rv, generation: _g, managedFields: _mf, ...meta } = metadata;
  // Labels/annotations do not bump generation; only the rest of the object does.
  const { labels: _l, annotations: _a, ownerReferences: _o, ...identity } = meta;
  return { ...rest, metadata: identity };
}

function clone<T>(o: T): T {
  return structuredClone(o);
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function json(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  json(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

function notFound(res: ServerResponse, plural: string, name: string): void {
  status(res, 404, 'NotFound', `${plural} "${name}" not found`);
}

function conflict(res: ServerResponse, plural: string, name: string): void {
  status(res, 409, 'Conflict', `Operation cannot be fulfilled on ${plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
}

export async function startFakeKubeApiServer(options: FakeKubeApiServerOptions = {}): Promise<FakeKubeApiServer> {
  const server = new FakeKubeApiServer(options);
  await server.start();
  return server;
}
