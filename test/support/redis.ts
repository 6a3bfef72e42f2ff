import { freePort, startProcess, tempDir, waitFor, type RunningProcess } from './processes.js';
import { createConnection } from 'node:net';

export interface RunningRedis {
  readonly url: string;
  readonly port: number;
  readonly process: RunningProcess;
  /** Kills and starts Redis again on the same port, without persistence (all data lost). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts the Debian `redis-server` on a random loopback port, no persistence. */
export async function startRedis(): Promise<RunningRedis> {
  const dir = await tempDir('redis');
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir.path];
  let proc = startProcess('redis-server', args);
  const ready = () => waitFor('redis ready', async () => ping(port), { timeoutMs: 15_000 });
  await ready();
  const handle: RunningRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    get process() {
      return proc;
    },
    async restart() {
      await proc.stop('SIGKILL');
      proc = startProcess('redis-server', args);
      await ready();
    },
    async stop() {
      await proc.stop();
      await dir.remove();
    },
  };
  return handle;
}
