/**
 * Per-replica relay of live batch progress from the Temporal workflows to WebSocket clients.
 *
 * Each API replica runs one hub for its own clients. The hub follows only the unfinished
 * batches of projects that have at least one subscriber here, asks each batch's workflow for
 * its progress (the `progress` query) at most `hz` times a second, and fans a changed value
 * out to that project's subscribers, serialised once. Cost per replica is
 * hz × active batches queries, whatever the number of clients.
 *
 * Which batches are unfinished comes from a listing of the batches table (one indexed query
 * per replica per `listIntervalMs`); progress itself only ever comes from the workflows. A
 * batch started through this replica is followed at once ({@link ProgressHub.track}).
 * Completion is reported from the batch's state once its row is final (written by the
 * workflow's last activity before the workflow reports a terminal phase), so `task_completed`
 * counts equal the database's. Every view is toTaskView of a BatchState (api/views.ts).
 */
import { asUnavailable } from '../batches/errors.ts';
import type { OutageLog } from './outage.ts';
import type { FastifyBaseLogger } from 'fastify';
import type { BatchProgress } from '../workflows/shared.ts';
import { batchState, isTerminal, type BatchRecord, type BatchState } from '../batches/state.ts';
import type { ReadOptions } from '../batches/service.ts';
import { toTaskView, type TaskView } from './views.ts';
import type { ApiMetrics } from './metrics.ts';

export type { TaskView };

export type HubMessage =
  | ({ type: 'task_progress'; timestamp: string } & TaskView)
  | ({ type: 'task_completed'; timestamp: string } & TaskView);

/** Receives each message for the subscriber's project; `json` is the message serialised once. */
export type HubListener = (msg: HubMessage, json: string) => void;

/** Where the hub learns about batches: the batch service (batches/service.ts), or a fake in tests. */
export interface ProgressSource {
  /** Unfinished batches of the projects, as stored. */
  active(projects: string[]): Promise<BatchRecord[]>;
  /** A batch's state, or null if it is not in the project. */
  find(project: string, id: string, opts?: ReadOptions): Promise<BatchState | null>;
  /** The workflow's progress query, with a deadline in ms; rejects if there is no workflow or no answer. */
  live(id: string, deadlineMs: number): Promise<BatchProgress>;
}

export interface ProgressHubDeps {
  source: ProgressSource;
  /** Queries per active batch per second (default 4). */
  hz?: number;
  listIntervalMs?: number;
  /** Progress queries in flight at once, per replica. */
  maxConcurrentQueries?: number;
  metrics?: ApiMetrics;
  log?: FastifyBaseLogger;
  /** Where an outage of PostgreSQL or Temporal is logged, once (api/outage.ts). */
  outages?: OutageLog;
}

interface Followed {
  row: BatchRecord;
  last?: BatchProgress;
  lastAt?: number;
  lastKey?: string;
  inFlight: boolean;
  misses: number;
}

export class ProgressHub {
  private readonly subs = new Map<string, Set<HubListener>>();
  private readonly followed = new Map<string, Followed>();
  /** Batches already reported complete (id → forget-after time), so a stale listing cannot revive them. */
  private readonly done = new Map<string, number>();
  private readonly finalizing = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private lastList = 0;
  private listing: Promise<void> | null = null;
  private inFlight = 0;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly listIntervalMs: number;
  private readonly maxConcurrent: number;

  constructor(private readonly deps: ProgressHubDeps) {
    this.intervalMs = Math.max(50, Math.round(1000 / (deps.hz ?? 4)));
    this.listIntervalMs = deps.listIntervalMs ?? 1000;
    this.maxConcurrent = deps.maxConcurrentQueries ?? 32;
  }

  start(): void {
    if (this.timer) return;
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Subscribes to a project's pushes; returns the unsubscribe function. */
  subscribe(project: string, listener: HubListener): () => void {
    let set = this.subs.get(project);
    if (!set) this.subs.set(project, (set = new Set()));
    set.add(listener);
    this.lastList = 0; // list the new project's batches on the next tick
    return () => {
      set!.delete(listener);
      if (set!.size === 0) this.subs.delete(project);
    };
  }

  subscriberCount(): number {
    let n = 0;
    for (const s of this.subs.values()) n += s.size;
    return n;
  }

  /**
   * Follows a batch started through this replica at the next tick (≤ 1/hz s), without waiting
   * for the next listing: the listing runs at once, and a new batch is in it.
   */
  track(): void {
    this.lastList = 0;
  }

  /** The project's unfinished batches with their live progress (for `active_tasks`), at most 500. */
  async activeTasks(project: string): Promise<TaskView[]> {
    const rows = (await this.deps.source.active([project])).slice(0, 500);
    const views = await Promise.all(
      rows.map(async (row) => {
        const known = this.fresh(row.id, project);
        if (known) return known;
        try {
          // Short deadline: a greeting must not wait on a workflow no worker is running.
          return batchState(row, { progress: await this.deps.source.live(row.id, 500) });
        } catch {
          // No workflow yet (just created) or no worker answering: what the ledger holds.
          return this.deps.source.find(project, row.id, { live: false });
        }
      }),
    );
    return views.filter((v): v is BatchState => v !== null && !isTerminal(v.status)).map(toTaskView);
  }

  /**
   * One batch's current view, or null if it is not in `project`. Always read from the batch
   * service: the hub's last sample may predate the batch's end, and this answer must agree
   * with REST's.
   */
  async taskStatus(project: string, id: string): Promise<TaskView | null> {
    const state = await this.deps.source.find(project, id);
    return state ? toTaskView(state) : null;
  }

  /** The state of a followed batch of `project` from progress at most two ticks old, else null. */
  private fresh(id: string, project: string): BatchState | null {
    const f = this.followed.get(id);
    if (f?.row.project !== project || !f.last || !f.lastAt || Date.now() - f.lastAt >= 2 * this.intervalMs) return null;
    return batchState(f.row, { progress: f.last });
  }

  /** Runs a tick, then the next one `intervalMs` after this one started (no overlap). */
  private schedule(delay = 0): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const t0 = Date.now();
      this.tick()
        .catch((err: unknown) => {
          const down = asUnavailable(err);
          if (down && this.deps.outages) this.deps.outages.failed(down.service, err);
          else this.deps.log?.warn({ err }, 'progress hub tick failed');
        })
        .finally(() => this.schedule(Math.max(0, this.intervalMs - (Date.now() - t0))));
    }, delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    for (const [id, until] of this.done) if (until < now) this.done.delete(id);
    if (this.subs.size === 0) {
      this.followed.clear();
      this.deps.metrics?.activeBatches.set(0);
      return;
    }
    if (now - this.lastList >= this.listIntervalMs && !this.listing) {
      this.lastList = now;
      this.listing = this.refreshList().finally(() => (this.listing = null));
      await this.listing;
    }
    for (const f of this.followed.values()) {
      if (!this.subs.has(f.row.project)) {
        this.followed.delete(f.row.id);
        continue;
      }
      if (f.inFlight || this.inFlight >= this.maxConcurrent) continue;
      f.inFlight = true;
      this.inFlight++;
      void this.poll(f).finally(() => {
        f.inFlight = false;
        this.inFlight--;
      });
    }
    this.deps.metrics?.activeBatches.set(this.followed.size);
  }

  private async refreshList(): Promise<void> {
    const projects = [...this.subs.keys()];
    const rows = await this.deps.source.active(projects);
    const listed = new Set<string>();
    for (const r of rows) {
      listed.add(r.id);
      const f = this.followed.get(r.id);
      if (f) f.row = r;
      else if (!this.done.has(r.id)) {
        this.followed.set(r.id, { row: r, inFlight: false, misses: 0 });
      }
    }
    // Followed but no longer unfinished in the table: it ended between two queries.
    for (const f of this.followed.values()) if (!listed.has(f.row.id)) void this.finalize(f);
  }

  private async poll(f: Followed): Promise<void> {
    let p: BatchProgress;
    try {
      p = await this.deps.source.live(f.row.id, 2000);
      this.deps.metrics?.progressQueries.inc({ result: 'ok' });
    } catch {
      this.deps.metrics?.progressQueries.inc({ result: 'error' });
      // No workflow yet (pending), or Temporal unreachable: try again next tick. After ~10 s of
      // misses, let the batch's state decide whether it is over (e.g. terminated from outside).
      if (++f.misses % Math.max(1, Math.round(10_000 / this.intervalMs)) === 0) await this.finalize(f);
      return;
    }
    f.misses = 0;
    f.last = p;
    f.lastAt = Date.now();
    if (isTerminal(p.phase)) {
      await this.finalize(f, p);
      return;
    }
    const key = `${p.phase}|${p.total}|${p.processed}|${p.valid}|${p.invalid}`;
    if (key === f.lastKey || !this.followed.has(f.row.id)) return;
    f.lastKey = key;
    const view = toTaskView(batchState(f.row, { progress: p }));
    this.emit(f.row.project, { type: 'task_progress', ...view, timestamp: new Date().toISOString() });
  }

  /**
   * Reports completion once, from the batch's state (final status and stored counts). While
   * the state is unfinished and the workflow did not say it ended, the batch stays followed; a
   * batch that no longer exists is dropped without a message.
   */
  private async finalize(f: Followed, wf?: BatchProgress): Promise<void> {
    const { id, project } = f.row;
    if (this.finalizing.has(id) || this.done.has(id)) return;
    this.finalizing.add(id);
    try {
      const state = await this.deps.source.find(project, id);
      let view: TaskView | null = null;
      if (state && isTerminal(state.status)) view = toTaskView(state);
      else if (wf && isTerminal(wf.phase)) view = toTaskView(batchState(f.row, { progress: wf }));
      else if (state) return; // still pending or running
      this.followed.delete(id);
      this.done.set(id, Date.now() + 10 * 60_000);
      if (view) this.emit(project, { type: 'task_completed', ...view, timestamp: new Date().toISOString() });
    } catch (err) {
      this.deps.log?.warn({ err, batchId: id }, 'progress hub could not read a finished batch');
    } finally {
      this.finalizing.delete(id);
    }
  }

  private emit(project: string, msg: HubMessage): void {
    const set = this.subs.get(project);
    if (!set?.size) return;
    const json = JSON.stringify(msg);
    for (const l of set) {
      try {
        l(msg, json);
      } catch (err) {
        this.deps.log?.warn({ err }, 'progress listener failed');
      }
    }
  }
}
