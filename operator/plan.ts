/**
 * The plan of one reconcile pass: what to do to bring the world to a PhoneBatch's spec, as a
 * value of typed actions, from the object and what was observed (operator/status.ts). Pure: the
 * reconciler (operator/reconciler.ts) observes, calls {@link planFor}, then executes the actions
 * in order (the status → plan → execute split of kubernetes/sample-controller).
 */
import { FINALIZER, type PhoneBatch } from './resource.ts';
import { notStarted, workflowRunning, type Observed } from './status.ts';

export type Action =
  /** Add our finalizer, so deleting the object waits for the cleanup below. */
  | 'addFinalizer'
  /** Submit the batch to the batch service (idempotent per metadata.uid). */
  | 'start'
  /** Ask Temporal to cancel the running workflow. */
  | 'cancel'
  /** deletionPolicy Delete: remove the batch's stored rows. */
  | 'deleteRows'
  /** Remove our finalizer: the object may go. */
  | 'removeFinalizer'
  /** Rebuild status from the observation and patch it through /status if it changed. */
  | 'status';

export interface Plan {
  actions: Action[];
  /** Next pass in ms (progress polling, waiting for a start or a cancel), or null when settled. */
  requeueMs: number | null;
}

/**
 * The actions for `pb` given `o`, in order. `progressIntervalMs` is how often a running batch's
 * progress is mirrored into status. Rows are deleted (and the finalizer removed) only once the
 * workflow stopped writing; whether the spec is invalid is observed on every pass (o.blocked),
 * never read back from status.
 */
export function planFor(pb: PhoneBatch, o: Observed, progressIntervalMs: number): Plan {
  const has = (pb.metadata?.finalizers ?? []).includes(FINALIZER);
  const running = workflowRunning(o);
  if (pb.metadata?.deletionTimestamp) {
    if (!has) return { actions: [], requeueMs: null };
    if (running) return { actions: ['cancel', 'status'], requeueMs: progressIntervalMs };
    const actions: Action[] = [];
    if (pb.spec.deletionPolicy === 'Delete') actions.push('deleteRows');
    actions.push('removeFinalizer');
    return { actions, requeueMs: null };
  }
  const actions: Action[] = [];
  if (!has) actions.push('addFinalizer');
  const mayStart = notStarted(o) && !pb.spec.cancel && !o.blocked?.permanent;
  if (mayStart) actions.push('start');
  if (running && pb.spec.cancel) actions.push('cancel');
  actions.push('status');
  return { actions, requeueMs: running || mayStart ? progressIntervalMs : null };
}
