/**
 * The operator under failure, against real services (etcd + kube-apiserver, Temporal dev
 * server, PostgreSQL, worker and operator processes):
 *  - O4: its watch hits 410 Gone after the apiserver restarts while the operator is frozen;
 *    it re-lists and reconciles what changed meanwhile (a new object, a deletion);
 *  - leader election: two processes, one Lease; only the holder acts;
 *  - SIGKILL of the leader mid-batch: the standby takes over; SIGKILL of the only operator
 *    mid-batch and a restart: the batch completes with the right status, started once.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, type Stack } from '../support/stack.ts';
import {
  startKube,
  startOperator,
  installCrd,
  getJson,
  type KubeCluster,
  type OperatorProcess,
} from '../support/kube.ts';

let stack: Stack;
let kube: KubeCluster;
const running: OperatorProcess[] = [];
const NS = 'resilience';

before(async () => {
  [stack, kube] = await Promise.all([startStack(), startKube()]);
  installCrd(kube);
  kube.kubectl(['create', 'namespace', NS]);
  await stack.startWorker();
});

after(async () => {
  await Promise.all(running.map((o) => o.stop()));
  await kube?.stop();
  await stack?.stop();
});

async function operator(identity: string, extra: Record<string, string>): Promise<OperatorProcess> {
  const op = await startOperator({
    kubeconfig: kube.kubeconfig,
    databaseUrl: stack.config.databaseUrl,
    temporalAddress: stack.config.temporalAddress,
    taskQueue: stack.config.taskQueue,
    temporalUiUrl: stack.config.temporalUiUrl,
    identity,
    extra,
  });
  running.push(op);
  return op;
}

const FAST_LEASE = {
  LEASE_DURATION_SECONDS: '4',
  RENEW_DEADLINE_SECONDS: '3',
  RETRY_PERIOD_SECONDS: '1',
  RESYNC_SECONDS: '30',
};

function pbYaml(name: string, generate: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'phonebatch.io/v1alpha1',
    kind: 'PhoneBatch',
    metadata: { name, namespace: NS },
    spec: { generate },
  });
}

async function isLeader(op: OperatorProcess): Promise<boolean> {
  return (await op.metrics())?.['phonebatch_operator_is_leader'] === 1;
}

async function waitSucceeded(name: string): Promise<void> {
  const w = await kube.kubectlAsync(['wait', '-n', NS, `pb/${name}`, '--for=condition=Succeeded', '--timeout=300s']);
  assert.equal(
    w.status,
    0,
    `${name}: ${w.stderr}\n${running.map((o) => `--- ${o.identity}\n${o.output().slice(-3000)}`).join('\n')}`,
  );
}

/** The status equals the rows stored in PostgreSQL (and the requested count). */
async function assertStatusMatchesRows(name: string, count: number): Promise<void> {
  const pb = getJson(kube, ['pb', name, '-n', NS]);
  const r = await stack.pool.query(
    'SELECT count(*)::int AS n, count(*) FILTER (WHERE valid)::int AS valid FROM numbers WHERE batch_id = $1',
    [pb.metadata.uid],
  );
  assert.equal(r.rows[0].n, count, `${name}: rows stored`);
  assert.deepEqual(
    [pb.status.processed, pb.status.valid, pb.status.total, pb.status.progress],
    [r.rows[0].n, r.rows[0].valid, count, `${count}/${count}`],
    `${name}: status mirrors PostgreSQL`,
  );
  assert.equal(pb.status.observedGeneration, pb.metadata.generation);
}

test('O4: after a forced watch 410 the operator re-lists and reconciles what changed meanwhile', async () => {
  // Long lease and resync: the process is frozen for a while, and the periodic re-list must
  // not be what rescues it.
  const op = await operator('op-410', {
    LEASE_NAME: 'op-410',
    LEASE_DURATION_SECONDS: '120',
    RENEW_DEADLINE_SECONDS: '90',
    RESYNC_SECONDS: '600',
  });
  await eventually('op-410 leads', () => isLeader(op), 60_000);
  kube.kubectl(['apply', '-f', '-'], { input: pbYaml('before-410', { region: 'GB', count: 100 }) });
  await waitSucceeded('before-410');
  const m0 = (await op.metrics())!;

  // Freeze the operator with an open watch; restart the apiserver (its watch cache starts
  // over, so the operator's resourceVersion is too old); change things; unfreeze.
  op.pause();
  try {
    await kube.restartApiserver();
    kube.kubectl(['apply', '-f', '-'], { input: pbYaml('during-410', { region: 'GB', count: 200 }) });
    kube.kubectl(['delete', 'pb', 'before-410', '-n', NS, '--wait=false']);
  } finally {
    op.resume();
  }
  await waitSucceeded('during-410');
  await assertStatusMatchesRows('during-410', 200);
  const gone = await kube.kubectlAsync(['wait', '-n', NS, 'pb/before-410', '--for=delete', '--timeout=120s']);
  assert.equal(gone.status, 0, `deleted object finalized: ${gone.stderr}`);

  const m1 = (await op.metrics())!;
  assert.ok(m1['phonebatch_operator_watch_expired_total']! >= 1, `a 410 was seen: ${JSON.stringify(m1)}`);
  assert.ok(
    m1['phonebatch_operator_informer_lists_total']! > m0['phonebatch_operator_informer_lists_total']!,
    're-listed',
  );
  await op.stop();
});

test('leader election: two operators, one Lease, only the holder acts; SIGKILL of the leader mid-batch fails over', async () => {
  const env = { ...FAST_LEASE, LEASE_NAME: 'op-pair' };
  const a = await operator('op-a', env);
  const b = await operator('op-b', env);
  await eventually('one leader', async () => (await isLeader(a)) !== (await isLeader(b)), 60_000);
  const [leader, standby] = (await isLeader(a)) ? [a, b] : [b, a];
  const lease = getJson(kube, ['lease', 'op-pair', '-n', 'default']);
  assert.equal(lease.spec.holderIdentity, leader.identity);

  kube.kubectl(['apply', '-f', '-'], { input: pbYaml('paired', { region: 'US', mode: 'random', count: 20000 }) });
  await waitSucceeded('paired');
  await assertStatusMatchesRows('paired', 20000);
  assert.equal(await isLeader(standby), false, 'still one leader');
  const events = getJson(kube, ['events', '-n', NS, '--field-selector', 'involvedObject.name=paired']).items;
  assert.ok(events.length >= 2);
  assert.deepEqual(
    [...new Set(events.map((e: any) => e.reportingInstance))],
    [leader.identity],
    'every Event came from the leader',
  );
  const sm = (await standby.metrics())!;
  assert.equal(sm['phonebatch_operator_workflows_started_total'], 0, 'standby started nothing');
  assert.equal(sm['phonebatch_operator_status_patches_total'], 0, 'standby wrote no status');
  assert.equal(sm['phonebatch_operator_informer_lists_total'], 0, 'standby does not even watch');

  // Failover: SIGKILL the leader right after it started a batch; the standby takes the
  // expired Lease and finishes mirroring the batch, without starting it again.
  kube.kubectl(['apply', '-f', '-'], { input: pbYaml('failover', { region: 'US', mode: 'random', count: 3_000_000 }) });
  await eventually(
    'failover started',
    async () => !!getJson(kube, ['pb', 'failover', '-n', NS]).status?.workflowId,
    120_000,
  );
  const atKill = getJson(kube, ['pb', 'failover', '-n', NS]).status;
  await leader.kill9();
  assert.equal(atKill.conditions.find((c: any) => c.type === 'Succeeded').status, 'Unknown', 'killed mid-batch');
  await eventually('standby takes over', () => isLeader(standby), 60_000);
  await waitSucceeded('failover');
  await assertStatusMatchesRows('failover', 3_000_000);
  assert.equal(getJson(kube, ['lease', 'op-pair', '-n', 'default']).spec.holderIdentity, standby.identity);
  assert.equal(
    (await standby.metrics())!['phonebatch_operator_workflows_started_total'],
    0,
    'the workflow was not started twice',
  );
  await standby.stop();
});

test('SIGKILL of the only operator mid-batch, then a restart: the batch completes with correct status', async () => {
  const env = { ...FAST_LEASE, LEASE_NAME: 'op-solo' };
  const first = await operator('op-solo-1', env);
  await eventually('op-solo-1 leads', () => isLeader(first), 60_000);
  kube.kubectl(['apply', '-f', '-'], {
    input: pbYaml('crash', { region: 'US', mode: 'random', count: 3_000_000, seed: 'crash' }),
  });
  await eventually('crash started', async () => !!getJson(kube, ['pb', 'crash', '-n', NS]).status?.workflowId, 120_000);
  const atKill = getJson(kube, ['pb', 'crash', '-n', NS]).status;
  await first.kill9();
  assert.equal(atKill.conditions.find((c: any) => c.type === 'Succeeded').status, 'Unknown', 'killed mid-batch');

  const second = await operator('op-solo-2', env);
  await waitSucceeded('crash');
  await assertStatusMatchesRows('crash', 3_000_000);
  const m = (await second.metrics())!;
  assert.equal(
    m['phonebatch_operator_workflows_started_total'],
    0,
    'the restarted operator did not start the batch again',
  );
  const pb = getJson(kube, ['pb', 'crash', '-n', NS]);
  assert.equal(pb.status.workflowId, atKill.workflowId);
  const reasons = getJson(kube, ['events', '-n', NS, '--field-selector', 'involvedObject.name=crash']).items.map(
    (e: any) => e.reason,
  );
  assert.ok(reasons.includes('Succeeded'), reasons.join(','));
});
