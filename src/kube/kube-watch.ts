/**
 * A drop-in replacement for client-node 1.4's `Watch`, used by its `ListWatch` informer. The stock one
 * (a) never times out (its AbortSignal.timeout is overwritten), so a dead connection hangs the informer
 * forever, (b) reports its own abort as an error, so every stop() looks like a failure, and (c) lets a
 * server that closes watches at once drive a tight reconnect loop. This one asks the server for bookmarks
 * and a randomised `timeoutSeconds` (as client-go does), enforces a response deadline, an optional idle
 * deadline and a hard deadline on the client side, enables TCP keep-alive, spaces out reconnects, and
 * never calls `done` for an abort it was asked to do.
 */
import { request as httpRequest, type Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createInterface } from 'node:readline';
import { Watch, type KubeConfig } from '@kubernetes/client-node';

export interface WatchTimeouts {
  /** Server-side watch timeout; each watch asks for a random value in [t, 2t). Default 300 s. */
  readonly timeoutSeconds: number;
  /** Give up when the response headers have not arrived after this long. Default 30 s. */
  readonly responseTimeoutMs: number;
  /** Treat a stream with no data (not even a bookmark) for this long as dead; 0 disables. Default 0. */
  readonly idleTimeoutMs: number;
  /** A watch that ends sooner than this after it started delays the next one by this long. Default 1 s. */
  readonly minWatchIntervalMs: number;
}

export const defaultWatchTimeouts: WatchTimeouts = {
  timeoutSeconds: 300,
  responseTimeoutMs: 30_000,
  idleTimeoutMs: 0,
  minWatchIntervalMs: 1_000,
};

export class WatchError extends Error {
  constructor(
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
  }
}

type Callback = (phase: string, apiObj: any, watchObj?: any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
type Done = (err: any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

export class RobustWatch extends Watch {
  private readonly active = new Set<AbortController>();
  private lastStart = 0;
  private closed = false;
  /** Counts, for metrics and tests. */
  readonly stats = { started: 0, timedOut: 0, failed: 0 };

  constructor(
    config: KubeConfig,
    private readonly timeouts: WatchTimeouts = defaultWatchTimeouts,
    private readonly agent?: HttpAgent,
  ) {
    super(config);
  }

  /** Aborts every open watch and refuses new ones (their `done` is never called). */
  close(): void {
    this.closed = true;
    for (const c of this.active) c.abort();
    this.active.clear();
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: Callback,
    done: Done,
  ): Promise<AbortController> {
    const controller = new AbortController();
    if (this.closed) {
      controller.abort();
      return controller;
    }
    const sinceLast = Date.now() - this.lastStart;
    if (sinceLast < this.timeouts.minWatchIntervalMs) {
      await sleep(this.timeouts.minWatchIntervalMs - sinceLast, controller.signal);
    }
    if (this.closed) {
      controller.abort();
      return controller;
    }
    this.lastStart = Date.now();
    this.stats.started++;
    this.active.add(controller);

    try {
      await this.open(controller, path, queryParams, callback, done);
    } catch (error) {
      // Never reject: the informer calls watch() from a callback where a rejection would go unhandled.
      this.active.delete(controller);
      controller.abort();
      this.stats.failed++;
      setImmediate(() => done(error));
    }
    return controller;
  }

  private async open(
    controller: AbortController,
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: Callback,
    done: Done,
  ): Promise<void> {
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new Error('No currently active cluster');
    const url = new URL(cluster.server + path);
    url.searchParams.set('watch', 'true');
    url.searchParams.set('allowWatchBookmarks', 'true');
    const t = this.timeouts.timeoutSeconds;
    url.searchParams.set('timeoutSeconds', String(Math.floor(t + Math.random() * t)));
    for (const [key, val] of Object.entries(queryParams)) if (val !== undefined) url.searchParams.set(key, String(val));

    const init = await this.config.applyToFetchOptions({});
    const headers: Record<string, string> = {};
    (init.headers as Headers | undefined)?.forEach((value, key) => (headers[key] = value));

    let finished = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (err: unknown): void => {
      if (finished) return;
      finished = true;
      for (const timer of timers) clearTimeout(timer);
      this.active.delete(controller);
      const aborted = controller.signal.aborted;
      controller.abort();
      if (aborted && !(err instanceof WatchError)) return; // asked to stop: not a failure
      if (err) this.stats.failed++;
      done(err ?? null);
    };
    const fail = (message: string, statusCode?: number) => {
      const error = new WatchError(message, statusCode);
      if (!controller.signal.aborted) controller.abort();
      finish(error);
    };

    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'GET',
      headers: { ...headers, accept: 'application/json' },
      agent: this.agent ?? (init.agent as HttpAgent | undefined),
      signal: controller.signal,
    });
    req.on('socket', (socket) => socket.setKeepAlive(true, 30_000));
    timers.push(
      setTimeout(() => {
        this.stats.timedOut++;
        fail(`watch ${path}: no response within ${this.timeouts.responseTimeoutMs} ms`);
      }, this.timeouts.responseTimeoutMs),
    );
    req.on('error', (error) => finish(controller.signal.aborted ? null : error));
    req.on('response', (response: IncomingMessage) => {
      clearTimeout(timers.shift());
      if (response.statusCode !== 200) {
        response.resume();
        return fail(`watch ${path}: HTTP ${response.statusCode}`, response.statusCode);
      }
      // Hard deadline: the server promised to end the stream by 2t; do not wait much longer.
      timers.push(
        setTimeout(() => {
          this.stats.timedOut++;
          fail(`watch ${path}: stream outlived its ${2 * t} s timeout`);
        }, (2 * t + 15) * 1000),
      );
      let idle: NodeJS.Timeout | undefined;
      const touch = () => {
        if (this.timeouts.idleTimeoutMs <= 0) return;
        if (idle) clearTimeout(idle);
        idle = setTimeout(() => {
          this.stats.timedOut++;
          fail(`watch ${path}: no data for ${this.timeouts.idleTimeoutMs} ms`);
        }, this.timeouts.idleTimeoutMs);
        timers.push(idle);
      };
      touch();
      response.on('error', (error) => finish(controller.signal.aborted ? null : error));
      response.on('close', () => finish(null));
      const lines = createInterface({ input: response, crlfDelay: Infinity });
      lines.on('error', () => undefined); // readline re-emits the response's errors; handled above
      lines.on('line', (line) => {
        touch();
        if (!line.trim()) return;
        let data: { type: string; object: unknown };
        try {
          data = JSON.parse(line) as { type: string; object: unknown };
        } catch {
          return;
        }
        callback(data.type, data.object, data);
      });
    });
    req.end();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
