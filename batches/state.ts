/**
 * The one status vocabulary of a batch, and how its state is put together from what is stored
 * and what the workflow says. Pure (no I/O): REST, WebSocket, `phonebatch status` and the
 * PhoneBatch resource's status all show a {@link BatchState} built here, so they agree by
 * construction.
 */
import type { BatchSpec } from './spec.ts';
import type { BatchPhase, BatchProgress } from '../workflows/shared.ts';

/** Statuses of a batch, as stored in `batches.status` (db/migrations has the same CHECK list). */
export const BATCH_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** Statuses of a batch whose workflow may still write: the progress hub follows these. */
export const ACTIVE_STATUSES = ['pending', 'running'] as const satisfies readonly BatchStatus[];
/** Statuses that never change again. */
export const TERMINAL_STATUSES = ['succeeded', 'failed', 'cancelled'] as const satisfies readonly BatchStatus[];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATUSES);

/** True for a status (or workflow phase) that never changes again. */
export function isTerminal(s: string): s is TerminalStatus {
  return TERMINAL.has(s);
}

export type Operation = 'generate' | 'validate';

/** The operation of a spec. */
export function operationOf(spec: BatchSpec): Operation {
  return spec.generate ? 'generate' : 'validate';
}

/** The batch status a workflow phase means: `running` until the workflow reaches its end. */
export function statusOfPhase(phase: BatchPhase): BatchStatus {
  return isTerminal(phase) ? phase : 'running';
}

/** Percent done, 0–100 with one decimal, rounded down; 100 once succeeded, whatever the counts. */
export function percent(status: BatchStatus, processed: number, total: number | null): number {
  if (status === 'succeeded') return 100;
  if (!(total !== null && total > 0)) return 0;
  return Math.max(0, Math.min(100, Math.floor((processed * 1000) / total) / 10));
}

/** A stored batch row (db/batches.ts). */
export interface BatchRecord {
  id: string;
  project: string;
  operation: Operation;
  spec: BatchSpec;
  status: BatchStatus;
  workflowId: string | null;
  /** Input rows (validate) or numbers (generate) to process; null until prepared. */
  total: number | null;
  /** Counts recorded when the batch finished (0 until then). */
  processed: number;
  valid: number;
  invalid: number;
  libraryVersion: string;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** Sums of the committed chunks (db/chunks.ts `storedCounts`). */
export interface LedgerCounts {
  rows: number;
  valid: number;
  invalid: number;
}

/** The workflow as Temporal describes it; `status` is Temporal's (RUNNING, COMPLETED, TERMINATED, …). */
export interface WorkflowView {
  status: string;
  workflowId: string;
  runId: string;
  startTime?: Date;
  closeTime?: Date;
}

/** What was observed beside the stored row. */
export interface Observation {
  /** The workflow's progress query answered. */
  progress?: BatchProgress;
  /** The workflow as described (null: Temporal has no workflow for the batch); absent: not asked. */
  workflow?: WorkflowView | null;
  /** The chunk ledger, read when the workflow could not answer. */
  ledger?: LedgerCounts;
}

/**
 * A batch as every entry point shows it. Counts are rows in `numbers` (`valid`, `invalid`) and
 * input rows or numbers processed (`processed` of `total`).
 */
export interface BatchState {
  id: string;
  project: string;
  operation: Operation;
  spec: BatchSpec;
  status: BatchStatus;
  /** The workflow's phase when it answered, else null. */
  phase: BatchPhase | null;
  total: number | null;
  processed: number;
  valid: number;
  invalid: number;
  /** {@link percent} of processed/total. */
  percent: number;
  /** Where the counts come from: the live workflow, the chunk ledger, or the final row. */
  countsFrom: 'workflow' | 'ledger' | 'row';
  workflowId: string | null;
  /** The workflow as Temporal described it, when it was asked (see {@link Observation.workflow}). */
  workflow: WorkflowView | null;
  libraryVersion: string;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/**
 * Merges a stored row with what was observed, rebuilding the state from the world:
 *  - a finished row is final: its status and its counts (recomputed from the ledger when it finished);
 *  - a workflow that closed while the row is unfinished (terminated or timed out from outside,
 *    so finishBatch never ran) makes the batch failed (or cancelled), with the ledger's counts;
 *  - a workflow that answered gives its phase and live counts;
 *  - otherwise (not started yet, no worker answering) the ledger's counts, never less than what
 *    was already committed: progress does not go back to 0 while no worker runs.
 */
export function batchState(row: BatchRecord, seen: Observation = {}): BatchState {
  const base = {
    id: row.id,
    project: row.project,
    operation: row.operation,
    spec: row.spec,
    workflowId: row.workflowId,
    workflow: seen.workflow ?? null,
    libraryVersion: row.libraryVersion,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
  const done = (status: BatchStatus, c: LedgerCounts, countsFrom: BatchState['countsFrom'], error: string | null) => ({
    ...base,
    status,
    phase: seen.progress && isTerminal(seen.progress.phase) ? seen.progress.phase : null,
    total: row.total,
    processed: c.rows,
    valid: c.valid,
    invalid: c.invalid,
    percent: percent(status, c.rows, row.total),
    countsFrom,
    error,
  });
  if (isTerminal(row.status)) {
    return done(row.status, { rows: row.processed, valid: row.valid, invalid: row.invalid }, 'row', row.error);
  }
  const wf = seen.workflow;
  if (wf && wf.status !== 'RUNNING' && wf.status !== 'CONTINUED_AS_NEW') {
    const status: BatchStatus = wf.status === 'CANCELED' || wf.status === 'CANCELLED' ? 'cancelled' : 'failed';
    const counts = seen.ledger ?? { rows: row.processed, valid: row.valid, invalid: row.invalid };
    return done(status, counts, 'ledger', row.error ?? `the workflow ended ${wf.status} before the batch finished`);
  }
  const p = seen.progress;
  if (p) {
    const status = statusOfPhase(p.phase);
    return {
      ...base,
      status,
      phase: p.phase,
      total: p.total > 0 ? p.total : row.total,
      processed: p.processed,
      valid: p.valid,
      invalid: p.invalid,
      percent: percent(status, p.processed, p.total > 0 ? p.total : row.total),
      countsFrom: 'workflow',
      error: row.error,
    };
  }
  const c = seen.ledger ?? { rows: 0, valid: 0, invalid: 0 };
  return {
    ...base,
    status: row.status,
    phase: null,
    total: row.total,
    processed: c.rows,
    valid: c.valid,
    invalid: c.invalid,
    percent: percent(row.status, c.rows, row.total),
    countsFrom: 'ledger',
    error: row.error,
  };
}
