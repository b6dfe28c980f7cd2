/**
 * End to end through the batch service and the real services: Temporal dev server → worker
 * process → PostgreSQL. Covers exact row counts, agreement with `phonebatch check`, crash
 * recovery (kill -9) and cancellation (docs/architecture.md, O1, O3).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure, ApplicationFailure } from '@temporalio/common';
import { startStack, eventually, ROOT, type Stack, type WorkerProcess } from '../support/stack.ts';
import { startWorkflow } from '../../workflows/client.ts';
import { workflowIdFor } from '../../workflows/shared.ts';
import { insertBatch } from '../../db/batches.ts';
import { countInputs } from '../../db/inputs.ts';
import { BatchService } from '../../batches/service.ts';
import { BatchRefNotFoundError, SpecError } from '../../batches/errors.ts';
import type { BatchSpec } from '../../batches/spec.ts';

let stack: Stack;
let worker: WorkerProcess;

before(async () => {
  stack = await startStack();
  worker = await stack.startWorker();
});
after(async () => {
  await stack?.stop();
});

async function rowStats(batchId: string) {
  const r = await stack.pool.query(
    `SELECT count(*)::int AS rows, count(DISTINCT e164)::int AS distinct_e164,
            count(DISTINCT (seq, part))::int AS distinct_keys, count(*) FILTER (WHERE valid)::int AS valid
     FROM numbers WHERE batch_id = $1`,
    [batchId],
  );
  return r.rows[0] as { rows: number; distinct_e164: number; distinct_keys: number; valid: number };
}

const start = (spec: BatchSpec, project = 'default') => stack.service.submit({ project, spec });
const wait = (batchId: string, project = 'default') => stack.service.wait(project, batchId);
const read = (batchId: string, project = 'default') => stack.service.read(project, batchId);
const processed = async (batchId: string) => (await stack.service.live(batchId, 2000)).processed;
/** How the batch's workflow ended: its failure, or null when it completed. */
const workflowError = (batchId: string) =>
  stack.client.workflow
    .getHandle(workflowIdFor(batchId))
    .result()
    .then(
      () => null,
      (e: unknown) => e,
    );

test('generate 200k random numbers: exactly 200k unique, valid rows; counts recorded', async () => {
  const { batchId } = await start({
    generate: { region: 'US', mode: 'random', count: 200_000, areaCodes: ['212', '646', '917'], seed: 't1' },
  });
  const final = await wait(batchId);
  assert.equal(final.status, 'succeeded');
  assert.deepEqual(
    { total: final.total, processed: final.processed, valid: final.valid },
    { total: 200_000, processed: 200_000, valid: 200_000 },
  );
  const s = await rowStats(batchId);
  assert.deepEqual(s, { rows: 200_000, distinct_e164: 200_000, distinct_keys: 200_000, valid: 200_000 });
  const npa = await stack.pool.query(
    `SELECT DISTINCT substr(e164, 3, 3) AS npa FROM numbers WHERE batch_id = $1 ORDER BY 1`,
    [batchId],
  );
  assert.deepEqual(
    npa.rows.map((r) => r.npa),
    ['212', '646', '917'],
  );
  const b = await read(batchId);
  assert.equal(b.status, 'succeeded');
  assert.equal(b.processed, 200_000);
  assert.match(b.libraryVersion, /^\d+\.\d+\.\d+$/);
  // Submitting the same batch again (e.g. an operator retrying) never runs a second workflow.
  const again = await stack.service.submit({ project: 'default', batchId, spec: b.spec });
  assert.equal(again.started, false);
  assert.equal((await rowStats(batchId)).rows, 200_000);
});

test('continue-as-new: a batch spread over several workflow runs is still exact', async () => {
  const { batchId } = await stack.service.submit({
    project: 'default',
    spec: { generate: { region: 'GB', mode: 'random', count: 300_000, numberType: 'MOBILE', seed: 'can' } },
    tuning: { chunksPerSlice: 1, parallelism: 2, maxSlicesPerRun: 4 },
  });
  const { runId } = await stack.client.workflow.getHandle(workflowIdFor(batchId)).describe();
  const final = await wait(batchId);
  assert.equal(final.processed, 300_000);
  const s = await rowStats(batchId);
  assert.deepEqual(s, { rows: 300_000, distinct_e164: 300_000, distinct_keys: 300_000, valid: 300_000 });
  // 12 chunks at 4 slices per run: the workflow continued as new twice.
  const latest = await stack.client.workflow.getHandle(`phonebatch-${batchId}`).describe();
  assert.notEqual(latest.runId, runId);
  const types = await stack.pool.query(`SELECT DISTINCT number_type FROM numbers WHERE batch_id = $1`, [batchId]);
  assert.deepEqual(
    types.rows.map((r) => r.number_type),
    ['MOBILE'],
  );
});

test('a spec the numbering plan cannot satisfy is rejected before any workflow starts', async () => {
  // NANP reserves exactly 100 fictional numbers (555-0100…0199) per area code.
  await assert.rejects(
    start({ generate: { region: 'US', mode: 'fictional', count: 101, areaCodes: ['212'] } }),
    (e: unknown) =>
      e instanceof SpecError &&
      e.issues.some((i) => i.field === 'generate.count' && /only 100 fictional numbers/.test(i.reason)),
  );
  await assert.rejects(
    start({ generate: { region: 'US', mode: 'random', count: 5, numberType: 'MOBILE' } }),
    (e: unknown) =>
      e instanceof SpecError &&
      e.issues.some((i) => i.field === 'generate.numberType' && /FIXED_LINE_OR_MOBILE/.test(i.reason)),
  );
  const pending = await stack.pool.query(
    `SELECT count(*)::int AS n FROM batches WHERE spec->'generate'->>'region' = 'US' AND spec->'generate'->>'numberType' = 'MOBILE'`,
  );
  assert.equal(pending.rows[0].n, 0);
});

test('a workflow whose stored inputs are short fails at once, non-retryable', async () => {
  // A job naming 5 input rows when none are stored (the service never starts one like this):
  // prepareBatch verifies the stored rows and fails with InputsMissing.
  const batchId = randomUUID();
  const workflowId = workflowIdFor(batchId);
  await insertBatch(stack.pool, {
    id: batchId,
    project: 'default',
    operation: 'validate',
    spec: { validate: {} },
    workflowId,
    libraryVersion: 'test',
  });
  await startWorkflow(stack.client, stack.config.taskQueue, { batchId, job: { validate: { rows: 5 } } });
  const err = await workflowError(batchId);
  assert.ok(err instanceof WorkflowFailedError, String(err));
  const cause = err.cause;
  assert.ok(cause instanceof ApplicationFailure);
  assert.equal(cause.type, 'InputsMissing');
  assert.match(cause.message, /5 input rows expected but 0 are stored/);
  const b = await read(batchId);
  assert.equal(b.status, 'failed');
  assert.match(b.error!, /5 input rows expected/);
  // Not retried: the prepare activity ran exactly once.
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const attempts = history
    .events!.filter((e) => e.activityTaskStartedEventAttributes)
    .map((e) => e.activityTaskStartedEventAttributes!.attempt);
  assert.deepEqual(attempts.slice(0, 1), [1]);
});

test('a batch id submitted again, even concurrently, keeps the inputs its workflow started with', async () => {
  // A task queue no worker polls: each workflow starts and then waits, its batch still pending.
  const idle = new BatchService({ pool: stack.pool, temporal: stack.client, taskQueue: `idle-${randomUUID()}` });
  const rowsOf = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ raw: `+44 20 7946 0${tag}${i}` }));
  const submit = (batchId: string, n: number, tag: string) =>
    idle.submit({ project: 'default', spec: { validate: {} }, rows: rowsOf(n, tag), batchId });
  const again = randomUUID();
  const together = randomUUID();
  try {
    const first = await submit(again, 3, '1');
    assert.deepEqual([first.started, first.rows], [true, 3]);
    const second = await submit(again, 5, '2');
    assert.equal(second.started, false);
    assert.equal(await countInputs(stack.pool, again), 3, 'the second submit replaced the stored inputs');
    const stored = await stack.pool.query('SELECT raw FROM batch_inputs WHERE batch_id = $1 ORDER BY row_no', [again]);
    assert.deepEqual(
      stored.rows.map((r) => r.raw),
      rowsOf(3, '1').map((r) => r.raw),
    );

    const all = await Promise.all([2, 3, 4, 5].map((n) => submit(together, n, String(n))));
    const started = all.filter((s) => s.started);
    assert.equal(started.length, 1, JSON.stringify(all));
    assert.equal(await countInputs(stack.pool, together), started[0]!.rows);
    assert.equal((await read(together)).status, 'pending');
  } finally {
    for (const id of [again, together]) {
      await stack.client.workflow
        .getHandle(workflowIdFor(id))
        .terminate('test over')
        .catch(() => {});
      await stack.pool.query('DELETE FROM batch_inputs WHERE batch_id = $1', [id]);
      await stack.pool.query('DELETE FROM batches WHERE id = $1', [id]);
    }
  }
});

test('cancel while the batch is still being prepared: it stays cancelled', async () => {
  // Regression: prepareBatch was not awaited on cancel and marked the batch running afterwards.
  const source = await start({ generate: { region: 'US', mode: 'random', count: 600_000, seed: 'prep' } });
  await wait(source.batchId);
  const { batchId } = await start({ validate: { source: { batchRef: source.batchId } } });
  await stack.service.cancel('default', batchId);
  await wait(batchId);
  await new Promise((r) => setTimeout(r, 2000));
  const b = await read(batchId);
  assert.equal(b.status, 'cancelled');
  // Its counts are the ledger's: whatever chunks committed before the cancel, no more.
  const ledger = await stack.pool.query(
    'SELECT coalesce(sum(rows), 0)::int AS n FROM batch_chunks WHERE batch_id = $1',
    [batchId],
  );
  assert.equal(b.processed, ledger.rows[0].n);
});

test('batchRef re-checks exactly the numbers the referenced batch stored, shorthand and extension lists included', async () => {
  const inline = ['+27 (0) 31 905 4222/3/4', '+1 212 555 0100 x21, x22', 'not a number', '911'];
  const source = await start({ validate: { defaultRegion: 'US', source: { inline } } });
  assert.equal((await wait(source.batchId)).status, 'succeeded');
  const again = await start({ validate: { source: { batchRef: source.batchId } } });
  assert.equal((await wait(again.batchId)).status, 'succeeded');
  const numbers = async (id: string) =>
    (await stack.pool.query('SELECT e164, ext, valid, error FROM numbers WHERE batch_id = $1 ORDER BY seq, part', [id]))
      .rows;
  const before = await numbers(source.batchId);
  assert.equal(before.length, 7, 'three shorthand numbers, two extensions, a text row, a short number');
  assert.deepEqual(await numbers(again.batchId), before);
});

test("batchRef reads only a batch of the same project; another project's batch is not found", async () => {
  const secret = await start(
    { validate: { defaultRegion: 'GB', source: { inline: ['+44 20 7946 0999 secret-of-alpha'] } } },
    'alpha',
  );
  await wait(secret.batchId, 'alpha');
  const before = await stack.pool.query('SELECT count(*)::int AS n FROM batches');
  for (const ref of [secret.batchId, '5f0c2a7e-3b1d-4c8e-9a6f-2d4b8e1c7a90']) {
    // Refused at submit, before any workflow or row exists.
    await assert.rejects(
      start({ validate: { source: { batchRef: ref } } }, 'beta'),
      (e: unknown) =>
        e instanceof BatchRefNotFoundError && /validate\.source\.batchRef: no batch .* in project beta/.test(e.message),
    );
  }
  assert.deepEqual((await stack.pool.query('SELECT count(*)::int AS n FROM batches')).rows, before.rows);
  // The owner can, whatever the case of the id.
  const own = await start({ validate: { source: { batchRef: secret.batchId.toUpperCase() } } }, 'alpha');
  const final = await wait(own.batchId, 'alpha');
  assert.equal(final.processed, 2);
});

/** `phonebatch check <args>` over `inputs`, one JSON object per number found. */
function checkLines(args: string[], inputs: string[]): any[] {
  const cli = spawnSync(process.execPath, [join(ROOT, 'bin/phonebatch.mjs'), 'check', ...args], {
    input: inputs.join('\n') + '\n',
    encoding: 'utf8',
  });
  assert.equal(cli.status, 0, cli.stderr);
  return cli.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

/** The batch's stored rows as `phonebatch check` lines (seq → line, part → index, columns → fields). */
async function storedAsCheckLines(batchId: string): Promise<any[]> {
  const stored = await stack.pool.query(
    `SELECT seq, part, raw, valid, possible, e164, region, number_type, ext, national, error, detail,
            label, repairs, warnings, emergency, carrier_code
     FROM numbers WHERE batch_id = $1 ORDER BY seq, part`,
    [batchId],
  );
  return stored.rows.map((r) => ({
    line: Number(r.seq) + 1,
    index: r.part,
    input: r.raw,
    valid: r.valid,
    possible: r.possible,
    e164: r.e164,
    region: r.region,
    type: r.number_type,
    ext: r.ext,
    national: r.national,
    error: r.error,
    detail: r.detail,
    label: r.label,
    repairs: r.repairs,
    warnings: r.warnings,
    emergency: r.emergency,
    carrierCode: r.carrier_code,
  }));
}

test('validate job rows equal `phonebatch check` for the same input', async () => {
  const inputs = [
    '+44 20 7946 0123, +44 20 7946 0124',
    '07624 300123',
    '020 7946 0000 / 020 7946 0001',
    '1-800-FAKE-NUM',
    'a21255a50123a',
    '0232 0323 2332 3223 222',
    '+49 (0)151 2345 6789',
    'Tel: 0161 496 0000 ext. 12',
    '0049 89 1234 5678',
    '+1 212 555 0123',
    'Fax: +44 20 7946 0999',
    '999',
    '',
    'n/a',
  ];
  const { batchId } = await start({ validate: { defaultRegion: 'GB', source: { inline: inputs } } });
  const final = await wait(batchId);
  assert.equal(final.status, 'succeeded');
  assert.equal(final.processed, inputs.length);

  const expected = checkLines(['--default-region', 'GB'], inputs);
  const stored = await storedAsCheckLines(batchId);
  assert.equal(stored.length, expected.length);
  // Every field of every line, the lists of codes (text[]) included: `{}` is stored as [], never NULL.
  stored.forEach((r, i) => assert.deepEqual(r, expected[i], `row ${i} (${JSON.stringify(expected[i].input)})`));
  for (const r of stored) assert.ok(Array.isArray(r.repairs) && Array.isArray(r.warnings), JSON.stringify(r));
  // Every input line is accounted for: nothing silently dropped.
  assert.deepEqual(
    [...new Set(expected.map((e) => e.line))],
    inputs.map((_, i) => i + 1),
  );
});

test("a validate batch reads every row with its spec's repairs, defaultAreaCode and numericSource, as `phonebatch check` with the same flags", async () => {
  const inputs = ['123 4567', 'Fax: 123 4568', '030 1234567', '612345678', '+49 30 1234567', '4930 1234 5678', '110'];
  const { batchId } = await start({
    validate: {
      defaultRegion: 'DE',
      repairs: 'all',
      defaultAreaCode: '30',
      numericSource: true,
      source: { inline: inputs },
    },
  });
  assert.equal((await wait(batchId)).status, 'succeeded');
  const withFlags = checkLines(
    ['--default-region', 'DE', '--repairs', 'all', '--default-area-code', '30', '--numeric-source'],
    inputs,
  );
  assert.deepEqual(await storedAsCheckLines(batchId), withFlags);
  // The summary counts every code of every number, most first (ties by code).
  const tally = (key: 'repairs' | 'warnings' | 'label') => {
    const m = new Map<string, number>();
    for (const l of withFlags)
      for (const c of key === 'label' ? [l.label].filter(Boolean) : l[key]) m.set(c, (m.get(c) ?? 0) + 1);
    return [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k, count]) => ({ key: k, count }));
  };
  const summary = await stack.service.summary('default', batchId);
  assert.deepEqual(
    { repairs: summary.repairs, warnings: summary.warnings, labels: summary.labels },
    { repairs: tally('repairs'), warnings: tally('warnings'), labels: tally('label') },
  );
  // The options reached the worker: the spec is stored with them, and the job carries them.
  assert.deepEqual((await read(batchId)).spec, {
    validate: {
      defaultRegion: 'DE',
      repairs: 'all',
      defaultAreaCode: '30',
      numericSource: true,
      source: { inline: inputs },
    },
  });
  const started = await stack.client.workflow.getHandle(workflowIdFor(batchId)).fetchHistory();
  const input = started.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
  const job = JSON.parse(Buffer.from(input!).toString('utf8')).job;
  assert.deepEqual(
    {
      repairs: job.validate.repairs,
      defaultAreaCode: job.validate.defaultAreaCode,
      numericSource: job.validate.numericSource,
    },
    { repairs: 'all', defaultAreaCode: '30', numericSource: true },
  );
});

test('generated numbers leave label, repairs, warnings, emergency and carrier_code NULL; listed, the lists are []', async () => {
  const { batchId } = await start({ generate: { region: 'GB', count: 20 } });
  assert.equal((await wait(batchId)).status, 'succeeded');
  const r = await stack.pool.query(
    `SELECT count(*)::int AS n FROM numbers WHERE batch_id = $1 AND label IS NULL AND repairs IS NULL
       AND warnings IS NULL AND emergency IS NULL AND carrier_code IS NULL`,
    [batchId],
  );
  assert.equal(r.rows[0].n, 20);
  const page = await stack.service.numbers('default', batchId, { limit: 5 });
  for (const x of page.rows)
    assert.deepEqual(
      [x.label, x.repairs, x.warnings, x.emergency, x.carrierCode],
      [null, [], [], null, null],
      JSON.stringify(x),
    );
  const s = await stack.service.summary('default', batchId);
  assert.deepEqual([s.repairs, s.warnings, s.labels], [[], [], []]);
});

test('`phonebatch export | head` exits 0 when the reader goes away (EPIPE)', async () => {
  const { batchId } = await start({ generate: { region: 'GB', mode: 'random', count: 50_000, seed: 'pipe' } });
  await wait(batchId);
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [join(ROOT, 'bin/phonebatch.mjs'), 'export', batchId, '--format', 'ndjson'], {
    env: { ...process.env, PHONEBATCH_DATABASE_URL: stack.config.databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const first = await new Promise<string>((resolve) => child.stdout.once('data', (d) => resolve(String(d))));
  child.stdout.destroy(); // like `head -1` exiting
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  assert.match(first, /^\{"seq":0/);
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE/);
});

test('kill -9 the worker mid-batch: a new worker finishes with exactly the requested rows', async () => {
  const count = 1_500_000;
  const { batchId } = await start({ generate: { region: 'US', mode: 'random', count, seed: 'crash' } });
  await eventually('first chunks committed', async () => (await processed(batchId)) > 0, 120_000);
  const seenLive = await read(batchId);
  await worker.kill9();
  const before = (await rowStats(batchId)).rows;
  assert.ok(before < count, 'the worker was killed before the batch finished');
  // No worker answers the progress query now: the state falls back to the ledger, and the
  // progress shown never goes backwards (it was 0 here once).
  const dark = await read(batchId);
  assert.equal(dark.status, 'running');
  assert.equal(dark.countsFrom, 'ledger');
  // A COMMIT the worker sent just before it died may still land after `before` was counted.
  assert.ok(dark.processed >= before, `${dark.processed} < ${before} rows already stored`);
  assert.ok(dark.processed >= seenLive.processed, `${dark.processed} < ${seenLive.processed} seen before`);
  worker = await stack.startWorker();
  const final = await wait(batchId);
  assert.equal(final.status, 'succeeded');
  assert.equal(final.processed, count);
  assert.deepEqual(await rowStats(batchId), { rows: count, distinct_e164: count, distinct_keys: count, valid: count });
  const chunks = await stack.pool.query(
    'SELECT count(*)::int AS n, sum(rows)::int AS rows FROM batch_chunks WHERE batch_id = $1',
    [batchId],
  );
  assert.equal(chunks.rows[0].rows, count);
});

test('cancel mid-batch: the workflow ends cancelled and the stored rows match the counts', async () => {
  const { batchId } = await start({ generate: { region: 'US', mode: 'random', count: 20_000_000, seed: 'cancel' } });
  await eventually('first chunks committed', async () => (await processed(batchId)) > 0, 120_000);
  await stack.service.cancel('default', batchId);
  const err = await workflowError(batchId);
  assert.ok(err instanceof WorkflowFailedError, String(err));
  assert.ok(err.cause instanceof CancelledFailure, String(err.cause));
  const b = await read(batchId);
  assert.equal(b.status, 'cancelled');
  const s1 = await rowStats(batchId);
  assert.equal(s1.rows, b.processed);
  assert.ok(s1.rows < 20_000_000);
  // Writing has stopped: nothing lands after the workflow closed.
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal((await rowStats(batchId)).rows, s1.rows);
  const p = await stack.service.live(batchId, 2000);
  assert.equal(p.phase, 'cancelled');
  assert.equal(p.processed, s1.rows);
});
