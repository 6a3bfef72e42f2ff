/**
 * Leader election on a coordination.k8s.io/v1 Lease, modelled on client-go's leaderelection:
 * - a candidate takes the Lease when it is free (no holder, or released) or expired: not renewed for
 *   leaseDurationSeconds as seen on *this* clock since the record last changed (no trust in remote clocks);
 * - every write is a PUT carrying the resourceVersion read just before (optimistic concurrency: 409 = lost);
 * - the leader renews every retryPeriod and steps down if it could not renew within renewDeadline, which is
 *   shorter than the lease duration, so it stops writing before anyone else may start;
 * - close() releases the Lease (holder cleared, duration 1 s) so a standby takes over at its next retry.
 * Defaults (10 s / 7 s / 1.5 s) put takeover after a leader's death at under 15 s: at most one retry
 * period to see the last renewal, the lease duration, and one more retry period.
 */
import type { V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.js';
import { apiStatus, type KubeClients } from '../kube/kube-client.js';

export interface LeaderElectionOptions {
  readonly clients: KubeClients;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly logger: Logger;
}

export class NotLeaderError extends Error {
  readonly code = 'VIGIL_NOT_LEADER';
}

export const defaultLeaderTimings = { leaseDurationMs: 10_000, renewDeadlineMs: 7_000, retryPeriodMs: 1_500 } as const;

export class LeaderElector {
  private leading = false;
  private lastRenew = 0;
  private observed: { key: string; at: number } | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly listeners: Array<(leading: boolean) => void> = [];
  private closing: Promise<void> | undefined;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  readonly stats = { acquisitions: 0, renewals: 0, failures: 0 };

  constructor(private readonly options: LeaderElectionOptions) {
    this.leaseDurationMs = options.leaseDurationMs ?? defaultLeaderTimings.leaseDurationMs;
    this.renewDeadlineMs = options.renewDeadlineMs ?? defaultLeaderTimings.renewDeadlineMs;
    this.retryPeriodMs = options.retryPeriodMs ?? defaultLeaderTimings.retryPeriodMs;
    if (!(this.renewDeadlineMs < this.leaseDurationMs && this.retryPeriodMs < this.renewDeadlineMs)) {
      throw new Error('leader election needs retryPeriod < renewDeadline < leaseDuration');
    }
  }

  get identity(): string {
    return this.options.identity;
  }

  /** True while the Lease is ours and was renewed within the renew deadline. */
  isLeader(): boolean {
    return this.leading && Date.now() - this.lastRenew < this.renewDeadlineMs;
  }

  /** Throws unless this replica may write now. */
  guard = (): void => {
    if (!this.isLeader()) throw new NotLeaderError(`${this.options.identity} is not the leader`);
  };

  onChange(listener: (leading: boolean) => void): void {
    this.listeners.push(listener);
    if (this.leading) listener(true);
  }

  start(): void {
    if (this.loop || this.stopped) return;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew();
      } catch (error) {
        this.stats.failures++;
        this.options.logger.debug({ err: String(error) }, 'lease acquire/renew failed');
      }
      if (this.stopped) break;
      if (ok) {
        this.lastRenew = Date.now();
        if (!this.leading) this.set(true);
      } else if (this.leading && Date.now() - this.lastRenew >= this.renewDeadlineMs) {
        this.options.logger.warn({ lease: this.options.name }, 'could not renew the lease within the renew deadline: stepping down');
        this.set(false);
      }
      const wait = this.leading ? this.retryPeriodMs : this.retryPeriodMs * (1 + 0.2 * Math.random());
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, wait);
      });
    }
  }

  private set(leading: boolean): void {
    this.leading = leading;
    if (leading) this.stats.acquisitions++;
    this.options.logger.info({ identity: this.options.identity, lease: `${this.options.namespace}/${this.options.name}`, leading }, leading ? 'became leader' : 'lost leadership');
    for (const l of this.listeners) l(leading);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { clients, namespace, name, identity } = this.options;
    const now = new Date();
    let lease: V1Lease;
    try {
      lease = await clients.coordination.readNamespacedLease({ name, namespace }, clients.options);
    } catch (error) {
      if (apiStatus(error) !== 404) throw error;
      try {
        await clients.coordination.createNamespacedLease(
          {
            namespace,
            body: {
              apiVersion: 'coordination.k8s.io/v1',
              kind: 'Lease',
              metadata: { name, namespace },
              spec: { holderIdentity: identity, leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000), acquireTime: now, renewTime: now, leaseTransitions: 0 },
            },
          },
          clients.options,
        );
        return true;
      } catch (createError) {
        if (apiStatus(createError) === 409) return false;
        throw createError;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const record = JSON.stringify([holder, spec.renewTime, lease.metadata?.resourceVersion]);
    if (this.observed?.key !== record) this.observed = { key: record, at: Date.now() };
    if (holder && holder !== identity) {
      const durationMs = (spec.leaseDurationSeconds ?? Math.ceil(this.leaseDurationMs / 1000)) * 1000;
      if (this.observed.at + durationMs > Date.now()) return false; // held and not expired
    }
    const mine = holder === identity;
    const next: V1Lease = {
      ...lease,
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
        acquireTime: mine && spec.acquireTime ? spec.acquireTime : now,
        renewTime: now,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
      },
    };
    try {
      await clients.coordination.replaceNamespacedLease({ name, namespace, body: next }, clients.options);
    } catch (error) {
      if (apiStatus(error) === 409) return false; // someone else wrote first
      throw error;
    }
    if (mine) this.stats.renewals++;
    return true;
  }

  /** Stops campaigning and, if leading, releases the Lease so a standby takes over at once. */
  close(): Promise<void> {
    return (this.closing ??= this.release());
  }

  /** Stops without releasing (what a crash looks like to the others); for tests. */
  abandon(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    if (this.leading) this.set(false);
  }

  private async release(): Promise<void> {
    const wasLeading = this.leading;
    this.abandon();
    await this.loop?.catch(() => undefined);
    if (!wasLeading) return;
    const { clients, namespace, name, identity } = this.options;
    try {
      const lease = await clients.coordination.readNamespacedLease({ name, namespace }, clients.options);
      if (lease.spec?.holderIdentity !== identity) return;
      const now = new Date();
      await clients.coordination.replaceNamespacedLease(
        { name, namespace, body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now } } },
        clients.options,
      );
      this.options.logger.info({ lease: `${namespace}/${name}` }, 'released the lease');
    } catch (error) {
      this.options.logger.warn({ err: String(error) }, 'could not release the lease; standbys take over when it expires');
    }
  }
}
