/**
 * The batch service: the one place that starts, reads, lists and cancels batches. REST,
 * WebSocket, CLI and operator are thin adapters over it: they turn their input (a body, a CSV
 * or NDJSON upload, a ConfigMap) into a spec and rows, call it, and map its errors
 * (batches/errors.ts) to their own terms. Every call is scoped to a project: another project's
 * batch is not found.
 *
 * Below it: workflows/client.ts (Temporal only) and db/ (PostgreSQL only). See
 * docs/architecture.md for the layers and the invariants (O1…O9) cited here.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Client } from '@temporalio/client';
import { LIBPHONENUMBER_VERSION } from '../core/metadata.ts';
import { getPool, closePools, withAdvisoryLock, type Db } from '../db/pool.ts';
import { migrate } from '../db/migrate.ts';
import {
  activeBatches,
  batchStatus,
  deleteBatch,
  getBatch,
  insertBatch,
  listBatches,
  type BatchCursor,
} from '../db/batches.ts';
import { loadInputs } from '../db/inputs.ts';
import { storedCounts } from '../db/chunks.ts';
import {
  EXPORT_COLUMNS,
  exportNumbers,
  listNumbers,
  summarizeNumbers,
  type ExportFormat,
  type NumberRow,
  type NumbersSummary,
} from '../db/numbers.ts';
import {
  awaitWorkflow,
  cancelWorkflow,
  describeWorkflow,
  isTemporalUnavailable,
  lazyClient,
  queryProgress,
  startWorkflow,
} from '../workflows/client.ts';
import { workflowIdFor, type BatchJob, type BatchProgress, type PhoneBatchWorkflowInput } from '../workflows/shared.ts';
import type { Config } from '../lib/config.ts';
import { PROJECT_PATTERN, Projects } from './projects.ts';
import { assertBatchSpec, validateOptionsOf, type BatchSpec, type InputRow } from './spec.ts';
import {
  BatchNotFoundError,
  BatchNotRunningError,
  BatchRefNotFoundError,
  InvalidProjectError,
  UnavailableError,
} from './errors.ts';
import {
  batchState,
  isTerminal,
  operationOf,
  type BatchRecord,
  type BatchState,
  type BatchStatus,
  type Observation,
  type Operation,
  type WorkflowView,
} from './state.ts';

export type { BatchCursor };
/** Columns of an export, in order (db/numbers.ts), for the entry points that document it. */
export { EXPORT_COLUMNS };

/** Workflow tuning (chunks per slice, slices in flight, slices per run); defaults suit production. */
export type Tuning = Pick<PhoneBatchWorkflowInput, 'chunksPerSlice' | 'parallelism' | 'maxSlicesPerRun'>;

export interface SubmitRequest {
  /** Project (namespace) the batch belongs to. */
  project: string;
  /** The batch spec, unchecked (batches/spec.ts); a validate spec over `rows` has no source. */
  spec: unknown;
  /** Uploaded input rows (CSV, NDJSON, ConfigMap), read once, streamed into PostgreSQL. */
  rows?: AsyncIterable<InputRow> | Iterable<InputRow>;
  /** Batch id (UUID); the operator passes the PhoneBatch's metadata.uid. Random if absent. */
  batchId?: string;
  tuning?: Tuning;
}

export interface SubmittedBatch {
  batchId: string;
  workflowId: string;
  /** False when this batch was submitted before (an idempotent retry): nothing was started. */
  started: boolean;
  /** Validate over uploaded or inline rows: the rows stored. */
  rows?: number;
}

export interface ListFilter {
  status?: BatchStatus;
  operation?: Operation;
  /** Page size (the caller bounds it). */
  limit: number;
  after?: BatchCursor;
}

export interface NumbersQuery {
  valid?: boolean;
  type?: string;
  region?: string;
  limit: number;
  after?: { seq: number; part: number };
}

export interface BatchServiceDeps {
  pool: pg.Pool;
  temporal: Client;
  /** Task queue the workers poll. */
  taskQueue: string;
  /**
   * How long a read of an unfinished batch waits for Temporal (describe, then the progress
   * query a worker answers) before it falls back to the chunk ledger, in ms; default 1500.
   */
  liveDeadlineMs?: number;
}

export interface ReadOptions {
  /**
   * Describe the workflow even of a finished batch (the operator links its run), and throw
   * UnavailableError instead of falling back when Temporal cannot describe an unfinished one.
   */
  workflow?: boolean;
  /** false: ask Temporal nothing; an unfinished batch's counts come from the chunk ledger. */
  live?: boolean;
}

const LIVE_DEADLINE_MS = 1500;

export class BatchService {
  constructor(private readonly d: BatchServiceDeps) {}

  /**
   * Checks everything once, stores the inputs, and starts the batch's workflow:
   *  1. the spec (schema, plan feasibility; a validate spec has a source or `rows`, never both);
   *  2. a `batchRef` must name a batch of the same project (the only ownership check: the
   *     workflow copies the referenced numbers without asking again);
   *  3. the batch row (idempotent per `batchId`: past `pending`, nothing is done again);
   *  4. inline numbers or `rows` go to PostgreSQL, so the workflow carries only a row count;
   *  5. the workflow starts (once per batch, ever).
   * If storing the inputs fails (the upload broke), no row is left behind and the error is
   * rethrown as it came (an adapter's own upload error stays its own).
   * @throws SpecError, InvalidProjectError, BatchRefNotFoundError, UnavailableError (Temporal did not answer).
   */
  async submit(req: SubmitRequest): Promise<SubmittedBatch> {
    const spec = assertBatchSpec(req.spec, { uploaded: req.rows !== undefined });
    if (!PROJECT_PATTERN.test(req.project)) throw new InvalidProjectError(req.project);
    const ref = spec.validate?.source && 'batchRef' in spec.validate.source ? spec.validate.source.batchRef : null;
    if (ref && !(await getBatch(this.d.pool, req.project, ref))) throw new BatchRefNotFoundError(ref, req.project);
    const batchId = (req.batchId ?? randomUUID()).toLowerCase();
    const workflowId = workflowIdFor(batchId);
    const stored = await insertBatch(this.d.pool, {
      id: batchId,
      project: req.project,
      operation: operationOf(spec),
      spec,
      workflowId,
      libraryVersion: LIBPHONENUMBER_VERSION,
    });
    // Past 'pending', its workflow already ran its first activity: never load or start twice.
    if (stored.project !== req.project || stored.status !== 'pending') return { batchId, workflowId, started: false };
    const notStarted = { batchId, workflowId, started: false };
    // One submit of a batch id at a time stores inputs and starts the workflow; a concurrent one
    // returns at once, as if it came second (docs/architecture.md, O5).
    const submitted = await withAdvisoryLock(this.d.pool, batchId, async (db) => {
      // Only what is read under the lock counts: the row may have gone (a failed upload of the
      // other submit) or moved on, and a workflow that exists keeps the inputs it started with.
      const now = await batchStatus(db, batchId);
      if (now?.project !== req.project || now.status !== 'pending') return notStarted;
      if (await this.workflowOf(batchId)) return notStarted;
      let job: BatchJob;
      try {
        job = await this.storeInputs(db, batchId, spec, req.rows);
      } catch (err) {
        // No workflow will ever run for this batch: leave no pending row.
        await deleteBatch(db, batchId).catch(() => {});
        throw err;
      }
      try {
        const started = await startWorkflow(this.d.temporal, this.d.taskQueue, { batchId, job, ...req.tuning });
        const rows = 'validate' in job && 'rows' in job.validate ? { rows: job.validate.rows } : {};
        return { batchId, workflowId, started: started.started, ...rows };
      } catch (err) {
        if (isTemporalUnavailable(err)) throw new UnavailableError('Temporal', { cause: err });
        throw err;
      }
    });
    return submitted ?? notStarted;
  }

  /** The batch's workflow as Temporal describes it, or null when it never started. @throws UnavailableError */
  private async workflowOf(batchId: string): Promise<WorkflowView | null> {
    try {
      return await describeWorkflow(this.d.temporal, batchId);
    } catch (err) {
      if (isTemporalUnavailable(err)) throw new UnavailableError('Temporal', { cause: err });
      throw err;
    }
  }

  /** Writes a validate batch's uploaded or inline inputs; returns the job its workflow runs. */
  private async storeInputs(db: Db, batchId: string, spec: BatchSpec, rows: SubmitRequest['rows']): Promise<BatchJob> {
    if (spec.generate) return { generate: spec.generate };
    const v = spec.validate!;
    // What every row is read with: the default region and the validator options.
    const reading = { ...(v.defaultRegion ? { defaultRegion: v.defaultRegion } : {}), ...validateOptionsOf(v) };
    if (v.source && 'batchRef' in v.source) return { validate: { ...reading, fromBatch: v.source.batchRef } };
    const inline = v.source?.inline.map((raw) => ({ raw }));
    return { validate: { ...reading, rows: await loadInputs(db, batchId, rows ?? inline ?? []) } };
  }

  /**
   * The batch as it is now ({@link batchState}). A finished batch is read from its row alone; an
   * unfinished one also from Temporal (describe, then the progress query), falling back to the
   * chunk ledger when the workflow does not answer within 1.5 s.
   * @throws BatchNotFoundError
   */
  async read(project: string, id: string, opts: ReadOptions = {}): Promise<BatchState> {
    const state = await this.find(project, id, opts);
    if (!state) throw new BatchNotFoundError(id);
    return state;
  }

  /** As {@link read}, or null when the project has no such batch. */
  async find(project: string, id: string, opts: ReadOptions = {}): Promise<BatchState | null> {
    const row = await getBatch(this.d.pool, project, id);
    return row ? batchState(row, await this.observe(row, opts)) : null;
  }

  private async observe(row: BatchRecord, opts: ReadOptions): Promise<Observation> {
    if (isTerminal(row.status)) {
      if (!opts.workflow) return {};
      // Temporal forgets closed workflows after the namespace's retention; the row remembers.
      return { workflow: await describeWorkflow(this.d.temporal, row.id).catch(() => null) };
    }
    if (opts.live === false) return { ledger: await storedCounts(this.d.pool, row.id) };
    const seen: Observation = {};
    const deadlineMs = this.d.liveDeadlineMs ?? LIVE_DEADLINE_MS;
    try {
      seen.workflow = await describeWorkflow(this.d.temporal, row.id, deadlineMs);
    } catch (err) {
      // Asked for the workflow (the operator decides from it whether to start one): no guessing.
      if (opts.workflow) throw new UnavailableError('Temporal', { cause: err });
    }
    if (seen.workflow?.status === 'RUNNING') {
      try {
        seen.progress = await queryProgress(this.d.temporal, row.id, deadlineMs);
      } catch {
        // No worker answered the query: the ledger says what is committed.
      }
    }
    if (!seen.progress) seen.ledger = await storedCounts(this.d.pool, row.id);
    return seen;
  }

  /** The workflow's own progress, for callers that poll it many times a second (the progress hub). */
  live(id: string, deadlineMs: number): Promise<BatchProgress> {
    return queryProgress(this.d.temporal, id, deadlineMs);
  }

  /** A page of the project's batches, newest first, as stored (no Temporal calls). */
  async list(project: string, filter: ListFilter): Promise<{ items: BatchState[]; next: BatchCursor | null }> {
    const page = await listBatches(this.d.pool, { project, ...filter });
    return { items: page.rows.map((r) => batchState(r)), next: page.next };
  }

  /** The unfinished batches of `projects`, as stored (merge with {@link batchState}): what the progress hub follows. */
  active(projects: string[]): Promise<BatchRecord[]> {
    return activeBatches(this.d.pool, projects);
  }

  /**
   * Requests cancellation; the batch ends `cancelled` with the counts of the rows stored (O1).
   * @throws BatchNotFoundError, BatchNotRunningError (finished, or no workflow runs for it)
   */
  async cancel(project: string, id: string): Promise<BatchState> {
    const row = await getBatch(this.d.pool, project, id);
    if (!row) throw new BatchNotFoundError(id);
    if (isTerminal(row.status)) throw new BatchNotRunningError(id, row.status);
    if (!(await cancelWorkflow(this.d.temporal, id))) throw new BatchNotRunningError(id, row.status);
    return batchState(row);
  }

  /** Waits until the batch's workflow closes, then returns its final state. @throws BatchNotFoundError */
  async wait(project: string, id: string): Promise<BatchState> {
    await this.read(project, id);
    await awaitWorkflow(this.d.temporal, id);
    return this.read(project, id);
  }

  /** A page of the batch's numbers in (seq, part) order. @throws BatchNotFoundError */
  async numbers(
    project: string,
    id: string,
    q: NumbersQuery,
  ): Promise<{ rows: NumberRow[]; next: { seq: number; part: number } | null }> {
    await this.requireRow(project, id);
    return listNumbers(this.d.pool, { batchId: id, ...q });
  }

  /**
   * Streams every number of the batch into `out` (constant memory). Checks the project first, so
   * a caller can send headers only once it resolves: call {@link requireRow} then this.
   * @throws BatchNotFoundError
   */
  async export(
    project: string,
    id: string,
    format: ExportFormat,
    out: NodeJS.WritableStream,
    filter: { valid?: boolean } = {},
  ): Promise<void> {
    await this.requireRow(project, id);
    await exportNumbers(this.d.pool, id, format, out, filter);
  }

  /** A few counts of what the batch holds, for a person to read. @throws BatchNotFoundError */
  async summary(project: string, id: string): Promise<NumbersSummary> {
    await this.requireRow(project, id);
    return summarizeNumbers(this.d.pool, id);
  }

  /** Deletes the batch and everything stored for it; returns the numbers deleted (0 if none). */
  async delete(project: string, id: string): Promise<number> {
    if (!(await getBatch(this.d.pool, project, id))) return 0;
    return deleteBatch(this.d.pool, id);
  }

  /**
   * Whether PostgreSQL and Temporal answer within `deadlineMs`: `ok`, or `failed: <why>` each.
   * Never throws.
   */
  async health(deadlineMs = 2000): Promise<{ postgres: string; temporal: string }> {
    const check = async (fn: () => Promise<unknown>) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${deadlineMs} ms`)), deadlineMs);
      });
      try {
        await Promise.race([fn(), late]);
        return 'ok';
      } catch (err) {
        return `failed: ${(err as Error).message}`;
      } finally {
        clearTimeout(timer);
      }
    };
    const [postgres, temporal] = await Promise.all([
      check(() => this.d.pool.query('SELECT 1')),
      check(() =>
        this.d.temporal.withDeadline(Date.now() + deadlineMs, () => this.d.temporal.workflowService.getSystemInfo({})),
      ),
    ]);
    return { postgres, temporal };
  }

  /** @throws BatchNotFoundError unless the project has batch `id`. */
  async requireRow(project: string, id: string): Promise<void> {
    if (!(await getBatch(this.d.pool, project, id))) throw new BatchNotFoundError(id);
  }
}

/** A service and what it opened, for processes that own their connections (CLI, API, operator). */
export interface OpenedService {
  service: BatchService;
  projects: Projects;
  pool: pg.Pool;
  temporal: Client;
  /** Closes the Temporal connection and the database pools. */
  close(): Promise<void>;
}

/**
 * Opens a batch service from configuration. Nothing connects until first used (the pool and
 * the Temporal connection are lazy), so a command can refuse bad input before any server is
 * contacted.
 */
export function openBatchService(config: Config, opts: { poolSize?: number } = {}): OpenedService {
  const pool = getPool(config.databaseUrl, opts.poolSize);
  const temporal = lazyClient(config);
  return {
    service: new BatchService({ pool, temporal, taskQueue: config.taskQueue }),
    projects: new Projects(pool),
    pool,
    temporal,
    async close() {
      await temporal.connection.close().catch(() => {});
      await closePools();
    },
  };
}

/** Closes every database pool this process opened (at process exit). */
export function closeAllPools(): Promise<void> {
  return closePools();
}

/** Applies the database migrations (db/migrations). */
export function migrateDatabase(config: Config): Promise<void> {
  return migrate(config.databaseUrl);
}
