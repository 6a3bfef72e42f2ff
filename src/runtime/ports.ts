/** Loopback ports for the servers the demo (and the tests) start, and starting those servers. */
import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';

/** A free TCP port on 127.0.0.1, found by binding port 0 and releasing it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      server.close(() => resolve(address.port));
    });
  });
}

/** Whether `port` on 127.0.0.1 can be bound right now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export interface ListeningServer {
  readonly url: string;
  readonly port: number;
  /** Stops the server (open connections too); calling it again returns the same promise. */
  readonly close: () => Promise<void>;
}

/** Starts an HTTP server on `host:port` (0 = any free port) and resolves once it listens. */
export async function listenHttp(server: Server, port: number, host: string): Promise<ListeningServer> {
  server.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }));
  return { url: `http://${address.address}:${address.port}`, port: address.port, close };
}
