/**
 * The PhoneBatch workflow: prepare → process chunk slices in parallel → finish. Passes only
 * ranges (chunk numbers) to activities, never number lists, so payloads stay small for any
 * batch size; continues as new when Temporal suggests it, to keep history bounded.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from './activities.ts';
import {
  progressQuery,
  type BatchProgress,
  type PhoneBatchWorkflowInput,
  type PreparedBatch,
  type SliceResult,
} from './shared.ts';

type Activities = ReturnType<typeof createActivities>;

const { prepareBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: ['SpecError'] },
  // On cancel, wait for prepare to finish, so it cannot mark the batch running after it was
  // recorded cancelled.
  cancellationType: 'WAIT_CANCELLATION_COMPLETED' as never,
});

const { processSlice } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  // Short enough that a killed worker's slice is retried within seconds (O3).
  heartbeatTimeout: '5s',
  retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: ['SpecError'] },
  // Wait for the activity to stop writing, so the final counts match the rows stored (O1).
  cancellationType: 'WAIT_CANCELLATION_COMPLETED' as never,
});

const { finishBatch } = proxyActivities<Activities>({
  // Checking the ledger scans the batch's rows (seconds per 10 M); the heartbeat still catches a lost worker.
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', maximumInterval: '10s', nonRetryableErrorTypes: ['LedgerMismatch'] },
});

/**
 * Slices started per run before continuing as new: ~3 history events each, so a run stays far
 * below the 10,240-event warning; a 100 M-row batch (2,000 slices) takes five runs.
 */
const MAX_SLICES_PER_RUN = 400;

/**
 * Times the ledger may come back short before the batch fails instead: each round re-runs
 * only the chunks missing after a database crash, so more than a few means the database keeps
 * losing commits.
 */
const MAX_REPAIR_ROUNDS = 5;

export async function phoneBatchWorkflow(input: PhoneBatchWorkflowInput): Promise<BatchProgress> {
  const progress: BatchProgress = {
    total: input.carry?.prepared.total ?? 0,
    processed: input.carry?.processed ?? 0,
    valid: input.carry?.valid ?? 0,
    invalid: input.carry?.invalid ?? 0,
    phase: input.carry ? 'running' : 'preparing',
  };
  setHandler(progressQuery, () => ({ ...progress }));
  const inFlight = new Set<Promise<void>>();

  try {
    const prepared: PreparedBatch =
      input.carry?.prepared ?? (await prepareBatch({ batchId: input.batchId, job: input.job }));
    progress.total = prepared.total;
    progress.phase = 'running';

    const perSlice = Math.max(1, input.chunksPerSlice ?? 2);
    const parallelism = Math.max(1, input.parallelism ?? 4);
    let next = input.carry?.nextChunk ?? 0;
    let startedThisRun = 0;

    const launch = (first: number, end: number) => {
      const p: Promise<void> = processSlice({
        batchId: input.batchId,
        job: input.job,
        prepared,
        firstChunk: first,
        endChunk: end,
      })
        .then((r: SliceResult) => {
          progress.processed += r.rows;
          progress.valid += r.valid;
          progress.invalid += r.invalid;
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    };
    /** Runs chunks [first, end) as slices of `perSlice`, at most `parallelism` in flight. */
    const runChunks = async (first: number, end: number) => {
      for (let c = first; c < end; c += perSlice) {
        while (inFlight.size >= parallelism) await Promise.race(inFlight);
        launch(c, Math.min(end, c + perSlice));
      }
    };

    while (next < prepared.chunks) {
      if (startedThisRun >= (input.maxSlicesPerRun ?? MAX_SLICES_PER_RUN) || workflowInfo().continueAsNewSuggested)
        break;
      while (inFlight.size >= parallelism) await Promise.race(inFlight);
      const end = Math.min(prepared.chunks, next + perSlice);
      launch(next, end);
      next = end;
      startedThisRun++;
    }
    await Promise.all(inFlight);

    if (next < prepared.chunks) {
      await continueAsNew<typeof phoneBatchWorkflow>({
        ...input,
        carry: {
          prepared,
          nextChunk: next,
          processed: progress.processed,
          valid: progress.valid,
          invalid: progress.invalid,
        },
      });
    }

    // Succeed only once the ledger covers the plan (O9): chunks lost after their commit was
    // acknowledged (a database crash) are re-run, which the ledger makes safe.
    for (let round = 0; ; round++) {
      progress.phase = 'finalizing';
      const r = await finishBatch({ batchId: input.batchId, status: 'succeeded', plan: prepared });
      progress.processed = r.processed;
      progress.valid = r.valid;
      progress.invalid = r.invalid;
      // A result recorded before finishBatch returned `missing` (a workflow that ran across the upgrade) has none.
      const missing = r.missing ?? [];
      if (!missing.length) break;
      const ranges =
        missing
          .slice(0, 10)
          .map(([a, b]) => (b - a > 1 ? `${a}–${b - 1}` : `${a}`))
          .join(', ') + (missing.length > 10 ? ', …' : '');
      if (round >= MAX_REPAIR_ROUNDS) {
        throw ApplicationFailure.nonRetryable(
          `chunks ${ranges} still missing from the ledger after ${round} re-runs`,
          'ChunksMissing',
        );
      }
      log.warn('chunk ledger is short of the plan; re-running the missing chunks', {
        batchId: input.batchId,
        chunks: ranges,
        round: round + 1,
      });
      progress.phase = 'running';
      for (const [a, b] of missing) await runChunks(a, b);
      await Promise.all(inFlight);
    }
    progress.phase = 'succeeded';
    return { ...progress };
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    // Let every slice still running stop (they write whole chunks or nothing), so the final
    // counts, read from the chunk ledger, equal the rows stored.
    await CancellationScope.nonCancellable(() => Promise.allSettled([...inFlight]));
    const cancelled = isCancellation(err);
    const message = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    const stored = await CancellationScope.nonCancellable(() =>
      finishBatch({
        batchId: input.batchId,
        status: cancelled ? 'cancelled' : 'failed',
        error: cancelled ? undefined : message,
      }),
    );
    Object.assign(progress, {
      processed: stored.processed,
      valid: stored.valid,
      invalid: stored.invalid,
      phase: cancelled ? 'cancelled' : 'failed',
    });
    if (cancelled) throw err;
    // Surface the activity's own failure type (e.g. SpecError) as the workflow's failure.
    const root = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : err;
    if (root instanceof ApplicationFailure)
      throw ApplicationFailure.create({ message: root.message, type: root.type ?? undefined, nonRetryable: true });
    throw ApplicationFailure.nonRetryable(message, 'BatchFailed');
  }
}
