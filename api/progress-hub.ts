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
 * Completion is reported from the batch row, written by the workflow's final activity before
 * the workflow reports a terminal phase, so `task_completed` counts equal the database's.
 */
import type pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import type { BatchProgress } from '../workflows/shared.ts';
import { getBatch, type BatchRow } from '../db/batches.ts';
import { activeBatches, getProjectBatch } from '../db/api-queries.ts';
import type { ApiMetrics } from './metrics.ts';

/** A task as WebSocket clients see it (the shape of `active_tasks` entries). */
export interface TaskView {
  task_id: string;
  operation: string;
  status: string;
  /** Percent done, 0–100, one decimal. */
  progress: number;
  current_step: string;
  processed_items: number;
  total_items: number;
  valid_items: number;
  invalid_items: number;
  created_at: string;
  error?: string | null;
  finished_at?: string | null;
}

export type HubMessage =
  | ({ type: 'task_progress'; timestamp: string } & TaskView)
  | ({ type: 'task_completed'; timestamp: string } & TaskView);

/** Receives each message for the subscriber's project; `json` is the message serialised once. */
export type HubListener = (msg: HubMessage, json: string) => void;

export interface ProgressHubDeps {
  pool: pg.Pool;
  /** The workflow's progress query, with a deadline in ms; rejects if there is no workflow or no answer. */
  queryProgress: (batchId: string, deadlineMs: number) => Promise<BatchProgress>;
  /** Queries per active batch per second (default 4). */
  hz?: number;
  listIntervalMs?: number;
  /** Progress queries in flight at once, per replica. */
  maxConcurrentQueries?: number;
  metrics?: ApiMetrics;
  log?: FastifyBaseLogger;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

interface Followed {
  id: string;
  project: string;
  operation: string;
  createdAt: Date;
  last?: BatchProgress;
  lastAt?: number;
  lastKey?: string;
  inFlight: boolean;
  misses: number;
}

export function percent(processed: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.max(0, Math.min(100, Math.floor((processed * 1000) / total) / 10));
}

/** Status a client sees for a workflow phase: the batch statuses, `running` while it works. */
function statusOfPhase(phase: BatchProgress['phase']): string {
  return TERMINAL.has(phase) ? phase : 'running';
}

export function viewFromProgress(b: { id: string; operation: string; createdAt: Date }, p: BatchProgress): TaskView {
  return {
    task_id: b.id,
    operation: b.operation,
    status: statusOfPhase(p.phase),
    progress: p.phase === 'succeeded' ? 100 : percent(p.processed, p.total),
    current_step: p.phase,
    processed_items: p.processed,
    total_items: p.total,
    valid_items: p.valid,
    invalid_items: p.invalid,
    created_at: b.createdAt.toISOString(),
  };
}

export function viewFromRow(r: BatchRow): TaskView {
  const total = r.total ?? 0;
  return {
    task_id: r.id,
    operation: r.operation,
    status: r.status,
    progress: r.status === 'succeeded' ? 100 : percent(r.processed, total),
    current_step: r.status === 'pending' ? 'pending' : r.status === 'running' ? 'running' : r.status,
    processed_items: r.processed,
    total_items: total,
    valid_items: r.valid,
    invalid_items: r.invalid,
    created_at: r.createdAt.toISOString(),
    error: r.error,
    finished_at: r.finishedAt ? r.finishedAt.toISOString() : null,
  };
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

  /** Follows a batch started through this replica right away (no wait for the next listing). */
  track(b: { id: string; project: string; operation: string; createdAt?: Date }): void {
    if (this.followed.has(b.id) || this.done.has(b.id)) return;
    this.followed.set(b.id, {
      id: b.id,
      project: b.project,
      operation: b.operation,
      createdAt: b.createdAt ?? new Date(),
      inFlight: false,
      misses: 0,
    });
  }

  /** The project's unfinished batches with their live progress (for `active_tasks`). */
  async activeTasks(project: string): Promise<TaskView[]> {
    const rows = (await activeBatches(this.deps.pool, [project])).slice(0, 500);
    const views = await Promise.all(
      rows.map(async (b) => {
        const f = this.followed.get(b.id);
        if (f?.last && f.lastAt && Date.now() - f.lastAt < 2 * this.intervalMs) return viewFromProgress(b, f.last);
        try {
          // Short deadline: a greeting must not wait on a workflow no worker is running.
          return viewFromProgress(b, await this.deps.queryProgress(b.id, 500));
        } catch {
          // No workflow yet (just created) or Temporal slow: report what the row says.
          const row = await getBatch(this.deps.pool, b.id);
          return row ? viewFromRow(row) : null;
        }
      }),
    );
    return views.filter((v): v is TaskView => v !== null && !TERMINAL.has(v.status));
  }

  /** One batch's current view, or null if it is not in `project`. */
  async taskStatus(project: string, id: string): Promise<TaskView | null> {
    const row = await getProjectBatch(this.deps.pool, project, id);
    if (!row) return null;
    if (TERMINAL.has(row.status)) return viewFromRow(row);
    try {
      return viewFromProgress(row, await this.deps.queryProgress(id, 1000));
    } catch {
      return viewFromRow(row);
    }
  }

  /** Runs a tick, then the next one `intervalMs` after this one started (no overlap). */
  private schedule(delay = 0): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const t0 = Date.now();
      this.tick()
        .catch((err) => this.deps.log?.warn({ err }, 'progress hub tick failed'))
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
      if (!this.subs.has(f.project)) {
        this.followed.delete(f.id);
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
    const rows = await activeBatches(this.deps.pool, projects);
    const listed = new Set<string>();
    for (const r of rows) {
      listed.add(r.id);
      if (!this.followed.has(r.id) && !this.done.has(r.id)) {
        this.followed.set(r.id, {
          id: r.id,
          project: r.project,
          operation: r.operation,
          createdAt: r.createdAt,
          inFlight: false,
          misses: 0,
        });
      }
    }
    // Followed but no longer unfinished in the table: it ended between two queries.
    for (const f of this.followed.values()) if (!listed.has(f.id)) void this.finalize(f);
  }

  private async poll(f: Followed): Promise<void> {
    let p: BatchProgress;
    try {
      p = await this.deps.queryProgress(f.id, 2000);
      this.deps.metrics?.progressQueries.inc({ result: 'ok' });
    } catch {
      this.deps.metrics?.progressQueries.inc({ result: 'error' });
      // No workflow yet (pending), or Temporal unreachable: try again next tick. After ~10 s of
      // misses, let the batch row decide whether it is over.
      if (++f.misses % Math.max(1, Math.round(10_000 / this.intervalMs)) === 0) await this.finalize(f);
      return;
    }
    f.misses = 0;
    f.last = p;
    f.lastAt = Date.now();
    if (TERMINAL.has(p.phase)) {
      await this.finalize(f, p);
      return;
    }
    const key = `${p.phase}|${p.total}|${p.processed}|${p.valid}|${p.invalid}`;
    if (key === f.lastKey || !this.followed.has(f.id)) return;
    f.lastKey = key;
    this.emit(f.project, { type: 'task_progress', ...viewFromProgress(f, p), timestamp: new Date().toISOString() });
  }

  /**
   * Reports completion once, from the batch row (final status and stored counts). If the row
   * is not terminal yet and the workflow did not say so either, the batch stays followed.
   */
  private async finalize(f: Followed, wf?: BatchProgress): Promise<void> {
    if (this.finalizing.has(f.id) || this.done.has(f.id)) return;
    this.finalizing.add(f.id);
    try {
      const row = await getBatch(this.deps.pool, f.id);
      let view: TaskView | null = null;
      if (row && TERMINAL.has(row.status)) view = viewFromRow(row);
      else if (wf && TERMINAL.has(wf.phase)) view = viewFromProgress(f, wf);
      else if (row) return; // still pending or running
      this.followed.delete(f.id);
      this.done.set(f.id, Date.now() + 10 * 60_000);
      if (view) this.emit(f.project, { type: 'task_completed', ...view, timestamp: new Date().toISOString() });
    } catch (err) {
      this.deps.log?.warn({ err, batchId: f.id }, 'progress hub could not read a finished batch');
    } finally {
      this.finalizing.delete(f.id);
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
