/**
 * The batch service's errors: one class per error, each with a stable `code`. Entry points map
 * them, and only them, to their own terms: api/errors.ts to HTTP statuses, the operator
 * (operator/reconciler.ts) to condition reasons, the CLI (cli/errors.ts) to exit messages.
 * Messages name the field or id at fault.
 */
import { isDatabaseUnavailable } from '../db/pool.ts';
import { isTemporalUnavailable } from '../workflows/client.ts';

/** One problem with a spec: the JSON path of the field and why it is wrong. */
export interface SpecIssue {
  field: string;
  reason: string;
}

export type BatchErrorCode =
  'invalid_spec' | 'invalid_project' | 'batch_ref_not_found' | 'not_found' | 'batch_not_running' | 'unavailable';

/** Base of the batch service's errors. */
export abstract class BatchError extends Error {
  abstract readonly code: BatchErrorCode;
}

/** The spec is not one the service can run; `issues` names every bad field. */
export class SpecError extends BatchError {
  override name = 'SpecError';
  readonly code = 'invalid_spec';
  readonly issues: SpecIssue[];
  constructor(issues: SpecIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.reason}`).join('; '));
    this.issues = issues;
  }
}

/** `validate.source.batchRef` names no batch of the caller's project (another project's counts as none). */
export class BatchRefNotFoundError extends BatchError {
  override name = 'BatchRefNotFoundError';
  readonly code = 'batch_ref_not_found';
  constructor(
    readonly batchRef: string,
    readonly project: string,
  ) {
    super(`validate.source.batchRef: no batch ${batchRef} in project ${project}`);
  }
}

/** No batch `id` in the caller's project: another project's batch is "not found", never "forbidden". */
export class BatchNotFoundError extends BatchError {
  override name = 'BatchNotFoundError';
  readonly code = 'not_found';
  constructor(readonly id: string) {
    super(`id: no batch ${id} in this project`);
  }
}

/** The batch cannot be cancelled: it has finished, or no workflow runs for it. */
export class BatchNotRunningError extends BatchError {
  override name = 'BatchNotRunningError';
  readonly code = 'batch_not_running';
  constructor(
    readonly id: string,
    readonly status: string,
  ) {
    super(`id: batch ${id} is already ${status}`);
  }
}

/** A service the batch service depends on did not answer (Temporal or PostgreSQL); retry later. */
export class UnavailableError extends BatchError {
  override name = 'UnavailableError';
  readonly code = 'unavailable';
  constructor(
    readonly service: 'Temporal' | 'PostgreSQL',
    options?: { cause?: unknown },
  ) {
    super(`${service} is unavailable, retry later`, options);
  }
}

/**
 * The error as an {@link UnavailableError} when it means PostgreSQL or Temporal did not answer
 * (db/pool.ts `isDatabaseUnavailable`, workflows/client.ts `isTemporalUnavailable`), else null.
 * Entry points call it on errors they did not expect, so an outage reads as one, not as a bug.
 */
export function asUnavailable(err: unknown): UnavailableError | null {
  if (err instanceof UnavailableError) return err;
  if (isDatabaseUnavailable(err)) return new UnavailableError('PostgreSQL', { cause: err });
  if (isTemporalUnavailable(err)) return new UnavailableError('Temporal', { cause: err });
  return null;
}

/** A project name Kubernetes could not use as a namespace, or the database refuses. */
export class InvalidProjectError extends BatchError {
  override name = 'InvalidProjectError';
  readonly code = 'invalid_project';
  constructor(readonly project: string) {
    super(`project: "${project}" is not a project name (lower-case letters, digits, ".", "_", "-"; 1–63 characters)`);
  }
}
