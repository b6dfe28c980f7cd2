/**
 * Reconciles one PhoneBatch: observe → plan → act. Level-based and idempotent: every pass
 * reads the object from the informer cache and the batch from Temporal and PostgreSQL,
 * decides what is missing, and does only that. Running it twice, or after a crash at any
 * point, converges to the same state:
 *  - the workflow ID derives from metadata.uid, and startBatch refuses a second start, so a
 *    batch starts exactly once; a batch row that already ran is never started again;
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
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type pg from 'pg';
import type { Logger } from 'pino';
import { SpecError, MAX_INLINE_NUMBERS, checkBatchSpec } from '../batches/spec.ts';
import { startBatch, cancelBatch, queryProgress } from '../workflows/client.ts';
import { workflowIdFor } from '../workflows/shared.ts';
import { getBatch } from '../db/batches.ts';
import { storedCounts } from '../db/chunks.ts';
import type { Config } from '../lib/config.ts';
import { FINALIZER, GROUP, KIND, PLURAL, VERSION, linesOf, toBatchSpec, type PhoneBatch } from './api.ts';
import { buildStatus, statusPatch, transitionEvent, type Observed, type ObservedWorkflow } from './status.ts';
import type { Metrics } from './metrics.ts';
import { deleteBatchRows } from '../db/batches.ts';

export interface ReconcilerDeps {
  kc: KubeConfig;
  temporal: Client;
  pool: pg.Pool;
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

const CLOSED_ROW = new Set(['succeeded', 'failed', 'cancelled']);
const ROW_TO_WORKFLOW: Record<string, string> = { succeeded: 'COMPLETED', failed: 'FAILED', cancelled: 'CANCELLED' };

type Action = 'addFinalizer' | 'start' | 'cancel' | 'deleteRows' | 'removeFinalizer' | 'status';

export interface Plan {
  actions: Action[];
  /** Next pass in ms (progress polling / waiting for a cancel), or null when settled. */
  requeueMs: number | null;
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
      const plan = this.plan(pb, observed);
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

  /** What exists in Temporal and PostgreSQL for this batch. Throws if either is unreachable. */
  async observe(pb: PhoneBatch): Promise<Observed> {
    const uid = pb.metadata!.uid!;
    const workflowId = workflowIdFor(uid);
    let workflow: ObservedWorkflow | null = null;
    try {
      const desc = await this.d.temporal.withDeadline(Date.now() + 5000, () =>
        this.d.temporal.workflow.getHandle(workflowId).describe(),
      );
      workflow = {
        status: desc.status.name,
        workflowId,
        runId: desc.runId,
        startTime: desc.startTime,
        closeTime: desc.closeTime,
      };
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    const row = await getBatch(this.d.pool, uid);
    // Temporal forgets closed workflows after the namespace retention; the row remembers.
    if (!workflow && row && CLOSED_ROW.has(row.status)) {
      workflow = {
        status: ROW_TO_WORKFLOW[row.status]!,
        workflowId,
        runId: pb.status?.runId ?? '',
        closeTime: row.finishedAt ?? undefined,
      };
    }
    // Level-based: while no workflow has run, the spec is re-checked on every pass (cheap, and
    // pure but for the batchRef lookup), so an invalid spec is InvalidSpec on every pass and is
    // never started, whatever the status says.
    let blocked: Observed['blocked'] = null;
    if (!workflow && !pb.spec.cancel && !pb.metadata?.deletionTimestamp && (!row || row.status === 'pending')) {
      blocked = await this.specProblem(pb);
    }
    let counts: Observed['counts'] = null;
    if (workflow && row && CLOSED_ROW.has(row.status)) {
      counts = { total: row.total ?? 0, processed: row.processed, valid: row.valid, invalid: row.invalid };
    } else if (workflow?.status === 'RUNNING') {
      try {
        const p = await this.d.temporal.withDeadline(Date.now() + 2000, () => queryProgress(this.d.temporal, uid));
        counts = { total: p.total, processed: p.processed, valid: p.valid, invalid: p.invalid };
      } catch {
        counts = null; // no worker answering: fall back to the chunk ledger
      }
    }
    if (workflow && !counts) {
      const s = await storedCounts(this.d.pool, uid);
      counts = { total: row?.total ?? 0, processed: s.rows, valid: s.valid, invalid: s.invalid };
    }
    return {
      workflow,
      counts,
      blocked,
      row: row ? { startedAt: row.startedAt, finishedAt: row.finishedAt, error: row.error, status: row.status } : null,
      requestedRows: pb.spec.validate?.source.inline?.length,
      temporalUiUrl: this.d.config.temporalUiUrl,
      temporalNamespace: this.d.config.temporalNamespace,
    };
  }

  /**
   * Why `pb` can never start, or null: the batch-spec check (the same startBatch runs), and a
   * batchRef that names no batch in this project (namespace). A ConfigMap source's lines are
   * checked when start() reads them; a placeholder line stands in for them here.
   */
  private async specProblem(pb: PhoneBatch): Promise<Observed['blocked']> {
    const src = pb.spec.validate?.source;
    const issues = checkBatchSpec(toBatchSpec(pb.spec, src?.configMapKeyRef ? ['0'] : undefined));
    if (issues.length) return { reason: 'InvalidSpec', message: new SpecError(issues).message, permanent: true };
    if (src?.batchRef) {
      const ns = pb.metadata!.namespace!;
      const r = await this.d.pool.query('SELECT 1 FROM batches WHERE id = $1 AND project = $2', [src.batchRef, ns]);
      if (!r.rowCount)
        return {
          reason: 'InvalidSpec',
          message: `spec.validate.source.batchRef: no batch ${src.batchRef} in project ${ns}`,
          permanent: true,
        };
    }
    return null;
  }

  // ---------------------------------------------------------------- plan

  /** Pure: the actions that bring the world to the spec, in order. */
  plan(pb: PhoneBatch, o: Observed): Plan {
    const finalizers = pb.metadata?.finalizers ?? [];
    const has = finalizers.includes(FINALIZER);
    const running = o.workflow?.status === 'RUNNING';
    if (pb.metadata?.deletionTimestamp) {
      if (!has) return { actions: [], requeueMs: null };
      // Rows are deleted (and the finalizer removed) only once the workflow stopped writing.
      if (running) return { actions: ['cancel', 'status'], requeueMs: this.d.progressIntervalMs };
      const actions: Action[] = [];
      if (pb.spec.deletionPolicy === 'Delete') actions.push('deleteRows');
      actions.push('removeFinalizer');
      return { actions, requeueMs: null };
    }
    const actions: Action[] = [];
    if (!has) actions.push('addFinalizer');
    // Whether the spec is invalid is observed on every pass (o.blocked), never read back from status.
    const mayStart = !o.workflow && !pb.spec.cancel && !o.blocked?.permanent && (!o.row || o.row.status === 'pending');
    if (mayStart) actions.push('start');
    if (running && pb.spec.cancel) actions.push('cancel');
    actions.push('status');
    const requeueMs = running || mayStart ? this.d.progressIntervalMs : null;
    return { actions, requeueMs };
  }

  // ---------------------------------------------------------------- act

  private async act(pb: PhoneBatch, o: Observed, plan: Plan): Promise<void> {
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
            await cancelBatch(this.d.temporal, uid);
            this.cancelRequested.add(uid);
            const why = pb.metadata?.deletionTimestamp ? 'the PhoneBatch is being deleted' : 'spec.cancel is true';
            await this.event(pb, 'Normal', 'Cancelling', `Cancelling workflow ${workflowIdFor(uid)}: ${why}`);
          }
          break;
        case 'deleteRows': {
          const n = await deleteBatchRows(this.d.pool, uid);
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

  /** Resolves the source, starts the workflow (idempotent), records what happened in `o`. */
  private async start(pb: PhoneBatch, o: Observed): Promise<void> {
    const uid = pb.metadata!.uid!;
    const ns = pb.metadata!.namespace!;
    let lines: string[] | undefined;
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
        lines = linesOf(data);
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
        o.blocked = {
          reason: 'SourceNotFound',
          message: `ConfigMap ${ref.name} not found in namespace ${ns}`,
          permanent: false,
        };
        return;
      }
      o.requestedRows = lines.length;
      if (lines.length === 0 || lines.length > MAX_INLINE_NUMBERS) {
        o.blocked = {
          reason: 'InvalidSpec',
          message: `spec.validate.source.configMapKeyRef: ${ref.name}/${ref.key} has ${lines.length} numbers; 1 to ${MAX_INLINE_NUMBERS} allowed`,
          permanent: true,
        };
        return;
      }
    }
    try {
      const started = await startBatch(this.d.temporal, this.d.pool, this.d.config, {
        spec: toBatchSpec(pb.spec, lines),
        project: ns,
        batchId: uid,
      });
      if (started.started) {
        this.d.metrics.workflowsStarted.inc();
        this.d.log.info({ key: `${ns}/${pb.metadata!.name}`, workflowId: started.workflowId }, 'workflow started');
      }
      o.workflow = {
        status: 'RUNNING',
        workflowId: started.workflowId,
        runId: started.runId ?? pb.status?.runId ?? '',
        startTime: new Date(),
      };
      await this.event(
        pb,
        'Normal',
        'Started',
        `Started workflow ${started.workflowId} on task queue ${this.d.config.taskQueue}`,
      );
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      o.blocked = { reason: 'InvalidSpec', message: err.message, permanent: true };
    }
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
