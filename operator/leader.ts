/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it:
 *  - every write (create, renew, take over) carries the resourceVersion we read, so two
 *    candidates racing for an expired Lease cannot both win: one gets 409 Conflict;
 *  - a Lease is expired when its record has not changed for leaseDurationSeconds by *our*
 *    clock (we never compare our clock with the holder's renewTime);
 *  - the leader that cannot renew within renewDeadlineMs stops leading (the caller exits)
 *    before anyone else may take over (renewDeadline < leaseDuration).
 */
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface LeaderOptions {
  kc: KubeConfig;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  log: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private timer: NodeJS.Timeout | null = null;
  private leading = false;
  private lastRenew = 0;
  /** The record we last saw and when it last changed (local clock). */
  private observed: { rv: string; holder: string; at: number } | null = null;
  private stopped = false;

  constructor(private readonly o: LeaderOptions) {
    this.api = o.kc.makeApiClient(CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Current holder as last observed (for tests and metrics). */
  get holder(): string | null {
    return this.observed?.holder ?? null;
  }

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      try {
        await this.tryAcquireOrRenew();
      } catch (err) {
        this.o.log.warn({ err: String(err) }, 'lease update failed');
      }
      if (this.leading && Date.now() - this.lastRenew > this.o.renewDeadlineMs) {
        this.leading = false;
        this.o.log.error('could not renew the lease within the renew deadline; stepping down');
        this.o.onStoppedLeading();
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.o.retryPeriodMs);
    };
    void tick();
  }

  /** Stops renewing; when leading, releases the Lease (empty holder) so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
      if (lease.spec?.holderIdentity === this.o.identity) {
        lease.spec = {
          ...lease.spec,
          holderIdentity: undefined,
          leaseDurationSeconds: 1,
          renewTime: new V1MicroTime(),
        };
        if (lease.spec.acquireTime) lease.spec.acquireTime = new V1MicroTime(lease.spec.acquireTime);
        await this.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body: lease });
      }
    } catch (err) {
      this.o.log.warn({ err: String(err) }, 'could not release the lease');
    }
  }

  private async tryAcquireOrRenew(): Promise<void> {
    // MicroTime fields need microseconds on the wire ("…05.000000Z"); a plain Date is rejected.
    const now = new V1MicroTime();
    const durationSec = Math.max(1, Math.round(this.o.leaseDurationMs / 1000));
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
      await this.api
        .createNamespacedLease({
          namespace: this.o.namespace,
          body: {
            metadata: { name: this.o.name, namespace: this.o.namespace },
            spec: {
              holderIdentity: this.o.identity,
              leaseDurationSeconds: durationSec,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        })
        .then(
          () => this.won(),
          (e) => this.lost(e),
        );
      return;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const rv = lease.metadata?.resourceVersion ?? '';
    if (!this.observed || this.observed.rv !== rv) this.observed = { rv, holder, at: Date.now() };
    const expired = !holder || Date.now() - this.observed.at > (spec.leaseDurationSeconds ?? durationSec) * 1000;
    if (holder !== this.o.identity && !expired) {
      if (this.leading) {
        this.leading = false;
        this.o.onStoppedLeading();
      }
      return;
    }
    const takeover = holder !== this.o.identity;
    lease.spec = {
      ...spec,
      holderIdentity: this.o.identity,
      leaseDurationSeconds: durationSec,
      renewTime: now,
      acquireTime: takeover || !spec.acquireTime ? now : new V1MicroTime(spec.acquireTime),
      leaseTransitions: (spec.leaseTransitions ?? 0) + (takeover && holder ? 1 : 0),
    };
    // replace carries metadata.resourceVersion: a concurrent writer makes this fail with 409.
    await this.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body: lease }).then(
      (l) => {
        this.observed = { rv: l.metadata?.resourceVersion ?? '', holder: this.o.identity, at: Date.now() };
        this.won();
      },
      (e) => this.lost(e),
    );
  }

  private won(): void {
    this.lastRenew = Date.now();
    if (!this.leading) {
      this.leading = true;
      this.o.log.info({ identity: this.o.identity }, 'became leader');
      this.o.onStartedLeading();
    }
  }

  private lost(err: unknown): void {
    const code = (err as { code?: number }).code;
    if (code === 409 || code === 422) return; // someone else wrote first: not leader this round
    throw err;
  }
}
