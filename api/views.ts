/**
 * What REST and WebSocket clients see of a batch: projections of one {@link BatchState}
 * (batches/state.ts), so GET /batches/:id, GET /batches/:id/progress and the /ws/tasks/ messages
 * agree by construction. Shapes are documented in api/schemas.ts and docs/api.md.
 */
import type { BatchState } from '../batches/state.ts';
import type { BatchView } from './schemas.ts';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** GET /api/v1/batches/:id and the items of GET /api/v1/batches. */
export function toBatchView(s: BatchState): BatchView {
  return {
    id: s.id,
    project: s.project,
    operation: s.operation,
    status: s.status,
    ...(s.phase ? { phase: s.phase } : {}),
    workflowId: s.workflowId,
    spec: s.spec,
    total: s.total,
    processed: s.processed,
    valid: s.valid,
    invalid: s.invalid,
    progress: s.percent,
    libraryVersion: s.libraryVersion,
    error: s.error,
    createdAt: s.createdAt.toISOString(),
    startedAt: iso(s.startedAt),
    finishedAt: iso(s.finishedAt),
  };
}

/** GET /api/v1/batches/:id/progress: the HTTP polling fallback of /ws/tasks/. */
export function toProgressView(s: BatchState) {
  return {
    id: s.id,
    status: s.status,
    phase: s.phase ?? s.status,
    progress: s.percent,
    total: s.total ?? 0,
    processed: s.processed,
    valid: s.valid,
    invalid: s.invalid,
    source: s.countsFrom === 'workflow' ? ('workflow' as const) : ('database' as const),
  };
}

/** A task as WebSocket clients see it (`active_tasks` entries, `task_progress`, `task_completed`, `task_status`). */
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
  error: string | null;
  finished_at: string | null;
}

export function toTaskView(s: BatchState): TaskView {
  return {
    task_id: s.id,
    operation: s.operation,
    status: s.status,
    progress: s.percent,
    current_step: s.phase ?? s.status,
    processed_items: s.processed,
    total_items: s.total ?? 0,
    valid_items: s.valid,
    invalid_items: s.invalid,
    created_at: s.createdAt.toISOString(),
    error: s.error,
    finished_at: iso(s.finishedAt),
  };
}
