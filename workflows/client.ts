/**
 * Starting, querying and cancelling batches from any entry point (CLI, API, operator).
 * Every start goes through {@link startBatch}, so all entry points produce the same workflow.
 */
import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { assertBatchSpec, type BatchSpec } from '../batches/spec.ts';
import { createBatch, deleteBatchRows, loadInputs } from '../db/batches.ts';
import { LIBPHONENUMBER_VERSION } from '../core/metadata.ts';
import type { Config } from '../lib/config.ts';
import { phoneBatchWorkflow } from './workflows.ts';
import { progressQuery, workflowIdFor, type BatchProgress, type PhoneBatchWorkflowInput } from './shared.ts';

export async function connectClient(config: Config): Promise<Client> {
  const connection = await Connection.connect({ address: config.temporalAddress });
  return new Client({ connection, namespace: config.temporalNamespace });
}

export interface StartBatchInput {
  spec: unknown;
  project?: string;
  /** Batch id (UUID); the operator passes the PhoneBatch's metadata.uid. Random if absent. */
  batchId?: string;
  /**
   * Called after the batch row exists and before the workflow starts (e.g. to upload inputs).
   * May return the final spec (e.g. with the uploaded row count), which replaces `spec`.
   */
  beforeStart?: (batchId: string) => Promise<BatchSpec | void>;
  /** Workflow tuning (chunks per slice, parallelism, slices per run); defaults suit production. */
  tuning?: Pick<PhoneBatchWorkflowInput, 'chunksPerSlice' | 'parallelism' | 'maxSlicesPerRun'>;
}

export interface StartedBatch {
  batchId: string;
  workflowId: string;
  runId: string | null;
  /** False when a workflow for this batch already existed (idempotent start). */
  started: boolean;
}

/**
 * Validates the spec (throws SpecError naming the field), records the batch and starts its
 * workflow. Starting the same batchId twice does not start a second workflow.
 */
export async function startBatch(
  client: Client,
  pool: pg.Pool,
  config: Config,
  input: StartBatchInput,
): Promise<StartedBatch> {
  let spec: BatchSpec = assertBatchSpec(input.spec);
  const batchId = input.batchId ?? randomUUID();
  const workflowId = workflowIdFor(batchId);
  const project = input.project ?? 'default';
  const status = await createBatch(pool, {
    id: batchId,
    project,
    spec,
    workflowId,
    libraryVersion: LIBPHONENUMBER_VERSION,
  });
  // Past 'pending', its workflow already ran its first activity: never load or start twice.
  if (status !== 'pending') return { batchId, workflowId, runId: null, started: false };
  let workflowSpec = spec;
  try {
    if (input.beforeStart) {
      const replaced = await input.beforeStart(batchId);
      if (replaced) {
        spec = workflowSpec = assertBatchSpec(replaced);
        await pool.query('UPDATE batches SET spec = $2 WHERE id = $1', [batchId, JSON.stringify(spec)]);
      }
    }
    // Inline numbers go to PostgreSQL now, so the workflow and its activities carry only a row
    // count, never the number list (Temporal payloads warn at 256 KB and fail at 2 MB).
    if (spec.validate && 'inline' in spec.validate.source) {
      const rows = await loadInputs(
        pool,
        batchId,
        spec.validate.source.inline.map((raw) => ({ raw })),
      );
      workflowSpec = { validate: { ...spec.validate, source: { upload: { rows } } } };
    }
  } catch (err) {
    // No workflow will ever run for this batch (e.g. its upload failed): leave no pending row.
    await deleteBatchRows(pool, batchId).catch(() => {});
    throw err;
  }
  try {
    const handle = await client.workflow.start(phoneBatchWorkflow, {
      taskQueue: config.taskQueue,
      workflowId,
      // One workflow per batch, ever: a closed workflow's ID is never reused for a new run.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [{ batchId, project, spec: workflowSpec, ...input.tuning }],
    });
    return { batchId, workflowId, runId: handle.firstExecutionRunId, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      return { batchId, workflowId, runId: null, started: false };
    throw err;
  }
}

/** The workflow's progress query; throws WorkflowNotFoundError for an unknown batch. */
export async function queryProgress(client: Client, batchId: string): Promise<BatchProgress> {
  return client.workflow.getHandle(workflowIdFor(batchId)).query(progressQuery);
}

/** Requests cancellation; returns false if the workflow does not exist or already closed. */
export async function cancelBatch(client: Client, batchId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowIdFor(batchId)).cancel();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** Waits for the workflow to close; resolves with its final progress, rejects on failure/cancel. */
export async function waitForBatch(client: Client, batchId: string): Promise<BatchProgress> {
  return client.workflow.getHandle<typeof phoneBatchWorkflow>(workflowIdFor(batchId)).result();
}
