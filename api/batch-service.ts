/**
 * Batch operations shared by the REST routes and the WebSocket handlers, always scoped to the
 * caller's project: another project's batch is "not found", never "forbidden".
 */
import type pg from 'pg';
import type { Client } from '@temporalio/client';
import { cancelBatch, queryProgress } from '../workflows/client.ts';
import type { BatchProgress } from '../workflows/shared.ts';
import type { BatchRow } from '../db/batches.ts';
import { getProjectBatch } from '../db/api-queries.ts';
import { errors } from './errors.ts';

export interface BatchServiceDeps {
  pool: pg.Pool;
  temporal: Client;
}

export const TERMINAL_STATUSES = new Set(['succeeded', 'failed', 'cancelled']);

/** The workflow's progress, or throws if it does not answer within `ms`. */
export function progressWithDeadline(temporal: Client, batchId: string, ms = 2000): Promise<BatchProgress> {
  return temporal.connection.withDeadline(Date.now() + ms, () => queryProgress(temporal, batchId));
}

/** The batch, or throws ApiError 404 (`not_found`) if it is not in `project`. */
export async function requireBatch(deps: BatchServiceDeps, project: string, id: string): Promise<BatchRow> {
  const row = await getProjectBatch(deps.pool, project, id);
  if (!row) throw errors.batchNotFound(id);
  return row;
}

/**
 * Requests cancellation. Throws ApiError 404 (not in project) or 409 `batch_not_running`
 * (already finished, or its workflow is gone). Returns the batch row as it was.
 */
export async function cancelProjectBatch(deps: BatchServiceDeps, project: string, id: string): Promise<BatchRow> {
  const row = await requireBatch(deps, project, id);
  if (TERMINAL_STATUSES.has(row.status)) throw errors.notRunning(id, row.status);
  if (!(await cancelBatch(deps.temporal, id))) throw errors.notRunning(id, row.status);
  return row;
}
