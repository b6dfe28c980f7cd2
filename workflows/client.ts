/**
 * The Temporal side of a batch, and nothing else: start its workflow, ask its progress, describe,
 * cancel and await it. No database: the batch service (batches/service.ts) stores the batch and
 * calls these; entry points never do (lint enforces it).
 */
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import type { Config } from '../lib/config.ts';
import type { WorkflowView } from '../batches/state.ts';
import { phoneBatchWorkflow } from './workflows.ts';
import { progressQuery, workflowIdFor, type BatchProgress, type PhoneBatchWorkflowInput } from './shared.ts';

/**
 * A client whose connection is made on first use (`Connection.lazy`), so a command can check
 * its input before any server is contacted.
 */
export function lazyClient(config: Pick<Config, 'temporalAddress' | 'temporalNamespace'>): Client {
  return new Client({
    connection: Connection.lazy({ address: config.temporalAddress }),
    namespace: config.temporalNamespace,
  });
}

/** A client connected now; throws if Temporal is unreachable. */
export async function connectClient(config: Pick<Config, 'temporalAddress' | 'temporalNamespace'>): Promise<Client> {
  const connection = await Connection.connect({ address: config.temporalAddress });
  return new Client({ connection, namespace: config.temporalNamespace });
}

/**
 * Starts the batch's workflow. One workflow per batch, ever: its id derives from the batch id
 * and a closed workflow's id is never reused, so a second start returns `started: false`.
 */
export async function startWorkflow(
  client: Client,
  taskQueue: string,
  input: PhoneBatchWorkflowInput,
): Promise<{ workflowId: string; runId: string | null; started: boolean }> {
  const workflowId = workflowIdFor(input.batchId);
  try {
    const handle = await client.workflow.start(phoneBatchWorkflow, {
      taskQueue,
      workflowId,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [input],
    });
    return { workflowId, runId: handle.firstExecutionRunId, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, runId: null, started: false };
    throw err;
  }
}

/** The workflow's progress query within `deadlineMs`; throws WorkflowNotFoundError, or the RPC error. */
export function queryProgress(client: Client, batchId: string, deadlineMs = 2000): Promise<BatchProgress> {
  return client.withDeadline(Date.now() + deadlineMs, () =>
    client.workflow.getHandle(workflowIdFor(batchId)).query(progressQuery),
  );
}

/** The workflow as Temporal describes it (its latest run), or null when there is none. */
export async function describeWorkflow(
  client: Client,
  batchId: string,
  deadlineMs = 5000,
): Promise<WorkflowView | null> {
  let d: WorkflowExecutionDescription;
  try {
    d = await client.withDeadline(Date.now() + deadlineMs, () =>
      client.workflow.getHandle(workflowIdFor(batchId)).describe(),
    );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
  return {
    status: d.status.name,
    workflowId: d.workflowId,
    runId: d.runId,
    startTime: d.startTime,
    closeTime: d.closeTime,
  };
}

/** Requests cancellation; returns false if the workflow does not exist or already closed. */
export async function cancelWorkflow(client: Client, batchId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowIdFor(batchId)).cancel();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** Waits for the workflow to close, whatever its outcome (a failure or cancel does not reject). */
export async function awaitWorkflow(client: Client, batchId: string): Promise<void> {
  await client.workflow
    .getHandle<typeof phoneBatchWorkflow>(workflowIdFor(batchId))
    .result()
    .catch((err: unknown) => {
      if ((err as { name?: string })?.name !== 'WorkflowFailedError') throw err;
    });
}

/**
 * True for an error that means Temporal did not answer: gRPC UNAVAILABLE (14) or
 * DEADLINE_EXCEEDED (4), on the error or on the ServiceError's cause, or the connection
 * failing. Other gRPC failures (INVALID_ARGUMENT, PERMISSION_DENIED, …) are answers, not outages.
 */
export function isTemporalUnavailable(err: unknown): boolean {
  const e = err as { code?: number; message?: string; cause?: { code?: number } } | null;
  const code = e?.code ?? e?.cause?.code;
  return (
    code === 14 ||
    code === 4 ||
    /ECONNREFUSED|Failed to connect before the deadline|connect ETIMEDOUT/.test(String(e?.message))
  );
}
