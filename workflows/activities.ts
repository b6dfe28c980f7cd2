/**
 * Activities of the PhoneBatch workflow. Each is idempotent: a retry, or an attempt that
 * overlaps a timed-out one, leaves exactly the rows one successful attempt would (chunk
 * ledger, db/chunks.ts). processSlice heartbeats after every chunk and stops at a chunk
 * boundary when cancelled; which chunks are done is read from the ledger, never from heartbeats.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type pg from 'pg';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { markRunning, recordFinished } from '../db/batches.ts';
import { copyInputsFromBatch, countInputs, readInputs } from '../db/inputs.ts';
import {
  checkLedger,
  committedChunk,
  copyBool,
  copyCodes,
  copyText,
  GENERATED_COLUMNS,
  storedCounts,
  writeChunk,
  type ChunkCounts,
  type LedgerCheck,
} from '../db/chunks.ts';
import { createGenerator, GenerateSpecError, type Generator } from '../core/generate.ts';
import { validateField } from '../core/validate.ts';
import { LIBPHONENUMBER_VERSION } from '../core/metadata.ts';
import type { GenerateRequest, ValidateOptions } from '../core/types.ts';
import { validateOptionsOf } from '../batches/spec.ts';
import type {
  FinishBatchInput,
  FinishBatchResult,
  PrepareBatchInput,
  PreparedBatch,
  ProcessSliceInput,
  SliceHeartbeat,
  SliceResult,
} from './shared.ts';

/** Rows per chunk (one transaction). Generate is ~20× cheaper per row than validate. */
export const GENERATE_CHUNK = 25_000;
const VALIDATE_CHUNK = 5_000;
/** Rows built between two yields to the event loop, so heartbeats and cancellation get through (O1). */
const SUB_BLOCK = 5_000;
/** Longest stretch of validation between two yields, in milliseconds. */
const YIELD_EVERY_MS = 25;

export interface ActivityDeps {
  pool: pg.Pool;
}

/** Converts a request the numbering plan cannot honour into a non-retryable failure that names the field. */
function specFailure(err: unknown): never {
  if (err instanceof GenerateSpecError) {
    throw ApplicationFailure.nonRetryable(err.message, 'SpecError');
  }
  throw err;
}

const generators = new Map<string, Generator>();
/** Generators are pure functions of the spec; building one (automata) is worth caching. */
function generatorFor(spec: GenerateRequest): Generator {
  const key = JSON.stringify(spec);
  let g = generators.get(key);
  if (!g) {
    g = createGenerator(spec);
    if (generators.size >= 16) generators.delete(generators.keys().next().value!);
    generators.set(key, g);
  }
  return g;
}

export function createActivities({ pool }: ActivityDeps) {
  return {
    /**
     * Records the batch as running and returns its chunk plan. Inputs were stored by the batch
     * service before the workflow started, and this only checks they are all there; a batchRef's
     * numbers are copied in here (idempotent: the copy replaces the batch's inputs). Throws
     * non-retryable `SpecError` for a generate request the numbering plan cannot honour, and
     * `InputsMissing` when fewer input rows are stored than the job names.
     */
    async prepareBatch(input: PrepareBatchInput): Promise<PreparedBatch> {
      let total: number;
      let chunkSize: number;
      if ('generate' in input.job) {
        try {
          generatorFor(input.job.generate);
        } catch (err) {
          specFailure(err);
        }
        total = input.job.generate.count;
        chunkSize = GENERATE_CHUNK;
      } else if ('fromBatch' in input.job.validate) {
        total = await copyInputsFromBatch(pool, input.batchId, input.job.validate.fromBatch);
        chunkSize = VALIDATE_CHUNK;
      } else {
        total = await countInputs(pool, input.batchId);
        if (total !== input.job.validate.rows) {
          throw ApplicationFailure.nonRetryable(
            `batch ${input.batchId}: ${input.job.validate.rows} input rows expected but ${total} are stored`,
            'InputsMissing',
          );
        }
        chunkSize = VALIDATE_CHUNK;
      }
      await markRunning(pool, input.batchId, total, LIBPHONENUMBER_VERSION);
      return { total, chunkSize, chunks: Math.ceil(total / chunkSize), libraryVersion: LIBPHONENUMBER_VERSION };
    },

    /**
     * Builds and writes chunks [firstChunk, endChunk). Every chunk is looked up in the ledger
     * first and skipped only if the ledger holds it: heartbeat details are never trusted to skip
     * one, because they lag, and because a commit the worker saw can still be lost in a database
     * crash (O3, O9). Throws CancelledFailure at a chunk boundary when cancelled; a chunk being
     * written when cancellation arrives is rolled back whole.
     */
    async processSlice(input: ProcessSliceInput): Promise<SliceResult> {
      const ctx = Context.current();
      const info = ctx.info;
      const signal = ctx.cancellationSignal;
      const acc: SliceResult = { rows: 0, valid: 0, invalid: 0 };
      // Stop before the server's deadline for this attempt: past it a retry may already run (O2).
      const deadline = info.currentAttemptScheduledTimestampMs + (info.startToCloseTimeoutMs || Infinity);

      for (let chunk = input.firstChunk; chunk < input.endChunk; chunk++) {
        if (signal.aborted) throw signal.reason;
        if (Date.now() > deadline - 1000)
          throw ApplicationFailure.retryable('attempt deadline reached', 'DeadlineReached');
        const done = await committedChunk(pool, input.batchId, chunk);
        const counts = done ?? (await buildAndWriteChunk(pool, input, chunk, signal, () => ctx.heartbeat({ chunk })));
        acc.rows += counts.rows;
        acc.valid += counts.valid;
        acc.invalid += counts.invalid;
        ctx.heartbeat({ chunk: chunk + 1 } satisfies SliceHeartbeat);
      }
      return acc;
    },

    /**
     * Records the final status with counts recomputed from the chunk ledger; returns them.
     * Asked to succeed, it first checks the ledger against the plan (db/chunks.ts checkLedger):
     * chunks the ledger lacks are returned in `missing` and nothing is recorded, so the workflow
     * re-runs them and asks again; rows that disagree with the ledger throw a non-retryable
     * `LedgerMismatch`. A batch is therefore never marked succeeded short (O9).
     */
    async finishBatch(input: FinishBatchInput): Promise<FinishBatchResult> {
      if (input.status === 'succeeded') {
        const ctx = Context.current();
        // The check scans the batch's rows (seconds for 10 M): keep the heartbeat going meanwhile.
        const beat = setInterval(() => ctx.heartbeat(), 1000);
        let check: LedgerCheck;
        try {
          check = await checkLedger(pool, input.batchId, input.plan);
        } finally {
          clearInterval(beat);
        }
        const counts = { processed: check.counts.rows, valid: check.counts.valid, invalid: check.counts.invalid };
        if (check.mismatch)
          throw ApplicationFailure.nonRetryable(
            `stored rows disagree with the chunk ledger: ${check.mismatch}`,
            'LedgerMismatch',
          );
        if (check.missing.length) return { ...counts, missing: check.missing };
      }
      await recordFinished(pool, input.batchId, input.status, input.status === 'succeeded' ? undefined : input.error);
      const c = await storedCounts(pool, input.batchId);
      return { processed: c.rows, valid: c.valid, invalid: c.invalid, missing: [] };
    },
  };
}

async function buildAndWriteChunk(
  pool: pg.Pool,
  input: ProcessSliceInput,
  chunk: number,
  signal: AbortSignal,
  beat: () => void,
): Promise<ChunkCounts> {
  const { prepared, job, batchId } = input;
  const start = chunk * prepared.chunkSize;
  const end = Math.min(prepared.total, start + prepared.chunkSize);
  const built =
    'generate' in job
      ? await buildGenerateChunk(batchId, job.generate, start, end, beat, signal)
      : await buildValidateChunk(
          pool,
          batchId,
          job.validate.defaultRegion ?? null,
          validateOptionsOf(job.validate),
          start,
          end,
          beat,
          signal,
        );
  const r = await writeChunk(pool, { batchId, chunk, ...built, signal });
  return { rows: r.rows, valid: r.valid, invalid: r.invalid };
}

interface BuiltChunk extends ChunkCounts {
  blocks: string[];
  columns?: readonly string[];
}

/**
 * COPY text rows (GENERATED_COLUMNS) for generated numbers [start, end). Each number was
 * validated by the core's fast path as it was generated. Hot path: no per-number objects.
 */
async function buildGenerateChunk(
  batchId: string,
  spec: GenerateRequest,
  start: number,
  end: number,
  beat: () => void = () => {},
  signal?: AbortSignal,
): Promise<BuiltChunk> {
  const g = generatorFor(spec);
  const head = `${batchId}\t`;
  // One suffix per number type: `\t<region>\t<type>\tt\tt\n` (valid, hence possible).
  const tails = new Map<string | null, string>();
  const tail = (type: string | null) => {
    let t = tails.get(type);
    if (t === undefined) tails.set(type, (t = `\t${g.region}\t${type ?? '\\N'}\tt\tt\n`));
    return t;
  };
  const blocks: string[] = [];
  let block = '';
  const row = (seq: number, e164: string, type: string | null) => {
    block += head + seq + '\t' + e164 + tail(type);
  };
  for (let s = start; s < end; s += SUB_BLOCK) {
    block = '';
    g.fill(s, Math.min(end, s + SUB_BLOCK), row);
    blocks.push(block);
    beat();
    await yieldToEventLoop();
    if (signal?.aborted) throw signal.reason;
  }
  return { blocks, rows: end - start, valid: end - start, invalid: 0, columns: GENERATED_COLUMNS };
}

/**
 * COPY text rows (NUMBER_COLUMNS) for input rows [start, end): one row per number found in each
 * raw field, read with the batch's default region (unless the row has its own) and options.
 */
async function buildValidateChunk(
  pool: pg.Pool,
  batchId: string,
  batchRegion: string | null,
  options: ValidateOptions,
  start: number,
  end: number,
  beat: () => void = () => {},
  signal?: AbortSignal,
): Promise<BuiltChunk> {
  const inputs = await readInputs(pool, batchId, start, end);
  const blocks: string[] = [];
  let valid = 0;
  let invalid = 0;
  let block = '';
  let lastYield = performance.now();
  for (let i = 0; i < inputs.length; i++) {
    const row = inputs[i]!;
    const results = validateField(row.raw, row.defaultRegion ?? batchRegion, options);
    for (let part = 0; part < results.length; part++) {
      const r = results[part]!;
      if (r.valid) valid++;
      else invalid++;
      block += `${batchId}\t${row.rowNo}\t${part}\t${copyText(r.e164)}\t${copyText(r.ext)}\t${copyText(r.region)}\t${copyText(r.type)}\t${r.valid ? 't' : 'f'}\t${r.possible ? 't' : 'f'}\t${copyText(r.national)}\t${copyText(r.error)}\t${copyText(r.detail)}\t${copyText(r.input)}\t${copyText(r.label)}\t${copyCodes(r.repairs)}\t${copyCodes(r.warnings)}\t${copyBool(r.emergency)}\t${copyText(r.carrierCode)}\n`;
    }
    // Yield by time, not row count: one messy field can cost far more than a clean one, and
    // heartbeats and cancellation only get through when the event loop is free (O1).
    if (performance.now() - lastYield > YIELD_EVERY_MS) {
      blocks.push(block);
      block = '';
      beat();
      await yieldToEventLoop();
      if (signal?.aborted) throw signal.reason;
      lastYield = performance.now();
    }
  }
  if (block) blocks.push(block);
  return { blocks, rows: inputs.length, valid, invalid };
}
