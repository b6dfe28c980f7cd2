/**
 * Names and shapes shared by the workflow, its activities, the worker and the Temporal client
 * (workflows/client.ts). Safe to import from workflow code: no Node built-ins, types only
 * from elsewhere (lint enforces both).
 */
import { defineQuery } from '@temporalio/workflow';
import type { GenerateRequest, ValidateOptions } from '../core/types.ts';

/** Workflow ID of a batch: one workflow per batch, so starting twice is rejected by Temporal. */
export function workflowIdFor(batchId: string): string {
  return `phonebatch-${batchId}`;
}

export type BatchPhase = 'preparing' | 'running' | 'finalizing' | 'succeeded' | 'failed' | 'cancelled';

/** Progress of a batch, as the workflow knows it. Counts are numbers (rows in `numbers`). */
export interface BatchProgress {
  /** Rows expected: the generate count, or the validate input rows (0 until prepared). */
  total: number;
  /** Input rows (validate) or numbers (generate) processed and committed so far. */
  processed: number;
  valid: number;
  invalid: number;
  phase: BatchPhase;
}

/** Query handler name `progress`: returns {@link BatchProgress}; never changes state. */
export const progressQuery = defineQuery<BatchProgress>('progress');

/** Result of the prepare activity: how the batch is cut into chunks. */
export interface PreparedBatch {
  total: number;
  /** Rows per chunk: the unit of one transaction and of exactly-once writes. */
  chunkSize: number;
  chunks: number;
  libraryVersion: string;
}

/** Chunk-level counts. For validate, `rows` counts input rows; valid/invalid count numbers found. */
export interface SliceResult {
  rows: number;
  valid: number;
  invalid: number;
}

/**
 * What a workflow runs: a generate request, or a validate over input rows. Uploaded and inline
 * rows were stored by the batch service before it started the workflow, and only their count
 * travels (Temporal payloads warn at 256 KB and fail at 2 MB); a batchRef's rows are copied
 * by prepareBatch from the referenced batch (already checked to be in the same project), since
 * copying millions of rows belongs in an activity, not in the request that submitted it.
 */
export type BatchJob = { generate: GenerateRequest } | { validate: ValidateJob };

/**
 * A validate job: how every row is read (the spec's default region and validator options
 * repairs, defaultAreaCode, numericSource; an absent option takes the core's default) and where
 * the input rows are. The workflow only passes it on; the activity reads it.
 */
export type ValidateJob = {
  /** ISO 3166-1 alpha-2, for rows without their own. */
  defaultRegion?: string;
} & ValidateOptions &
  ({ rows: number } | { fromBatch: string });

export interface PhoneBatchWorkflowInput {
  batchId: string;
  job: BatchJob;
  /** Chunks run per activity (a slice); the activity heartbeats after each chunk. */
  chunksPerSlice?: number;
  /** Slices in flight at once. */
  parallelism?: number;
  /** Slices started per run before continuing as new (default 400; tests lower it). */
  maxSlicesPerRun?: number;
  /** Carried over by continue-as-new; absent on the first run. */
  carry?: {
    prepared: PreparedBatch;
    nextChunk: number;
    processed: number;
    valid: number;
    invalid: number;
  };
}

export interface PrepareBatchInput {
  batchId: string;
  job: BatchJob;
}

export interface ProcessSliceInput {
  batchId: string;
  job: BatchJob;
  prepared: PreparedBatch;
  /** Chunks [firstChunk, endChunk) of the batch. */
  firstChunk: number;
  endChunk: number;
}

/**
 * Heartbeat details of processSlice: the chunk it is at, for people reading the workflow's
 * history. Never read back to skip work: only the chunk ledger says a chunk is done (O9).
 */
export interface SliceHeartbeat {
  chunk: number;
}

export type FinishBatchInput =
  | { batchId: string; status: 'succeeded'; /** The plan the ledger must cover. */ plan: PreparedBatch }
  | { batchId: string; status: 'failed' | 'cancelled'; error?: string };

/** Counts from the chunk ledger, and what it lacks. */
export interface FinishBatchResult {
  processed: number;
  valid: number;
  invalid: number;
  /**
   * Chunk ranges [first, end) of the plan the ledger does not hold. Non-empty only for
   * `succeeded`, and then nothing was recorded: re-run them and finish again.
   */
  missing: Array<[number, number]>;
}
