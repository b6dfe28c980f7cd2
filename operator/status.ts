/**
 * Status of a PhoneBatch, computed from what the operator observed (pure, no I/O).
 *
 * Conventions (Kubernetes API conventions, "Typical status properties"): a top-level
 * `observedGeneration`; `conditions` with CamelCase reasons, a message and a
 * `lastTransitionTime` that changes only when the condition's status changes; `Succeeded`
 * for a bounded job (Unknown while it runs); abnormal-true `Stalled` present only while the
 * batch cannot proceed (kstatus); no `phase`.
 */
import { isTerminal, type BatchState, type WorkflowView } from '../batches/state.ts';
import type { Condition, PhoneBatch, PhoneBatchStatus } from './resource.ts';

export interface Observed {
  /** The batch as the batch service reads it (with its workflow described); null before it was submitted. */
  batch: BatchState | null;
  /** Why the batch cannot start or proceed (set by the reconciler), e.g. a missing ConfigMap. */
  blocked?: { reason: string; message: string; permanent: boolean } | null;
  /** Input rows known before the workflow prepares (inline/ConfigMap length). */
  requestedRows?: number;
  temporalUiUrl: string;
  temporalNamespace: string;
}

/** What the Succeeded condition says: the batch's outcome, in one word. */
export type Outcome = 'Pending' | 'Running' | 'Cancelling' | 'Succeeded' | 'Failed' | 'Cancelled' | 'Blocked';

/** True while no workflow has run for the batch: it was never submitted, or its workflow never started. */
export function notStarted(o: Observed): boolean {
  return !o.batch || (o.batch.status === 'pending' && o.batch.workflow === null);
}

/** True while the batch's workflow runs (it may still write rows). */
export function workflowRunning(o: Observed): boolean {
  const s = o.batch?.workflow?.status;
  return !!o.batch && !isTerminal(o.batch.status) && (s === 'RUNNING' || s === 'CONTINUED_AS_NEW');
}

export function outcomeOf(pb: PhoneBatch, o: Observed): Outcome {
  const b = o.batch;
  if (!b || notStarted(o)) {
    // Cancelled before its workflow started: no workflow will ever start, so the outcome is final.
    if (pb.spec.cancel) return 'Cancelled';
    return o.blocked ? 'Blocked' : 'Pending';
  }
  switch (b.status) {
    case 'succeeded':
      return 'Succeeded';
    case 'cancelled':
      return 'Cancelled';
    case 'failed':
      return 'Failed';
    default:
      return pb.spec.cancel || pb.metadata?.deletionTimestamp ? 'Cancelling' : 'Running';
  }
}

/** Reason of the Succeeded condition when the workflow closed unsuccessfully. */
function failReason(wf: WorkflowView | null | undefined): string {
  if (wf?.status === 'TERMINATED') return 'Terminated';
  if (wf?.status === 'TIMED_OUT') return 'TimedOut';
  return 'Failed';
}

/**
 * The full status for `pb` given `o`. `now` stamps conditions whose status changed since
 * `pb.status`; unchanged conditions keep their lastTransitionTime.
 */
export function buildStatus(pb: PhoneBatch, o: Observed, now: Date = new Date()): PhoneBatchStatus {
  const gen = pb.metadata?.generation ?? 0;
  const outcome = outcomeOf(pb, o);
  const b = o.batch;
  const c = b && !notStarted(o) ? b : null;
  const total = c?.total ?? 0;
  const processed = c?.processed ?? 0;
  const progressMsg = total > 0 ? `${processed}/${total} rows processed` : 'preparing';
  const wf = b?.workflow ?? null;

  const want: Array<Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>> = [];
  switch (outcome) {
    case 'Pending':
      want.push(
        { type: 'Succeeded', status: 'Unknown', reason: 'Pending', message: 'The workflow has not started yet' },
        { type: 'Progressing', status: 'True', reason: 'Pending', message: 'Starting the workflow' },
        { type: 'Ready', status: 'False', reason: 'Pending', message: 'The batch has not finished' },
      );
      break;
    case 'Blocked': {
      const b = o.blocked!;
      want.push(
        b.permanent
          ? { type: 'Succeeded', status: 'False', reason: b.reason, message: b.message }
          : { type: 'Succeeded', status: 'Unknown', reason: b.reason, message: b.message },
        { type: 'Progressing', status: 'False', reason: b.reason, message: b.message },
        { type: 'Ready', status: 'False', reason: b.reason, message: b.message },
        { type: 'Stalled', status: 'True', reason: b.reason, message: b.message },
      );
      break;
    }
    case 'Running':
    case 'Cancelling':
      want.push(
        { type: 'Succeeded', status: 'Unknown', reason: outcome, message: progressMsg },
        { type: 'Progressing', status: 'True', reason: outcome, message: progressMsg },
        { type: 'Ready', status: 'False', reason: outcome, message: 'The batch has not finished' },
      );
      break;
    case 'Succeeded':
      want.push(
        {
          type: 'Succeeded',
          status: 'True',
          reason: 'Succeeded',
          message: `${processed}/${total} rows processed: ${c?.valid ?? 0} valid, ${c?.invalid ?? 0} invalid`,
        },
        { type: 'Progressing', status: 'False', reason: 'Succeeded', message: 'The batch finished' },
        { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'The batch finished and its rows are stored' },
      );
      break;
    case 'Cancelled':
      want.push(
        {
          type: 'Succeeded',
          status: 'False',
          reason: 'Cancelled',
          message: c ? `Cancelled after ${processed}/${total} rows` : 'Cancelled before the workflow started',
        },
        { type: 'Progressing', status: 'False', reason: 'Cancelled', message: 'The batch was cancelled' },
        { type: 'Ready', status: 'False', reason: 'Cancelled', message: 'The batch was cancelled' },
      );
      break;
    case 'Failed': {
      const reason = failReason(wf);
      const message = b?.error ?? `The workflow ended ${wf?.status ?? 'unsuccessfully'}`;
      want.push(
        { type: 'Succeeded', status: 'False', reason, message },
        { type: 'Progressing', status: 'False', reason, message: 'The batch stopped' },
        { type: 'Ready', status: 'False', reason, message },
      );
      break;
    }
  }

  const prev = new Map((pb.status?.conditions ?? []).map((x) => [x.type, x]));
  const conditions: Condition[] = want.map((w) => {
    const p = prev.get(w.type);
    const lastTransitionTime = p && p.status === w.status ? p.lastTransitionTime : rfc3339(now);
    return { ...w, lastTransitionTime, observedGeneration: gen };
  });

  const spec = pb.spec;
  const status: PhoneBatchStatus = {
    observedGeneration: gen,
    conditions,
    operation: spec.generate ? 'generate' : 'validate',
    batchId: pb.metadata?.uid,
    total,
    processed,
    valid: c?.valid ?? 0,
    invalid: c?.invalid ?? 0,
    progress: `${processed}/${total > 0 ? total : '?'}`,
  };
  const region = spec.generate?.region ?? spec.validate?.defaultRegion;
  if (region) status.region = region;
  const requested = spec.generate?.count ?? (total > 0 ? total : o.requestedRows);
  if (requested !== undefined) status.requested = requested;
  const startedAt = b?.startedAt ?? wf?.startTime;
  if (startedAt) status.startedAt = rfc3339(startedAt);
  const closed = outcome === 'Succeeded' || outcome === 'Failed' || outcome === 'Cancelled';
  const finishedAt = closed ? (b?.finishedAt ?? wf?.closeTime) : undefined;
  if (finishedAt) status.finishedAt = rfc3339(finishedAt);
  // Temporal forgets a closed workflow after the namespace's retention; the link it had stays.
  const run =
    wf ?? (b?.workflowId && pb.status?.runId && closed ? { workflowId: b.workflowId, runId: pb.status.runId } : null);
  if (run) {
    status.workflowId = run.workflowId;
    status.runId = run.runId;
    status.temporalUiUrl = `${o.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(o.temporalNamespace)}/workflows/${encodeURIComponent(run.workflowId)}/${encodeURIComponent(run.runId)}/history`;
  }
  return status;
}

/** metav1.Time: RFC 3339 in UTC, whole seconds (the apiserver truncates to seconds anyway). */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A JSON merge patch (RFC 7386) turning `prev` into `next` at the top level: changed keys
 * with their new value, removed keys as null. Returns null when nothing changed.
 */
export function statusPatch(
  prev: PhoneBatchStatus | undefined,
  next: PhoneBatchStatus,
): Record<string, unknown> | null {
  const patch: Record<string, unknown> = {};
  const p = (prev ?? {}) as Record<string, unknown>;
  const n = next as Record<string, unknown>;
  for (const k of Object.keys(n)) if (JSON.stringify(p[k]) !== JSON.stringify(n[k])) patch[k] = n[k];
  for (const k of Object.keys(p)) if (!(k in n)) patch[k] = null;
  return Object.keys(patch).length ? patch : null;
}

/** Succeeded-condition transitions that deserve an Event: [type, reason, message]. */
export function transitionEvent(
  prev: PhoneBatchStatus | undefined,
  next: PhoneBatchStatus,
): { type: 'Normal' | 'Warning'; reason: string; message: string } | null {
  const a = prev?.conditions?.find((c) => c.type === 'Succeeded');
  const b = next.conditions?.find((c) => c.type === 'Succeeded');
  if (!b || (a && a.status === b.status && a.reason === b.reason)) return null;
  if (b.reason === 'Succeeded' || b.reason === 'Cancelled')
    return { type: 'Normal', reason: b.reason, message: b.message };
  if (b.status === 'False' || b.reason === 'SourceNotFound' || b.reason === 'TemporalUnavailable')
    return { type: 'Warning', reason: b.reason, message: b.message };
  return null;
}
