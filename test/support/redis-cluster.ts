/**
 * A real Redis Cluster on loopback: three masters, each with one replica (Debian's redis-server 7), created
 * with `redis-cli --cluster create`. Failover is fast (1 s node timeout) so tests can kill a master.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { portFree } from '../../src/runtime/ports.js';
import { runCommand, startProcess, tempDir, waitFor, type RunningProcess } from './processes.js';

export interface ClusterNode {
  readonly port: number;
  readonly process: RunningProcess;
}

export interface RunningRedisCluster {
  /** `redis+cluster://127.0.0.1:p1,…` with every master as a seed. */
  readonly url: string;
  readonly nodes: readonly ClusterNode[];
  /** Port of the master currently serving `key`'s slot. */
  masterOf(key: string): Promise<number>;
  /** SIGKILLs the master serving `key` and waits until its replica has taken over; returns the new master's port. */
  killMasterOf(key: string): Promise<{ killed: number; promoted: number }>;
  cli(port: number, ...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Two free ports p and p + 10000 (the cluster bus), below 55535. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.has(port) || taken.has(port + 10_000)) continue;
    if ((await portFree(port)) && (await portFree(port + 10_000))) {
      taken.add(port);
      taken.add(port + 10_000);
      return port;
    }
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

export async function startRedisCluster(options: { masters?: number } = {}): Promise<RunningRedisCluster> {
  const masters = options.masters ?? 3;
  const dir = await tempDir('redis-cluster');
  const taken = new Set<number>();
  const nodes: ClusterNode[] = [];
  const cli = async (port: number, ...args: string[]) => {
    const result = await runCommand('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
    if (result.code !== 0) throw new Error(`redis-cli -p ${port} ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  try {
    for (let i = 0; i < masters * 2; i++) {
      const port = await clusterPort(taken);
      const config = join(dir.path, `node-${port}.conf`);
      await writeFile(config, '');
      const proc = startProcess('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir.path,
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '1000',
      ]);
      nodes.push({ port, process: proc });
    }
    for (const node of nodes) await waitFor(`redis ${node.port}`, async () => (await cli(node.port, 'PING')).trim() === 'PONG', { timeoutMs: 15_000 });
    const create = await runCommand('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes']);
    if (create.code !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    for (const node of nodes) {
      await waitFor(`cluster state ok on ${node.port}`, async () => /cluster_state:ok/.test(await cli(node.port, 'CLUSTER', 'INFO')), { timeoutMs: 20_000 });
      // A replica still in its first sync cannot take over: wait until each one's link to its master is up.
      await waitFor(`replication settled on ${node.port}`, async () => {
        const info = await cli(node.port, 'INFO', 'replication');
        return /role:master/.test(info) || /master_link_status:up/.test(info);
      }, { timeoutMs: 20_000 });
    }
  } catch (error) {
    for (const node of nodes) await node.process.stop('SIGKILL');
    await dir.remove();
    throw error;
  }
  const alive = () => nodes.filter((n) => n.process.child.exitCode === null && n.process.child.signalCode === null);
  const masterOf = async (key: string): Promise<number> => {
    const from = alive()[0]!.port;
    const slot = Number((await cli(from, 'CLUSTER', 'KEYSLOT', key)).trim());
    // CLUSTER SHARDS would be neater; CLUSTER SLOTS lists the master first for each range.
    const lines = (await cli(from, 'CLUSTER', 'NODES')).trim().split('\n');
    for (const line of lines) {
      const [, address, flags, , , , , state, ...ranges] = line.split(' ');
      if (!flags?.includes('master') || flags.includes('fail') || state !== 'connected') continue;
      for (const range of ranges) {
        const [lo, hi] = range.split('-').map(Number);
        if (slot >= lo! && slot <= (hi ?? lo!)) return Number(address!.split('@')[0]!.split(':')[1]);
      }
    }
    throw new Error(`no master serves slot ${slot}`);
  };
  const seeds = nodes.slice(0, masters).map((n) => `127.0.0.1:${n.port}`);
  return {
    url: `redis+cluster://${seeds.join(',')}`,
    nodes,
    masterOf,
    async killMasterOf(key) {
      const killed = await masterOf(key);
      await nodes.find((n) => n.port === killed)!.process.stop('SIGKILL');
      const promoted = await waitFor(
        'replica promoted',
        async () => {
          const port = await masterOf(key);
          if (port === killed) return undefined;
          return /cluster_state:ok/.test(await cli(port, 'CLUSTER', 'INFO')) ? port : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      return { killed, promoted };
    },
    cli,
    async stop() {
      for (const node of nodes) await node.process.stop('SIGKILL');
      await dir.remove();
    },
  };
}
