/**
 * A PhoneBatch informer that keeps going: @kubernetes/client-node's ListWatch, plus what the
 * library leaves to its user (docs/architecture.md, O4):
 *  - On 410 Gone the ListWatch itself re-lists and watches from the new resourceVersion; we
 *    count those (O4) through a Watch wrapper.
 *  - On any other error the ListWatch fires `error` and stops: we restart it with capped
 *    exponential backoff, with at most one restart pending.
 *  - Watches can die silently: every `resyncMs` we build a fresh ListWatch (a real re-list)
 *    and hand every key of the new cache to `onKey`, so reconcile never depends on events.
 * Consumers read objects from {@link ResilientInformer.get} (the cache), never from events.
 */
import { type KubeConfig, ListWatch, Watch, type KubernetesListObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { keyOf, type PhoneBatch } from './resource.ts';

export interface InformerOptions {
  kc: KubeConfig;
  /** Watch path, e.g. /apis/phonebatch.io/v1alpha1/phonebatches; must equal the list path. */
  path: string;
  list: () => Promise<KubernetesListObject<PhoneBatch>>;
  /** Called with `namespace/name` for every add/update/delete and for every key on resync. */
  onKey: (key: string) => void;
  log: Logger;
  resyncMs: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  hooks?: { onList?: () => void; onExpired?: () => void; onRestart?: () => void; onError?: (err: unknown) => void };
}

/** Counts 410 Gone on a watch: as an HTTP status, or as an ERROR event in a 200 stream. */
class ExpiryAwareWatch extends Watch {
  constructor(
    kc: KubeConfig,
    private readonly onExpired: () => void,
  ) {
    super(kc);
  }
  override watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    cb: (phase: string, obj: any, watchObj?: any) => void,
    done: (err: any) => void,
  ): Promise<AbortController> {
    return super.watch(
      path,
      query,
      (phase, obj, w) => {
        if (phase === 'ERROR' && obj?.code === 410) this.onExpired();
        cb(phase, obj, w);
      },
      (err) => {
        if (err?.statusCode === 410 || err?.code === 410) this.onExpired();
        done(err);
      },
    );
  }
}

export class ResilientInformer {
  private current: ListWatch<PhoneBatch> | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private stopped = true;
  /** Time of the last successful list or watch event: the basis of liveness. */
  lastActivity = 0;
  synced = false;

  constructor(private readonly o: InformerOptions) {}

  /** Lists, starts watching, and resolves once the cache is filled (throws if the first list fails). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.replace();
    this.resyncTimer = setInterval(() => void this.resync(), this.o.resyncMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.restartTimer = this.resyncTimer = null;
    await this.current?.stop();
  }

  get(key: string): PhoneBatch | undefined {
    const [ns, name] = key.split('/');
    return this.current?.get(name!, ns || undefined);
  }

  keys(): string[] {
    return (this.current?.list() ?? []).map(keyOf);
  }

  /** Builds a new ListWatch (fresh list), swaps it in, and enqueues every key old or new. */
  private async replace(): Promise<void> {
    const lw = new ListWatch<PhoneBatch>(
      this.o.path,
      new ExpiryAwareWatch(this.o.kc, () => this.expired()),
      () => this.list(),
      false,
    );
    const enqueue = (obj: PhoneBatch) => {
      this.lastActivity = Date.now();
      if (this.current === lw) this.o.onKey(keyOf(obj));
    };
    lw.on('add', enqueue);
    lw.on('update', enqueue);
    lw.on('delete', enqueue);
    lw.on('error', (err) => {
      if (this.current === lw) this.scheduleRestart(err);
    });
    lw.on('connect', () => (this.lastActivity = Date.now()));
    await lw.start();
    // start() swallows a failed first list (it reports it through `error`): check we listed.
    if (!lw.latestResourceVersion()) {
      await lw.stop();
      throw new Error('initial list of phonebatches failed');
    }
    const old = this.current;
    const oldKeys = old ? old.list().map(keyOf) : [];
    this.current = lw;
    this.synced = true;
    this.failures = 0;
    await old?.stop();
    for (const k of new Set([...oldKeys, ...lw.list().map(keyOf)])) this.o.onKey(k);
  }

  private async list() {
    const l = await this.o.list();
    this.lastActivity = Date.now();
    this.o.hooks?.onList?.();
    return l;
  }

  private expired(): void {
    this.o.log.info('watch expired (410 Gone): re-listing');
    this.o.hooks?.onExpired?.();
  }

  /** Restarts the current ListWatch after a capped exponential backoff; one pending restart at most. */
  private scheduleRestart(err: unknown): void {
    this.o.hooks?.onError?.(err);
    if (this.stopped || this.restartTimer) return;
    const min = this.o.backoffMinMs ?? 200;
    const max = this.o.backoffMaxMs ?? 30_000;
    const delay = Math.min(max, min * 2 ** this.failures++);
    this.o.log.warn({ err: String((err as Error)?.message ?? err), delayMs: delay }, 'watch failed; restarting');
    const lw = this.current;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopped || this.current !== lw || !lw) return;
      this.o.hooks?.onRestart?.();
      // Keeps its resourceVersion: resumes the watch, or re-lists if it is too old (410).
      lw.start().then(
        () => {
          if (lw.latestResourceVersion()) this.failures = 0;
        },
        (e) => this.scheduleRestart(e),
      );
    }, delay);
  }

  private async resync(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.replace();
    } catch (err) {
      this.o.log.warn({ err: String(err) }, 'resync failed; keeping the current cache');
      // Still reconcile everything we know: status mirroring must not wait on the apiserver.
      for (const k of this.keys()) this.o.onKey(k);
    }
  }
}
