/**
 * The operator's pure parts, table-driven: the plan of a pass (operator/plan.ts) and the status
 * rebuilt from an observation (operator/status.ts).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { planFor } from '../../operator/plan.ts';
import { buildStatus, statusPatch, transitionEvent, type Observed } from '../../operator/status.ts';
import { FINALIZER, type PhoneBatch } from '../../operator/resource.ts';
import { batchState, type BatchRecord, type WorkflowView } from '../../batches/state.ts';
import { batchRecord } from '../support/records.ts';

const UID = '5f0c2a7e-3b1d-4c8e-9a6f-2d4b8e1c7a90';

function pb(
  over: { finalizer?: boolean; cancel?: boolean; deleting?: boolean; deletionPolicy?: 'Keep' | 'Delete' } = {},
) {
  const o: PhoneBatch = {
    apiVersion: 'phonebatch.io/v1alpha1',
    kind: 'PhoneBatch',
    metadata: {
      name: 'b',
      namespace: 'team',
      uid: UID,
      generation: 3,
      finalizers: over.finalizer === false ? [] : [FINALIZER],
      ...(over.deleting ? { deletionTimestamp: new Date('2026-12-03T12:05:00Z') } : {}),
    },
    spec: {
      generate: { region: 'GB', count: 1000 },
      ...(over.cancel ? { cancel: true } : {}),
      ...(over.deletionPolicy ? { deletionPolicy: over.deletionPolicy } : {}),
    },
  };
  return o;
}

const record = (over: Partial<BatchRecord> = {}): BatchRecord => batchRecord({ id: UID, project: 'team', ...over });
const wf = (status: string): WorkflowView => ({ status, workflowId: `phonebatch-${UID}`, runId: 'run-1' });

/** Observations by name: what the batch service could report for the object. */
const world = {
  unsubmitted: { batch: null },
  pendingNoWorkflow: { batch: batchState(record({ status: 'pending', total: null }), { workflow: null }) },
  running: {
    batch: batchState(record(), {
      workflow: wf('RUNNING'),
      progress: { total: 1000, processed: 400, valid: 400, invalid: 0, phase: 'running' },
    }),
  },
  succeeded: {
    batch: batchState(
      record({ status: 'succeeded', processed: 1000, valid: 1000, finishedAt: new Date('2026-12-03T12:01:00Z') }),
      {
        workflow: { ...wf('COMPLETED'), closeTime: new Date('2026-12-03T12:01:00Z') },
      },
    ),
  },
  terminated: {
    batch: batchState(record(), { workflow: wf('TERMINATED'), ledger: { rows: 300, valid: 300, invalid: 0 } }),
  },
  invalidSpec: {
    batch: null,
    blocked: { reason: 'InvalidSpec', message: 'generate.count: too many', permanent: true },
  },
  noConfigMap: {
    batch: null,
    blocked: { reason: 'SourceNotFound', message: 'ConfigMap x not found', permanent: false },
  },
} satisfies Record<string, Partial<Observed>>;

const observed = (w: Partial<Observed>): Observed => ({
  batch: null,
  temporalUiUrl: 'http://ui:8233',
  temporalNamespace: 'default',
  ...w,
});

describe('planFor: the actions of one pass', () => {
  const cases: Array<[string, PhoneBatch, Partial<Observed>, string[], number | null]> = [
    [
      'new object: finalizer, then start',
      pb({ finalizer: false }),
      world.unsubmitted,
      ['addFinalizer', 'start', 'status'],
      500,
    ],
    [
      'submitted, workflow never started (crash in between): start again',
      pb(),
      world.pendingNoWorkflow,
      ['start', 'status'],
      500,
    ],
    ['running: mirror progress', pb(), world.running, ['status'], 500],
    ['running and spec.cancel: cancel', pb({ cancel: true }), world.running, ['cancel', 'status'], 500],
    ['cancelled before it started: never start', pb({ cancel: true }), world.unsubmitted, ['status'], null],
    ['finished: settle', pb(), world.succeeded, ['status'], null],
    ['invalid spec: settle, no start', pb(), world.invalidSpec, ['status'], null],
    ['missing ConfigMap: try again', pb(), world.noConfigMap, ['start', 'status'], 500],
    [
      'deleting while running: cancel first, keep the finalizer',
      pb({ deleting: true }),
      world.running,
      ['cancel', 'status'],
      500,
    ],
    [
      'deleted after it ended, policy Keep: release',
      pb({ deleting: true }),
      world.succeeded,
      ['removeFinalizer'],
      null,
    ],
    [
      'deleted after it ended, policy Delete: rows, then release',
      pb({ deleting: true, deletionPolicy: 'Delete' }),
      world.succeeded,
      ['deleteRows', 'removeFinalizer'],
      null,
    ],
    ['deleting without our finalizer: nothing', pb({ deleting: true, finalizer: false }), world.running, [], null],
  ];
  for (const [name, obj, w, actions, requeueMs] of cases) {
    test(name, () => {
      assert.deepEqual(planFor(obj, observed(w), 500), { actions, requeueMs });
    });
  }
});

describe('buildStatus: status rebuilt from the observation', () => {
  const now = new Date('2026-12-03T12:02:00Z');
  const cond = (s: ReturnType<typeof buildStatus>, type: string) => s.conditions?.find((c) => c.type === type);

  test('running: Succeeded Unknown with the progress, counts from the workflow, a link to the run', () => {
    const s = buildStatus(pb(), observed(world.running), now);
    assert.deepEqual(
      [s.observedGeneration, s.progress, s.processed, s.total, s.requested, s.region, s.runId],
      [3, '400/1000', 400, 1000, 1000, 'GB', 'run-1'],
    );
    assert.deepEqual(
      [cond(s, 'Succeeded')?.status, cond(s, 'Succeeded')?.reason, cond(s, 'Succeeded')?.message],
      ['Unknown', 'Running', '400/1000 rows processed'],
    );
    assert.equal(cond(s, 'Succeeded')?.observedGeneration, 3);
    assert.equal(s.temporalUiUrl, `http://ui:8233/namespaces/default/workflows/phonebatch-${UID}/run-1/history`);
  });

  test('spec.cancel while running reads Cancelling', () => {
    assert.equal(
      cond(buildStatus(pb({ cancel: true }), observed(world.running), now), 'Succeeded')?.reason,
      'Cancelling',
    );
  });

  test('succeeded: Succeeded True, Ready True, finishedAt from the row', () => {
    const s = buildStatus(pb(), observed(world.succeeded), now);
    assert.deepEqual(
      [cond(s, 'Succeeded')?.status, cond(s, 'Ready')?.status, s.finishedAt],
      ['True', 'True', '2026-12-03T12:01:00Z'],
    );
  });

  test('terminated from outside: Succeeded False, reason Terminated, counts from the ledger', () => {
    const s = buildStatus(pb(), observed(world.terminated), now);
    assert.deepEqual(
      [cond(s, 'Succeeded')?.status, cond(s, 'Succeeded')?.reason, s.processed],
      ['False', 'Terminated', 300],
    );
  });

  test('a permanent block is Succeeded False and Stalled; a passing one is Succeeded Unknown and Stalled', () => {
    const bad = buildStatus(pb(), observed(world.invalidSpec), now);
    assert.deepEqual([cond(bad, 'Succeeded')?.status, cond(bad, 'Stalled')?.status], ['False', 'True']);
    const wait = buildStatus(pb(), observed(world.noConfigMap), now);
    assert.deepEqual([cond(wait, 'Succeeded')?.status, cond(wait, 'Succeeded')?.reason], ['Unknown', 'SourceNotFound']);
  });

  test('lastTransitionTime changes only when the condition’s status changes', () => {
    const first = buildStatus(pb(), observed(world.running), now);
    const later = new Date('2026-12-03T12:09:00Z');
    const again = buildStatus({ ...pb(), status: first }, observed(world.running), later);
    assert.equal(cond(again, 'Succeeded')?.lastTransitionTime, cond(first, 'Succeeded')?.lastTransitionTime);
    const done = buildStatus({ ...pb(), status: first }, observed(world.succeeded), later);
    assert.equal(cond(done, 'Succeeded')?.lastTransitionTime, '2026-12-03T12:09:00Z');
  });
});

describe('statusPatch and transitionEvent', () => {
  test('a status equal to the last is no patch; a changed one patches only what changed, removed keys as null', () => {
    const a = buildStatus(pb(), observed(world.running), new Date());
    assert.equal(statusPatch(a, a), null);
    const b = { ...a, processed: 500, progress: '500/1000' };
    assert.deepEqual(statusPatch(a, b), { processed: 500, progress: '500/1000' });
    const { runId: _runId, ...noRun } = a;
    assert.deepEqual(statusPatch(a, noRun), { runId: null });
  });

  test('Events are emitted once per Succeeded transition, Warning for failures and stalls', () => {
    const run = buildStatus(pb(), observed(world.running), new Date());
    const ok = buildStatus(pb(), observed(world.succeeded), new Date());
    const dead = buildStatus(pb(), observed(world.terminated), new Date());
    const stuck = buildStatus(pb(), observed(world.noConfigMap), new Date());
    assert.deepEqual(transitionEvent(run, ok), {
      type: 'Normal',
      reason: 'Succeeded',
      message: '1000/1000 rows processed: 1000 valid, 0 invalid',
    });
    assert.equal(transitionEvent(ok, ok), null);
    assert.equal(transitionEvent(run, dead)?.type, 'Warning');
    assert.equal(transitionEvent(undefined, stuck)?.reason, 'SourceNotFound');
    assert.equal(transitionEvent(undefined, run), null);
  });
});
