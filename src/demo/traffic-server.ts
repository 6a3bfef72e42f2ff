/** Live adapter: serves the traffic model's series at the current time on /metrics. */
import { createServer, type Server } from 'node:http';
import type { MeshConfig } from './mesh.js';
import { prometheusText } from './exposition.js';
import { listenHttp } from '../runtime/ports.js';
import { meshSeries } from './traffic-model.js';

export interface TrafficServerOptions {
  readonly config: MeshConfig;
  /** Loopback by default; port 0 picks a free one. */
  readonly host?: string;
  readonly port?: number;
  /** Unix seconds "now" (tests pass a fixed clock). */
  readonly clock?: () => number;
}

export interface TrafficServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startTrafficServer(options: TrafficServerOptions): Promise<TrafficServer> {
  const series = meshSeries(options.config);
  const clock = options.clock ?? (() => Date.now() / 1000);
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(prometheusText(series, clock()));
      return;
    }
    if (req.url === '/healthz') {
      res.writeHead(200).end('ok\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
  });
  const { url, port, close } = await listenHttp(server, options.port ?? 0, options.host ?? '127.0.0.1');
  return { url, port, close, [Symbol.asyncDispose]: close };
}
