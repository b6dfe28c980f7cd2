/**
 * Reconciles one PhoneBatch: observe → plan (operator/plan.ts) → act. Level-based and
 * idempotent: every pass reads the object from the informer cache and the batch from the batch
 * service (batches/service.ts), decides what is missing, and does only that. Running it twice,
 * or after a crash at any point, converges to the same state:
 *  - the batch id is metadata.uid and the service submits a batch once, so its workflow starts
 *    exactly once; a batch that already ran is never started again;
 *  - the finalizer is added/removed with JSON patches guarded by `test` ops (no update, so
 *    other field managers' finalizers survive);
 *  - status is rebuilt from the observations and patched through /status only when it differs;
 *  - Events have deterministic names per (object, reason), so a repeat is AlreadyExists.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type CoreV1Event,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { BatchService } from '../batches/service.ts';
import { BatchError, BatchNotRunningError, BatchRefNotFoundError, SpecError } from '../batches/errors.ts';
import { MAX_INLINE_NUMBERS, type InputRow } from '../batches/spec.ts';
import { workflowIdFor } from '../workflows/shared.ts';
import type { Config } from '../lib/config.ts';
import { FINALIZER, GROUP, KIND, PLURAL, VERSION, linesOf, toBatchSpec, type PhoneBatch } from './resource.ts';
import { buildStatus, statusPatch, transitionEvent, type Observed } from './status.ts';
import { planFor, type Plan } from './plan.ts';
import type { Metrics } from './metrics.ts';

export interface ReconcilerDeps {
  kc: KubeConfig;
  service: BatchService;
  config: Config;
  identity: string;
  log: Logger;
  metrics: Metrics;
  /** Reads the object from the informer cache. */
  get: (key: string) => PhoneBatch | undefined;
  /** Schedules another pass of `key` after `ms`. */
  requeue: (key: string, ms: number) => void;
  /** How often a running batch's progress is mirrored into status. */
  progressIntervalMs: number;
}

/**
 * The condition reason a batch-service error stands for, and whether it can pass by itself:
 * a bad spec or a batchRef to nothing is permanent until the object changes.
 */
function blockedBy(err: BatchError): Observed['blocked'] {
  if (err instanceof SpecError) return { reason: 'InvalidSpec', message: err.message, permanent: true };
  if (err instanceof BatchRefNotFoundError)
    return { reason: 'InvalidSpec', message: `spec.${err.message}`, permanent: true };
  if (err.code === 'unavailable') return { reason: 'TemporalUnavailable', message: err.message, permanent: false };
  return null;
}

export class Reconciler {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly failures = new Map<string, number>();
  /** uids we already asked Temporal to cancel (the request is idempotent; this just saves RPCs). */
  private readonly cancelRequested = new Set<string>();

  constructor(private readonly d: ReconcilerDeps) {
    this.custom = d.kc.makeApiClient(CustomObjectsApi);
    this.core = d.kc.makeApiClient(CoreV1Api);
  }

  /** One pass for `key`; never throws (errors requeue the key with capped backoff). */
  async reconcile(key: string): Promise<void> {
    const t0 = process.hrtime.bigint();
    try {
      const pb = this.d.get(key);
      if (!pb) {
        this.failures.delete(key);
        return; // gone: the finalizer already cleaned up
      }
      const observed = await this.observe(pb);
      const plan = planFor(pb, observed, this.d.progressIntervalMs);
      await this.act(pb, observed, plan);
      this.failures.delete(key);
      // A permanent block (InvalidSpec) is settled: re-checked on the next event or resync, not polled.
      if (plan.requeueMs !== null && !observed.blocked?.permanent) this.d.requeue(key, plan.requeueMs);
      this.d.metrics.reconciles.inc({ result: 'ok' });
    } catch (err) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const delay = Math.min(30_000, 250 * 2 ** Math.min(n, 7));
      const code = (err as { code?: number }).code;
      if (code === 409 || code === 422) {
        this.d.log.debug({ key }, 'conflict; retrying with fresh state');
        this.d.requeue(key, 100);
      } else {
        this.d.log.warn({ key, err: errText(err), retryInMs: delay }, 'reconcile failed');
        this.d.requeue(key, delay);
      }
      this.d.metrics.reconciles.inc({ result: 'error' });
    } finally {
      this.d.metrics.reconcileSeconds.observe(Number(process.hrtime.bigint() - t0) / 1e9);
    }
  }

  // ---------------------------------------------------------------- observe

  /**
   * The batch as the batch service reads it, with its workflow described. Level-based: nothing
   * is carried over from earlier passes. Throws if PostgreSQL or Temporal is unreachable (the
   * pass is retried with backoff).
   */
  async observe(pb: PhoneBatch): Promise<Observed> {
    const batch = await this.d.service.find(pb.metadata!.namespace!, pb.metadata!.uid!, { workflow: true });
    return {
      batch,
      blocked: null,
      requestedRows: pb.spec.validate?.source.inline?.length,
      temporalUiUrl: this.d.config.temporalUiUrl,
      temporalNamespace: this.d.config.temporalNamespace,
    };
  }

  /** The plan for `pb` given `o` (operator/plan.ts). */
  plan(pb: PhoneBatch, o: Observed): Plan {
    return planFor(pb, o, this.d.progressIntervalMs);
  }

  // ---------------------------------------------------------------- act

  private async act(pb: PhoneBatch, o: Observed, plan: Plan): Promise<void> {
    const ns = pb.metadata!.namespace!;
    const uid = pb.metadata!.uid!;
    for (const a of plan.actions) {
      switch (a) {
        case 'addFinalizer':
          await this.patchFinalizers(pb, 'add');
          break;
        case 'removeFinalizer':
          await this.patchFinalizers(pb, 'remove');
          this.cancelRequested.delete(uid);
          break;
        case 'start':
          await this.start(pb, o);
          break;
        case 'cancel':
          if (!this.cancelRequested.has(uid)) {
            await this.d.service.cancel(ns, uid).catch((err: unknown) => {
              // Ended meanwhile: nothing left to cancel.
              if (!(err instanceof BatchNotRunningError)) throw err;
            });
            this.cancelRequested.add(uid);
            const why = pb.metadata?.deletionTimestamp ? 'the PhoneBatch is being deleted' : 'spec.cancel is true';
            await this.event(pb, 'Normal', 'Cancelling', `Cancelling workflow ${workflowIdFor(uid)}: ${why}`);
          }
          break;
        case 'deleteRows': {
          const n = await this.d.service.delete(ns, uid);
          await this.event(
            pb,
            'Normal',
            'RowsDeleted',
            `deletionPolicy Delete: removed ${n} stored rows of batch ${uid}`,
          );
          break;
        }
        case 'status':
          await this.writeStatus(pb, o);
          break;
      }
    }
  }

  /**
   * Resolves the source (a ConfigMap's lines become the batch's rows), submits the batch
   * (idempotent: the batch id is metadata.uid), and records what happened in `o`.
   */
  private async start(pb: PhoneBatch, o: Observed): Promise<void> {
    const uid = pb.metadata!.uid!;
    const ns = pb.metadata!.namespace!;
    let rows: InputRow[] | undefined;
    const ref = pb.spec.validate?.source.configMapKeyRef;
    if (ref) {
      try {
        const cm = await this.core.readNamespacedConfigMap({ name: ref.name, namespace: ns });
        const data = cm.data?.[ref.key];
        if (data === undefined) {
          o.blocked = {
            reason: 'SourceNotFound',
            message: `ConfigMap ${ref.name} has no key ${ref.key}`,
            permanent: false,
          };
          return;
        }
        rows = linesOf(data);
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
        o.blocked = {
          reason: 'SourceNotFound',
          message: `ConfigMap ${ref.name} not found in namespace ${ns}`,
          permanent: false,
        };
        return;
      }
      o.requestedRows = rows.length;
      if (rows.length === 0 || rows.length > MAX_INLINE_NUMBERS) {
        o.blocked = {
          reason: 'InvalidSpec',
          message: `spec.validate.source.configMapKeyRef: ${ref.name}/${ref.key} has ${rows.length} numbers; 1 to ${MAX_INLINE_NUMBERS} allowed`,
          permanent: true,
        };
        return;
      }
    }
    let submitted;
    try {
      submitted = await this.d.service.submit({ project: ns, spec: toBatchSpec(pb.spec), rows, batchId: uid });
    } catch (err) {
      const blocked = err instanceof BatchError ? blockedBy(err) : null;
      if (!blocked) throw err;
      o.blocked = blocked;
      return;
    }
    if (submitted.started) {
      this.d.metrics.workflowsStarted.inc();
      this.d.log.info({ key: `${ns}/${pb.metadata!.name}`, workflowId: submitted.workflowId }, 'workflow started');
    }
    // Observe again: the status written below shows the workflow that now runs.
    o.batch = await this.d.service.find(ns, uid, { workflow: true });
    await this.event(
      pb,
      'Normal',
      'Started',
      `Started workflow ${submitted.workflowId} on task queue ${this.d.config.taskQueue}`,
    );
  }

  private async writeStatus(pb: PhoneBatch, o: Observed): Promise<void> {
    const prev = pb.status;
    const next = buildStatus(pb, o);
    const patch = statusPatch(prev, next);
    if (!patch) return;
    try {
      await this.custom.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          namespace: pb.metadata!.namespace!,
          name: pb.metadata!.name!,
          body: { status: patch },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (err) {
      if ((err as { code?: number }).code === 404) return;
      throw err;
    }
    this.d.metrics.statusPatches.inc();
    // The cached object is ours to update: the next pass diffs against what we wrote, even
    // before the watch delivers it.
    pb.status = next;
    // Events carry the same reasons as the Succeeded condition, once per transition.
    const change = transitionEvent(prev, next);
    if (change) await this.event(pb, change.type, change.reason, change.message);
  }

  /** Adds or removes our finalizer with a JSON patch whose `test` op makes it a no-op on a stale copy. */
  private async patchFinalizers(pb: PhoneBatch, op: 'add' | 'remove'): Promise<void> {
    const list = pb.metadata?.finalizers ?? [];
    let body: unknown[];
    if (op === 'add') {
      body = list.length
        ? [
            { op: 'test', path: '/metadata/resourceVersion', value: pb.metadata!.resourceVersion },
            { op: 'add', path: '/metadata/finalizers/-', value: FINALIZER },
          ]
        : [
            { op: 'test', path: '/metadata/resourceVersion', value: pb.metadata!.resourceVersion },
            { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] },
          ];
    } else {
      const i = list.indexOf(FINALIZER);
      if (i < 0) return;
      body = [
        { op: 'test', path: `/metadata/finalizers/${i}`, value: FINALIZER },
        { op: 'remove', path: `/metadata/finalizers/${i}` },
      ];
    }
    try {
      const updated = await this.custom.patchNamespacedCustomObject(
        {
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          namespace: pb.metadata!.namespace!,
          name: pb.metadata!.name!,
          body,
        },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
      pb.metadata = (updated as PhoneBatch).metadata;
    } catch (err) {
      if (op === 'remove' && (err as { code?: number }).code === 404) return;
      throw err;
    }
  }

  /**
   * Emits a core/v1 Event about `pb`, named per (object, reason) so a repeat after a crash
   * is an AlreadyExists no-op. Failures are logged, never fatal (Events are best effort).
   */
  async event(pb: PhoneBatch, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const ns = pb.metadata!.namespace!;
    const now = new Date();
    const body: CoreV1Event = {
      metadata: {
        name: `${pb.metadata!.name}.${pb.metadata!.uid!.slice(0, 8)}.${reason.toLowerCase()}`,
        namespace: ns,
      },
      involvedObject: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: KIND,
        name: pb.metadata!.name,
        namespace: ns,
        uid: pb.metadata!.uid,
        resourceVersion: pb.metadata!.resourceVersion,
      },
      type,
      reason,
      message: message.slice(0, 1024),
      action: reason,
      source: { component: 'phonebatch-operator' },
      reportingComponent: 'phonebatch.io/operator',
      reportingInstance: this.d.identity.slice(0, 128),
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    try {
      await this.core.createNamespacedEvent({ namespace: ns, body });
      this.d.metrics.events.inc({ reason });
    } catch (err) {
      if ((err as { code?: number }).code !== 409)
        this.d.log.warn({ reason, err: errText(err) }, 'could not emit event');
    }
  }
}

function errText(err: unknown): string {
  const e = err as { message?: string; body?: unknown };
  return `${e?.message ?? String(err)}${e?.body ? ` ${typeof e.body === 'string' ? e.body : JSON.stringify(e.body)}`.slice(0, 500) : ''}`;
}
