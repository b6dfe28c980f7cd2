/**
 * Logs an outage of a dependency (PostgreSQL, Temporal) once, not once per request: the first
 * failure is logged with its error; later ones are counted and summarised at most once per
 * `summaryMs`. A failure more than `gapMs` after the previous one starts a new outage.
 */
import type { FastifyBaseLogger } from 'fastify';

interface Outage {
  since: number;
  last: number;
  loggedAt: number;
  failures: number;
  sinceLogged: number;
}

export class OutageLog {
  private readonly open = new Map<string, Outage>();

  constructor(
    private readonly log: Pick<FastifyBaseLogger, 'error' | 'warn'>,
    private readonly opts: { gapMs?: number; summaryMs?: number; now?: () => number } = {},
  ) {}

  /** Records one failure caused by `service` being unreachable. */
  failed(service: string, err: unknown): void {
    const now = (this.opts.now ?? Date.now)();
    const o = this.open.get(service);
    if (!o || now - o.last > (this.opts.gapMs ?? 30_000)) {
      this.open.set(service, { since: now, last: now, loggedAt: now, failures: 1, sinceLogged: 0 });
      this.log.error({ err, service }, `${service} is unavailable; further failures are counted, not logged`);
      return;
    }
    o.last = now;
    o.failures++;
    o.sinceLogged++;
    if (now - o.loggedAt >= (this.opts.summaryMs ?? 60_000)) {
      this.log.warn(
        { service, failures: o.failures, sinceMs: now - o.since },
        `${service} still unavailable: ${o.sinceLogged} more failures`,
      );
      o.loggedAt = now;
      o.sinceLogged = 0;
    }
  }
}
