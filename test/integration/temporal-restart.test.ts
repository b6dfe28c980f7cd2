/**
 * The Temporal server restarts mid-batch (file-backed dev server): the workflow, its worker
 * and the client reconnect, and the batch still ends with exactly the requested rows.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, eventually, type Stack } from '../support/stack.ts';
import { startTemporal, type RunningTemporal } from '../../devstack/temporal.ts';

const dir = mkdtempSync(join(tmpdir(), 'phonebatch-temporal-'));
const dbFile = join(dir, 'temporal.sqlite');
let stack: Stack;
let restarted: RunningTemporal | undefined;

before(async () => {
  stack = await startStack({ temporalDbFile: dbFile });
  await stack.startWorker();
});
after(async () => {
  await restarted?.stop();
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a Temporal restart mid-batch loses and duplicates nothing', async () => {
  const count = 1_000_000;
  const { batchId } = await stack.service.submit({
    project: 'default',
    spec: { generate: { region: 'GB', mode: 'random', count, seed: 'restart' } },
    tuning: { chunksPerSlice: 1, parallelism: 2 },
  });
  await eventually(
    'first chunks committed',
    async () => (await stack.service.live(batchId, 2000)).processed > 0,
    120_000,
  );
  const port = Number(stack.temporal.address.split(':')[1]);
  await stack.temporal.stop();
  restarted = await startTemporal({ port, dbFile });
  const final = await stack.service.wait('default', batchId);
  assert.equal(final.status, 'succeeded');
  assert.equal(final.processed, count);
  const r = await stack.pool.query(
    'SELECT count(*)::int AS rows, count(DISTINCT e164)::int AS distinct_e164 FROM numbers WHERE batch_id = $1',
    [batchId],
  );
  assert.deepEqual(r.rows[0], { rows: count, distinct_e164: count });
});
