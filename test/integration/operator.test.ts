/**
 * The operator end to end, all real: etcd + kube-apiserver, the Temporal dev server, embedded
 * PostgreSQL, a worker process and the operator process (`node --import tsx operator/main.ts`).
 * The operator authenticates as the Helm chart's ServiceAccount (TokenRequest token) with the
 * chart's RBAC. kubectl applies the CRD and the examples; `kubectl wait --for=condition=Succeeded` returns;
 * status counts equal the rows in PostgreSQL; deleting a running batch cancels its workflow.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startStack, eventually, ROOT, type Stack } from '../support/stack.ts';
import {
  startKube,
  startOperator,
  installCrd,
  getJson,
  operatorServiceAccount,
  type KubeCluster,
  type OperatorProcess,
} from '../support/kube.ts';
import { workflowIdFor } from '../../workflows/shared.ts';
import { spawnSync } from 'node:child_process';
import { buildServer } from '../../api/server.ts';
import { http, openWs } from '../support/clients.ts';

let stack: Stack;
let kube: KubeCluster;
let op: OperatorProcess;
const NS = 'batches';

before(async () => {
  [stack, kube] = await Promise.all([startStack(), startKube()]);
  installCrd(kube);
  kube.kubectl(['create', 'namespace', NS]);
  await stack.startWorker();
  // The operator runs as the chart's ServiceAccount, so its least-privilege RBAC is exercised.
  const sa = operatorServiceAccount(kube, 'phonebatch-system');
  op = await startOperator({
    kubeconfig: sa.kubeconfig,
    databaseUrl: stack.config.databaseUrl,
    temporalAddress: stack.config.temporalAddress,
    taskQueue: stack.config.taskQueue,
    temporalUiUrl: stack.config.temporalUiUrl,
    identity: 'operator-0',
    extra: {
      POD_NAMESPACE: 'phonebatch-system',
      LEASE_NAME: sa.leaseName,
      LEASE_DURATION_SECONDS: '4',
      RENEW_DEADLINE_SECONDS: '3',
      RETRY_PERIOD_SECONDS: '1',
      RESYNC_SECONDS: '20',
    },
  });
  await eventually(
    'operator holds the Lease',
    async () => (await op.metrics())?.['phonebatch_operator_is_leader'] === 1,
    60_000,
  ).catch((err) => {
    throw new Error(`${err.message}\n${op.output()}`);
  });
});

after(async () => {
  await op?.stop();
  await kube?.stop();
  await stack?.stop();
});

/** Rows stored for a batch, counted in PostgreSQL. */
async function stored(batchId: string) {
  const r = await stack.pool.query(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE valid)::int AS valid, count(*) FILTER (WHERE NOT valid)::int AS invalid,
            (SELECT coalesce(sum(rows), 0)::int FROM batch_chunks WHERE batch_id = $1) AS rows
     FROM numbers WHERE batch_id = $1`,
    [batchId],
  );
  return r.rows[0] as { n: number; valid: number; invalid: number; rows: number };
}

function waitSucceeded(name: string, timeout = '240s') {
  return kube.kubectlAsync(['wait', '-n', NS, `pb/${name}`, '--for=condition=Succeeded', `--timeout=${timeout}`]);
}

function events(name: string): Array<{ reason: string; type: string; reportingInstance?: string; message: string }> {
  return getJson(kube, ['events', '-n', NS, '--field-selector', `involvedObject.name=${name}`]).items;
}

test('full path: kubectl apply → workflow → rows in Postgres → kubectl wait Succeeded', async () => {
  kube.kubectl(['apply', '-n', NS, '-f', join(ROOT, 'examples/generate-gb.yaml')]);
  const w = await waitSucceeded('gb-fictional');
  assert.equal(w.status, 0, `kubectl wait: ${w.stderr}\n${op.output()}`);

  const pb = getJson(kube, ['pb', 'gb-fictional', '-n', NS]);
  const uid: string = pb.metadata.uid;
  const s = pb.status;
  const db = await stored(uid);
  assert.equal(s.processed, 1000);
  assert.equal(s.total, 1000);
  assert.equal(s.processed, db.n, 'status.processed = numbers rows');
  assert.equal(s.valid, db.valid);
  assert.equal(s.invalid, db.invalid);
  assert.equal(s.progress, '1000/1000');
  assert.equal(s.observedGeneration, pb.metadata.generation);
  assert.equal(s.workflowId, workflowIdFor(uid));
  assert.equal(s.batchId, uid);
  assert.ok(s.runId);
  assert.ok(
    s.temporalUiUrl.startsWith(stack.config.temporalUiUrl) && s.temporalUiUrl.includes(s.workflowId),
    s.temporalUiUrl,
  );
  assert.ok(s.startedAt && s.finishedAt && s.finishedAt >= s.startedAt);
  const cond = Object.fromEntries(s.conditions.map((c: any) => [c.type, c]));
  assert.deepEqual([cond.Succeeded.status, cond.Succeeded.reason], ['True', 'Succeeded']);
  assert.deepEqual([cond.Progressing.status, cond.Ready.status], ['False', 'True']);
  assert.equal(cond.Stalled, undefined);
  for (const c of s.conditions)
    assert.ok(c.lastTransitionTime && c.message && /^[A-Z][A-Za-z]*$/.test(c.reason), JSON.stringify(c));
  assert.ok(pb.metadata.finalizers.includes('phonebatch.io/cleanup'));

  const row = (await stack.pool.query('SELECT status, project FROM batches WHERE id = $1', [uid])).rows[0];
  assert.deepEqual(row, { status: 'succeeded', project: NS });

  const reasons = events('gb-fictional').map((e) => e.reason);
  assert.ok(reasons.includes('Started') && reasons.includes('Succeeded'), reasons.join(','));

  const table = kube.kubectl(['get', 'pb', '-n', NS]).stdout;
  const [header, line] = table.trim().split('\n');
  assert.deepEqual(header!.split(/\s+/), ['NAME', 'OPERATION', 'REGION', 'REQUESTED', 'PROGRESS', 'SUCCEEDED', 'AGE']);
  assert.deepEqual(line!.split(/\s+/).slice(0, 6), ['gb-fictional', 'generate', 'GB', '1000', '1000/1000', 'True']);
});

test('the four views of one batch agree: REST, WebSocket, `phonebatch status` and the PhoneBatch status', async () => {
  const { token } = await stack.projects.createToken(NS);
  const api = await buildServer({
    service: stack.service,
    projects: stack.projects,
    options: { rateLimitPerMinute: 1_000_000 },
  });
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `127.0.0.1:${(api.app.server.address() as { port: number }).port}`;
  const sock = await openWs(`ws://${base}/ws/tasks/`, token);
  const count = 3_000_000;
  try {
    kube.kubectl(['apply', '-n', NS, '-f', '-'], {
      input: `apiVersion: phonebatch.io/v1alpha1\nkind: PhoneBatch\nmetadata: {name: views}\nspec:\n  generate: {region: US, mode: random, count: ${count}, seed: views}\n`,
    });
    const crOf = () => getJson(kube, ['pb', 'views', '-n', NS]);
    await eventually('the batch runs', async () => (crOf().status?.processed ?? 0) > 0, 120_000);
    const uid: string = crOf().metadata.uid;
    /** The four views, read in this order: each is the batch's state at the moment it was read. */
    const views = async () => {
      const cr = crOf().status;
      const rest = (await http(`http://${base}`, `/api/v1/batches/${uid}`, { token })).json;
      sock.send({ type: 'get_task_status', task_id: uid });
      const ws = (await sock.next((m) => m.type === 'task_status' && m.task.task_id === uid && !m.seen)).task;
      sock.messages.forEach((m) => (m.seen = true));
      const cli = spawnSync(process.execPath, [join(ROOT, 'bin/phonebatch.mjs'), 'status', uid, '--project', NS], {
        encoding: 'utf8',
        env: {
          ...process.env,
          PHONEBATCH_DATABASE_URL: stack.config.databaseUrl,
          TEMPORAL_ADDRESS: stack.config.temporalAddress,
          PHONEBATCH_TASK_QUEUE: stack.config.taskQueue,
        },
      });
      assert.equal(cli.status, 0, cli.stderr);
      const st = JSON.parse(cli.stdout);
      const succeeded = cr.conditions.find((c: { type: string }) => c.type === 'Succeeded');
      return [
        {
          via: 'PhoneBatch',
          status:
            succeeded.status === 'True' ? 'succeeded' : succeeded.reason === 'Running' ? 'running' : succeeded.reason,
          total: cr.total,
          processed: cr.processed,
          valid: cr.valid,
          invalid: cr.invalid,
        },
        {
          via: 'REST',
          status: rest.status,
          total: rest.total,
          processed: rest.processed,
          valid: rest.valid,
          invalid: rest.invalid,
        },
        {
          via: 'WebSocket',
          status: ws.status,
          total: ws.total_items,
          processed: ws.processed_items,
          valid: ws.valid_items,
          invalid: ws.invalid_items,
        },
        {
          via: 'phonebatch status',
          status: st.status,
          total: st.total,
          processed: st.processed,
          valid: st.valid,
          invalid: st.invalid,
        },
      ];
    };

    // While it runs: one status, one total, and counts that add up in every view. The two views
    // read live (REST, then the CLI) only grow from one to the next; the PhoneBatch status and the
    // WebSocket hub answer from progress they sampled up to a poll interval earlier.
    const live = await views();
    for (const v of live) {
      assert.deepEqual([v.status, v.total], ['running', count], JSON.stringify(v));
      assert.equal(v.valid + v.invalid, v.processed, JSON.stringify(v));
      assert.ok(v.processed < count, `${v.via}: still running when read`);
    }
    const [, rest, , cli] = live;
    assert.ok(cli!.processed >= rest!.processed, `phonebatch status behind REST: ${JSON.stringify(live)}`);

    // After it ends: all four are the same, and equal the rows stored.
    const w = await waitSucceeded('views');
    assert.equal(w.status, 0, w.stderr);
    const done = await views();
    const db = await stored(uid);
    const want = { status: 'succeeded', total: count, processed: count, valid: db.valid, invalid: db.invalid };
    for (const { via, ...v } of done) assert.deepEqual(v, want, via);
    assert.equal(db.n, count);
  } finally {
    await sock.close();
    await api.app.close();
  }
});

test('validate batches: inline and ConfigMap sources', async () => {
  kube.kubectl([
    'apply',
    '-n',
    NS,
    '-f',
    join(ROOT, 'examples/validate-inline.yaml'),
    '-f',
    join(ROOT, 'examples/validate-configmap.yaml'),
  ]);
  for (const name of ['validate-inline', 'validate-configmap']) {
    const w = await waitSucceeded(name);
    assert.equal(w.status, 0, `${name}: ${w.stderr}\n${op.output()}`);
    const pb = getJson(kube, ['pb', name, '-n', NS]);
    const db = await stored(pb.metadata.uid);
    assert.equal(pb.status.operation, 'validate');
    assert.equal(pb.status.valid, db.valid, name);
    assert.equal(pb.status.invalid, db.invalid, name);
    assert.equal(pb.status.processed, db.rows, name);
    assert.ok(pb.status.valid > 0 && pb.status.invalid > 0, JSON.stringify(pb.status));
  }
  const inline = getJson(kube, ['pb', 'validate-inline', '-n', NS]);
  assert.equal(inline.status.processed, 8, 'eight input rows');
  const cm = getJson(kube, ['pb', 'validate-configmap', '-n', NS]);
  assert.equal(cm.status.processed, 4, 'four ConfigMap lines');
});

test('a ConfigMap that does not exist stalls the batch until it appears', async () => {
  const yaml = `apiVersion: phonebatch.io/v1alpha1
kind: PhoneBatch
metadata: {name: late-source}
spec: {validate: {defaultRegion: GB, source: {configMapKeyRef: {name: late, key: list}}}}
`;
  kube.kubectl(['apply', '-n', NS, '-f', '-'], { input: yaml });
  await eventually('Stalled=True SourceNotFound', async () => {
    const c = getJson(kube, ['pb', 'late-source', '-n', NS]).status?.conditions ?? [];
    return c.some((x: any) => x.type === 'Stalled' && x.status === 'True' && x.reason === 'SourceNotFound');
  });
  kube.kubectl(['create', 'configmap', 'late', '-n', NS, '--from-literal=list=+44 20 7946 0000']);
  const w = await waitSucceeded('late-source');
  assert.equal(w.status, 0, w.stderr);
  const pb = getJson(kube, ['pb', 'late-source', '-n', NS]);
  assert.equal(
    pb.status.conditions.find((c: any) => c.type === 'Stalled'),
    undefined,
    'Stalled removed once unblocked',
  );
});

test('deleting a running PhoneBatch cancels its workflow; rows go with deletionPolicy Delete', async () => {
  const yaml = `apiVersion: phonebatch.io/v1alpha1
kind: PhoneBatch
metadata: {name: big}
spec:
  generate: {region: US, mode: random, count: 50000000, seed: big}
  deletionPolicy: Delete
`;
  kube.kubectl(['apply', '-n', NS, '-f', '-'], { input: yaml });
  // Progress is mirrored while the workflow runs: Succeeded Unknown with rows processed.
  let uid = '';
  await eventually(
    'progress mirrored mid-batch',
    async () => {
      const pb = getJson(kube, ['pb', 'big', '-n', NS]);
      uid = pb.metadata.uid;
      const c = (pb.status?.conditions ?? []).find((x: any) => x.type === 'Succeeded');
      return c?.status === 'Unknown' && c.reason === 'Running' && pb.status.processed > 0;
    },
    180_000,
  );
  const mid = getJson(kube, ['pb', 'big', '-n', NS]).status;
  assert.match(mid.progress, /^\d+\/50000000$/);

  const del = await kube.kubectlAsync(['delete', 'pb', 'big', '-n', NS, '--wait=true', '--timeout=180s']);
  assert.equal(del.status, 0, `${del.stderr}\n${op.output()}`);
  assert.equal(kube.kubectl(['get', 'pb', 'big', '-n', NS], { allowFail: true }).status, 1, 'object is gone');

  const desc = await stack.client.workflow.getHandle(workflowIdFor(uid)).describe();
  assert.equal(desc.status.name, 'CANCELLED');
  const db = await stored(uid);
  assert.deepEqual([db.n, db.rows], [0, 0], 'deletionPolicy Delete removed the rows');
  const row = await stack.pool.query('SELECT 1 FROM batches WHERE id = $1', [uid]);
  assert.equal(row.rowCount, 0);
  const reasons = events('big').map((e) => e.reason);
  assert.ok(
    reasons.includes('Started') && reasons.includes('Cancelling') && reasons.includes('RowsDeleted'),
    reasons.join(','),
  );
});

test('spec.cancel cancels a running batch; its status ends Cancelled with counts equal to the stored rows (rows kept)', async () => {
  const yaml = (cancel: boolean) => `apiVersion: phonebatch.io/v1alpha1
kind: PhoneBatch
metadata: {name: to-cancel}
spec:
  generate: {region: US, mode: random, count: 50000000, seed: cancel}
  cancel: ${cancel}
`;
  kube.kubectl(['apply', '-n', NS, '-f', '-'], { input: yaml(false) });
  await eventually(
    'running',
    async () => (getJson(kube, ['pb', 'to-cancel', '-n', NS]).status?.processed ?? 0) > 0,
    180_000,
  );
  kube.kubectl(['apply', '-n', NS, '-f', '-'], { input: yaml(true) });
  const w = await kube.kubectlAsync([
    'wait',
    '-n',
    NS,
    'pb/to-cancel',
    '--for=jsonpath={.status.conditions[?(@.type=="Succeeded")].reason}=Cancelled',
    '--timeout=180s',
  ]);
  assert.equal(w.status, 0, `${w.stderr}\n${op.output()}`);
  const pb = getJson(kube, ['pb', 'to-cancel', '-n', NS]);
  const db = await stored(pb.metadata.uid);
  assert.equal(pb.status.processed, db.n);
  assert.equal(pb.status.valid, db.valid);
  const succeeded = pb.status.conditions.find((c: any) => c.type === 'Succeeded');
  assert.deepEqual([succeeded.status, succeeded.reason], ['False', 'Cancelled']);
  assert.ok(events('to-cancel').some((e) => e.reason === 'Cancelled'));
  // Keep (default): deleting the object leaves the rows.
  kube.kubectl(['delete', 'pb', 'to-cancel', '-n', NS, '--timeout=60s']);
  assert.equal((await stored(pb.metadata.uid)).n, db.n);
});

/** The conditions of a PhoneBatch by type (empty until the first status write). */
function conditions(name: string, ns = NS): Record<string, { status: string; reason: string; message: string }> {
  const pb = getJson(kube, ['pb', name, '-n', ns]);
  return Object.fromEntries((pb.status?.conditions ?? []).map((c: any) => [c.type, c]));
}

/** True if Temporal has no workflow for the batch `uid` (the operator never started one). */
async function noWorkflow(uid: string): Promise<boolean> {
  try {
    await stack.client.workflow.getHandle(workflowIdFor(uid)).describe();
    return false;
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') return true;
    throw err;
  }
}

test('a spec the CRD accepts but the batch-spec check rejects settles at InvalidSpec and stops writing status', async () => {
  // 20,000 GB fictional numbers (only 15,000 exist); a NUL inside an inline number.
  const tooMany = `apiVersion: phonebatch.io/v1alpha1
kind: PhoneBatch
metadata: {name: gb-too-many}
spec: {generate: {region: GB, count: 20000}}
`;
  const nul = JSON.stringify({
    apiVersion: 'phonebatch.io/v1alpha1',
    kind: 'PhoneBatch',
    metadata: { name: 'inline-nul' },
    spec: { validate: { defaultRegion: 'GB', source: { inline: ['+44 20 7946 0000', '+44 20 7946\u00000001'] } } },
  });
  kube.kubectl(['apply', '-n', NS, '-f', '-'], { input: tooMany });
  kube.kubectl(['apply', '-n', NS, '-f', '-'], { input: nul });
  for (const [name, field] of [
    ['gb-too-many', 'generate.count'],
    ['inline-nul', 'validate.source.inline.1'],
  ] as const) {
    await eventually(
      `${name}: Succeeded=False InvalidSpec`,
      async () => {
        const s = conditions(name).Succeeded;
        return s?.status === 'False' && s.reason === 'InvalidSpec';
      },
      60_000,
    );
    const c = conditions(name);
    assert.ok(c.Succeeded!.message.includes(field), `${name}: ${c.Succeeded!.message}`);
    assert.equal(c.Progressing?.status, 'False', name);
    assert.equal(c.Ready?.status, 'False', name);
    assert.equal(c.Stalled?.status, 'True', name);
  }
  // Settled: no status (or other) writes any more, so resourceVersion stops changing.
  const rv = () =>
    ['gb-too-many', 'inline-nul'].map((n) => getJson(kube, ['pb', n, '-n', NS]).metadata.resourceVersion);
  await new Promise((r) => setTimeout(r, 2000));
  const first = rv();
  await new Promise((r) => setTimeout(r, 4000));
  assert.deepEqual(rv(), first, 'resourceVersion unchanged: status is not rewritten');
  for (const name of ['gb-too-many', 'inline-nul']) {
    const s = conditions(name).Succeeded!;
    assert.deepEqual([s.status, s.reason], ['False', 'InvalidSpec'], name);
    const uid = getJson(kube, ['pb', name, '-n', NS]).metadata.uid;
    assert.ok(await noWorkflow(uid), `${name}: no workflow started`);
    assert.equal(
      (await stack.pool.query('SELECT 1 FROM batches WHERE id = $1', [uid])).rowCount,
      0,
      `${name}: no batch row`,
    );
  }
  assert.ok(events('gb-too-many').some((e) => e.reason === 'InvalidSpec' && e.type === 'Warning'));
  kube.kubectl(['delete', 'pb', 'gb-too-many', 'inline-nul', '-n', NS, '--timeout=60s']);
});

test('spec.cancel true at creation: Succeeded=False Cancelled, no workflow started', async () => {
  const yaml = `apiVersion: phonebatch.io/v1alpha1
kind: PhoneBatch
metadata: {name: cancelled-early}
spec:
  generate: {region: GB, count: 10}
  cancel: true
`;
  kube.kubectl(['apply', '-n', NS, '-f', '-'], { input: yaml });
  const w = await kube.kubectlAsync([
    'wait',
    '-n',
    NS,
    'pb/cancelled-early',
    '--for=condition=Succeeded=False',
    '--timeout=120s',
  ]);
  assert.equal(w.status, 0, `${w.stderr}\n${op.output()}`);
  const c = conditions('cancelled-early');
  assert.deepEqual([c.Succeeded!.status, c.Succeeded!.reason], ['False', 'Cancelled']);
  assert.deepEqual([c.Progressing!.status, c.Progressing!.reason], ['False', 'Cancelled']);
  assert.equal(c.Ready!.status, 'False');
  const uid = getJson(kube, ['pb', 'cancelled-early', '-n', NS]).metadata.uid;
  assert.ok(await noWorkflow(uid), 'no workflow started');
  assert.equal((await stack.pool.query('SELECT 1 FROM batches WHERE id = $1', [uid])).rowCount, 0, 'no batch row');
  await eventually(
    'Cancelled event',
    async () => events('cancelled-early').some((e) => e.reason === 'Cancelled'),
    30_000,
  );
  kube.kubectl(['delete', 'pb', 'cancelled-early', '-n', NS, '--timeout=60s']);
});

test('batchRef: a batch that does not exist (or is in another project) is InvalidSpec; one in the project validates its numbers', async () => {
  const ref = (name: string, uuid: string) => `apiVersion: phonebatch.io/v1alpha1
kind: PhoneBatch
metadata: {name: ${name}}
spec: {validate: {defaultRegion: GB, source: {batchRef: ${uuid}}}}
`;
  const missing = randomUUID();
  const inlineUid: string = getJson(kube, ['pb', 'validate-inline', '-n', NS]).metadata.uid;
  kube.kubectl(['create', 'namespace', 'other-project']);
  kube.kubectl(['apply', '-n', NS, '-f', '-'], { input: ref('ref-missing', missing) });
  kube.kubectl(['apply', '-n', 'other-project', '-f', '-'], { input: ref('ref-foreign', inlineUid) });
  kube.kubectl(['apply', '-n', NS, '-f', '-'], { input: ref('ref-ok', inlineUid) });
  for (const [name, ns, uuid] of [
    ['ref-missing', NS, missing],
    ['ref-foreign', 'other-project', inlineUid],
  ] as const) {
    const w = await kube.kubectlAsync([
      'wait',
      '-n',
      ns,
      `pb/${name}`,
      '--for=condition=Succeeded=False',
      '--timeout=120s',
    ]);
    assert.equal(w.status, 0, `${name}: ${w.stderr}\n${op.output()}`);
    const s = conditions(name, ns).Succeeded!;
    assert.equal(s.reason, 'InvalidSpec', `${name}: ${JSON.stringify(s)}`);
    assert.ok(s.message.includes('spec.validate.source.batchRef') && s.message.includes(uuid), s.message);
    assert.ok(await noWorkflow(getJson(kube, ['pb', name, '-n', ns]).metadata.uid), `${name}: no workflow started`);
  }
  const w = await waitSucceeded('ref-ok');
  assert.equal(w.status, 0, `${w.stderr}\n${op.output()}`);
  const ok = getJson(kube, ['pb', 'ref-ok', '-n', NS]);
  const source = await stored(inlineUid);
  assert.ok(source.n > 0);
  assert.equal(ok.status.processed, source.n, 'every stored number of validate-inline');
  assert.equal(ok.status.processed, (await stored(ok.metadata.uid)).n);
});

test('the operator started each workflow once and exposes metrics', async () => {
  const m = (await op.metrics())!;
  assert.equal(m['phonebatch_operator_is_leader'], 1);
  assert.equal(
    m['phonebatch_operator_workflows_started_total'],
    8,
    'seven examples/tests (one of them the four-views batch) plus ref-ok; no invalid or cancelled batch started',
  );
  assert.ok(m['phonebatch_operator_status_patches_total']! > 0);
});
