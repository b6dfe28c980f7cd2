/**
 * The PhoneBatch workflow with mocked activities, on the Temporal dev server this project builds
 * (@temporalio/testing with an existing-path executable: its own download cannot work here).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { temporalBinary } from '../../devstack/temporal.ts';
import { workflowBundlePath } from '../../workflows/bundle.ts';
import type { createActivities } from '../../workflows/activities.ts';
import type {
  BatchProgress,
  FinishBatchInput,
  FinishBatchResult,
  PhoneBatchWorkflowInput,
  PreparedBatch,
  ProcessSliceInput,
} from '../../workflows/shared.ts';

type Activities = ReturnType<typeof createActivities>;

// Expected failures would log SDK warnings with stacks; keep errors only.
Runtime.install({ logger: new DefaultLogger('ERROR') });

let env: TestWorkflowEnvironment;
before(async () => {
  env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: temporalBinary() } },
  });
});
after(async () => env?.teardown());

const PLAN: PreparedBatch = { total: 10_000, chunkSize: 1000, chunks: 10, libraryVersion: 'test' };

/** Mock activities over an in-memory ledger; `lose` drops chunks after their slice reported them done. */
function mockActivities(opts: { lose?: (round: number) => number[]; finish?: (input: FinishBatchInput) => void } = {}) {
  const ledger = new Set<number>();
  const slices: Array<[number, number]> = [];
  const finishes: FinishBatchInput[] = [];
  let round = 0;
  const activities: Pick<Activities, 'prepareBatch' | 'processSlice' | 'finishBatch'> = {
    async prepareBatch() {
      return PLAN;
    },
    async processSlice(input: ProcessSliceInput) {
      slices.push([input.firstChunk, input.endChunk]);
      for (let c = input.firstChunk; c < input.endChunk; c++) ledger.add(c);
      const n = (input.endChunk - input.firstChunk) * PLAN.chunkSize;
      return { rows: n, valid: n, invalid: 0 };
    },
    async finishBatch(input: FinishBatchInput): Promise<FinishBatchResult> {
      finishes.push(input);
      opts.finish?.(input);
      if (input.status === 'succeeded') for (const c of opts.lose?.(round++) ?? []) ledger.delete(c);
      const missing: Array<[number, number]> = [];
      for (let c = 0; c < PLAN.chunks; c++) {
        if (ledger.has(c)) continue;
        const last = missing[missing.length - 1];
        if (last && last[1] === c) last[1] = c + 1;
        else missing.push([c, c + 1]);
      }
      const rows = ledger.size * PLAN.chunkSize;
      return { processed: rows, valid: rows, invalid: 0, missing: input.status === 'succeeded' ? missing : [] };
    },
  };
  return { activities, slices, finishes };
}

/**
 * Runs one batch workflow on a fresh task queue with `activities`; `during` gets its handle
 * while it runs (e.g. to cancel it). Resolves with the result, or rejects as the workflow does.
 */
async function run(
  activities: object,
  input: Partial<PhoneBatchWorkflowInput> = {},
  during?: (handle: WorkflowHandle) => Promise<void>,
) {
  const taskQueue = `wf-${randomUUID().slice(0, 8)}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities,
  });
  const batchId = randomUUID();
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start('phoneBatchWorkflow', {
      taskQueue,
      workflowId: `test-${batchId}`,
      args: [
        {
          batchId,
          job: { generate: { region: 'GB', count: PLAN.total } },
          chunksPerSlice: 2,
          parallelism: 2,
          ...input,
        } satisfies PhoneBatchWorkflowInput,
      ],
    });
    await during?.(handle);
    return (await handle.result()) as BatchProgress;
  });
}

// Each test runs its own worker on its own task queue, so tests run side by side: they
// mostly wait on the Temporal server, and this file is the fast tier's longest.
describe('a batch never succeeds short (O9)', { concurrency: true }, () => {
  test('chunks the ledger lost after their slice finished are re-run, then the batch succeeds', async () => {
    const m = mockActivities({ lose: (round) => (round === 0 ? [3, 4, 5, 9] : []) });
    const result = await run(m.activities);
    assert.equal(result.phase, 'succeeded');
    assert.equal(result.processed, PLAN.total);
    // The first pass covers the plan; the repair re-runs exactly the lost ranges.
    const byStart = (a: [number, number], b: [number, number]) => a[0] - b[0];
    assert.deepEqual(m.slices.slice(5).sort(byStart), [
      [3, 5],
      [5, 6],
      [9, 10],
    ]);
    assert.deepEqual(
      m.finishes.map((f) => f.status),
      ['succeeded', 'succeeded'],
    );
  });

  test('a ledger that stays short fails the batch instead of succeeding', async () => {
    const m = mockActivities({ lose: () => [7] });
    const err = await run(m.activities).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError);
    assert.match(String((err.cause as Error)?.message), /^chunks 7 still missing from the ledger after 5 re-runs$/);
    assert.equal(m.finishes.at(-1)?.status, 'failed');
    assert.equal(m.finishes.filter((f) => f.status === 'succeeded').length, 6);
  });

  test('rows that disagree with the ledger fail the batch at once (no retry, no repair)', async () => {
    const m = mockActivities({
      finish: (input) => {
        if (input.status === 'succeeded')
          throw ApplicationFailure.nonRetryable('stored rows disagree with the chunk ledger: test', 'LedgerMismatch');
      },
    });
    const err = await run(m.activities).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError);
    assert.equal((err.cause as ApplicationFailure).type, 'LedgerMismatch');
    assert.deepEqual(
      m.finishes.map((f) => f.status),
      ['succeeded', 'failed'],
    );
  });
});

describe('the workflow around its activities', { concurrency: true }, () => {
  test('cancel mid-slice: every slice in flight stops before the batch is recorded cancelled', async () => {
    const m = mockActivities();
    const events: string[] = [];
    let started!: () => void;
    const sliceStarted = new Promise<void>((r) => (started = r));
    const activities = {
      ...m.activities,
      // A slice that works until cancellation reaches it through a heartbeat (O1).
      async processSlice(input: ProcessSliceInput) {
        const ctx = Context.current();
        started();
        try {
          for (;;) {
            ctx.heartbeat();
            await new Promise((r) => setTimeout(r, 50));
            if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
          }
        } finally {
          events.push(`slice ${input.firstChunk} stopped`);
        }
      },
      async finishBatch(input: FinishBatchInput) {
        events.push(`finish ${input.status}`);
        return m.activities.finishBatch(input);
      },
    };
    const err = await run(activities, {}, async (handle) => {
      await sliceStarted;
      await handle.cancel();
    }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError, String(err));
    assert.ok(err.cause instanceof CancelledFailure, String(err.cause));
    // Both slices in flight stopped before the final status was written.
    assert.deepEqual(events.slice(-1), ['finish cancelled']);
    assert.equal(events.filter((e) => e.endsWith('stopped')).length, 2);
  });

  test('continue-as-new: a batch over several runs prepares once and processes every chunk exactly once', async () => {
    const m = mockActivities();
    let prepares = 0;
    const activities = {
      ...m.activities,
      async prepareBatch() {
        prepares++;
        return PLAN;
      },
    };
    const result = await run(activities, { chunksPerSlice: 1, parallelism: 1, maxSlicesPerRun: 3 });
    assert.equal(result.phase, 'succeeded');
    assert.equal(result.processed, PLAN.total);
    assert.equal(prepares, 1);
    const chunks = m.slices.map(([a]) => a).sort((x, y) => x - y);
    assert.deepEqual(
      chunks,
      Array.from({ length: PLAN.chunks }, (_, i) => i),
    );
  });

  test('a slice failing for good fails the batch, records the reason, and surfaces its failure type', async () => {
    const m = mockActivities();
    const activities = {
      ...m.activities,
      async processSlice(input: ProcessSliceInput) {
        if (input.firstChunk <= 4 && 4 < input.endChunk) {
          throw ApplicationFailure.nonRetryable('chunk 4: the generator refused', 'SpecError');
        }
        return m.activities.processSlice(input);
      },
    };
    const err = await run(activities).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError, String(err));
    assert.equal((err.cause as ApplicationFailure).type, 'SpecError');
    const last = m.finishes.at(-1);
    assert.deepEqual(last, { batchId: last?.batchId, status: 'failed', error: 'chunk 4: the generator refused' });
  });
});
