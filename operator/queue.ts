/**
 * A rate-limited work queue of object keys, in the spirit of client-go's workqueue:
 *  - a key is queued at most once (adds collapse), and never processed by two workers at once;
 *  - a key added while it is being processed runs again afterwards (nothing is lost);
 *  - a key runs at most once per `minIntervalMs`, which bounds the status write rate while
 *    our own status patches come back as watch events;
 *  - `addAfter` schedules a later pass (progress polling, retries with backoff).
 */
export class WorkQueue {
  private readonly due = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly lastRun = new Map<string, number>();
  private readonly ready: string[] = [];
  private running = 0;
  private stopped = false;

  constructor(
    private readonly handler: (key: string) => Promise<void>,
    private readonly opts: { concurrency: number; minIntervalMs: number },
  ) {}

  add(key: string): void {
    this.addAfter(key, 0);
  }

  /** Queues `key` to run no earlier than `delayMs` from now (an earlier pending run wins). */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      // Runs again when the current pass ends; a delayed re-run is scheduled then.
      if (delayMs === 0) this.dirty.add(key);
      else setTimeout(() => this.addAfter(key, 0), delayMs).unref();
      return;
    }
    const since = Date.now() - (this.lastRun.get(key) ?? 0);
    const wait = Math.max(delayMs, this.opts.minIntervalMs - since, 0);
    const at = Date.now() + wait;
    const cur = this.due.get(key);
    if (cur !== undefined && cur <= at) return;
    clearTimeout(this.timers.get(key));
    this.due.set(key, at);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.due.delete(key);
        this.ready.push(key);
        this.pump();
      }, wait),
    );
  }

  /** Keys queued or running (for metrics). */
  depth(): number {
    return this.due.size + this.ready.length + this.active.size;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.due.clear();
    this.ready.length = 0;
  }

  /** Resolves when no pass is running (after stop(), for a clean shutdown). */
  async drain(): Promise<void> {
    while (this.active.size) await new Promise((r) => setTimeout(r, 20));
  }

  private pump(): void {
    while (!this.stopped && this.running < this.opts.concurrency && this.ready.length) {
      const key = this.ready.shift()!;
      if (this.active.has(key)) {
        this.dirty.add(key);
        continue;
      }
      this.active.add(key);
      this.running++;
      this.lastRun.set(key, Date.now());
      this.handler(key)
        .catch(() => {})
        .finally(() => {
          this.active.delete(key);
          this.running--;
          if (this.dirty.delete(key)) this.add(key);
          this.pump();
        });
    }
  }
}
