/**
 * Exactly-once chunk writes and the ledger check against a real PostgreSQL (operational cases
 * O2, O3, O6, O9 in docs/architecture.md).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startPostgres, type RunningPostgres } from '../../devstack/postgres.ts';
import { getPool, closePools } from '../../db/pool.ts';
import { checkLedger, copyBool, copyCodes, copyText, writeChunk, storedCounts } from '../../db/chunks.ts';
import type pg from 'pg';

let server: RunningPostgres;
let pool: pg.Pool;

before(async () => {
  server = await startPostgres();
  pool = getPool(server.url, 4);
});
after(async () => {
  await closePools();
  await server.stop();
});

function rows(batchId: string, from: number, to: number): string[] {
  const blocks: string[] = [];
  for (let s = from; s < to; s += 10_000) {
    let b = '';
    for (let i = s; i < Math.min(to, s + 10_000); i++)
      b += `${batchId}\t${i}\t0\t+1212555${String(i % 10000).padStart(4, '0')}\t\\N\tUS\tFIXED_LINE_OR_MOBILE\tt\tt\t\\N\t\\N\t\\N\t\\N\t\\N\t{}\t{}\t\\N\t\\N\n`;
    blocks.push(b);
  }
  return blocks;
}

async function count(batchId: string): Promise<number> {
  const r = await pool.query('SELECT count(*)::int AS n FROM numbers WHERE batch_id = $1', [batchId]);
  return r.rows[0].n;
}

test('O3: a chunk committed once is not written again by a retry', async () => {
  const id = randomUUID();
  const first = await writeChunk(pool, {
    batchId: id,
    chunk: 7,
    rows: 1000,
    valid: 1000,
    invalid: 0,
    blocks: rows(id, 7000, 8000),
  });
  const retry = await writeChunk(pool, {
    batchId: id,
    chunk: 7,
    rows: 1000,
    valid: 1000,
    invalid: 0,
    blocks: rows(id, 7000, 8000),
  });
  assert.equal(first.written, true);
  assert.equal(retry.written, false);
  assert.deepEqual(
    { rows: retry.rows, valid: retry.valid, invalid: retry.invalid },
    { rows: 1000, valid: 1000, invalid: 0 },
  );
  assert.equal(await count(id), 1000);
});

test('O2: two overlapping attempts at the same chunk store it exactly once', async () => {
  const id = randomUUID();
  const attempts = await Promise.all(
    [0, 1, 2].map(() =>
      writeChunk(pool, { batchId: id, chunk: 0, rows: 30_000, valid: 30_000, invalid: 0, blocks: rows(id, 0, 30_000) }),
    ),
  );
  assert.equal(attempts.filter((a) => a.written).length, 1);
  assert.equal(await count(id), 30_000);
  assert.deepEqual(await storedCounts(pool, id), { rows: 30_000, valid: 30_000, invalid: 0 });
});

test('O6: a COPY source failing at row 50,001 stores 0 rows and leaves the pool clean', async () => {
  const id = randomUUID();
  const good = rows(id, 0, 50_000);
  async function* failing() {
    yield* good;
    throw new Error('source failed at row 50,001');
  }
  await assert.rejects(
    writeChunk(pool, { batchId: id, chunk: 0, rows: 60_000, valid: 60_000, invalid: 0, blocks: failing() }),
    /source failed at row 50,001/,
  );
  assert.equal(await count(id), 0);
  assert.deepEqual(await storedCounts(pool, id), { rows: 0, valid: 0, invalid: 0 });
  // The ledger row was rolled back too, so a retry can write the chunk.
  const retry = await writeChunk(pool, {
    batchId: id,
    chunk: 0,
    rows: 50_000,
    valid: 50_000,
    invalid: 0,
    blocks: good,
  });
  assert.equal(retry.written, true);
  assert.equal(await count(id), 50_000);
  // Every pooled connection still works (none was returned mid-COPY).
  const checks = await Promise.all([1, 2, 3, 4].map(() => pool.query('SELECT 1 AS ok')));
  assert.ok(checks.every((c) => c.rows[0].ok === 1));
  assert.equal(pool.totalCount <= 4, true);
});

test('an aborted chunk (cancellation) is rolled back whole', async () => {
  const id = randomUUID();
  const ac = new AbortController();
  async function* slow() {
    const blocks = rows(id, 0, 40_000);
    for (let i = 0; i < blocks.length; i++) {
      if (i === 2) ac.abort(new Error('cancelled'));
      yield blocks[i]!;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  await assert.rejects(
    writeChunk(pool, {
      batchId: id,
      chunk: 0,
      rows: 40_000,
      valid: 40_000,
      invalid: 0,
      blocks: slow(),
      signal: ac.signal,
    }),
  );
  assert.equal(await count(id), 0);
  const ok = await pool.query('SELECT 1 AS ok');
  assert.equal(ok.rows[0].ok, 1);
});

test('an export whose consumer fails mid-COPY rejects, and the pool stays usable', async () => {
  const { exportNumbers } = await import('../../db/numbers.ts');
  const { Writable } = await import('node:stream');
  const id = randomUUID();
  await writeChunk(pool, {
    batchId: id,
    chunk: 0,
    rows: 60_000,
    valid: 60_000,
    invalid: 0,
    blocks: rows(id, 0, 60_000),
  });
  let seen = 0;
  const failing = new Writable({
    write(chunk, _enc, cb) {
      seen += chunk.length;
      cb(seen > 100_000 ? new Error('client went away') : null);
    },
  });
  await assert.rejects(exportNumbers(pool, id, 'csv', failing), /client went away/);
  // All four pooled connections answer normally; none is stuck inside the aborted COPY.
  const checks = await Promise.all(
    [1, 2, 3, 4].map(() => pool.query('SELECT count(*)::int AS n FROM numbers WHERE batch_id = $1', [id])),
  );
  assert.ok(checks.every((c) => c.rows[0].n === 60_000));
  await assert.rejects(exportNumbers(pool, "x' OR '1'='1", 'csv', failing), /not a UUID/);
});

test('the server dropping a checked-out connection rejects the query and does not crash the process', async () => {
  // Regression: pg emits 'error' on a checked-out client; with no listener the process died.
  const { withTransaction } = await import('../../db/pool.ts');
  // Settle into a value at once, so the rejection is handled whenever it comes.
  const outcome = withTransaction(pool, async (client) => {
    await client.query(`SET application_name = 'phonebatch-victim'`);
    await client.query('SELECT pg_sleep(30)');
  }).then(
    () => null,
    (err: Error) => err,
  );
  const other = getPool(server.url.replace('/phonebatch', '/postgres'), 1);
  await new Promise((r) => setTimeout(r, 300));
  const killed = await other.query(
    `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'phonebatch-victim'`,
  );
  assert.equal(killed.rows.length, 1);
  const err = await outcome;
  assert.ok(err instanceof Error);
  assert.match(err.message, /terminat/);
  await new Promise((r) => setTimeout(r, 200)); // any late 'error' event would crash us here
  const ok = await pool.query('SELECT 1 AS ok');
  assert.equal(ok.rows[0].ok, 1);
});

/** Writes chunks of a plan of `total` rows in chunks of `size`, except those in `skip`. */
async function writePlan(id: string, total: number, size: number, skip: number[] = []): Promise<void> {
  for (let c = 0; c * size < total; c++) {
    if (skip.includes(c)) continue;
    const n = Math.min(size, total - c * size);
    await writeChunk(pool, {
      batchId: id,
      chunk: c,
      rows: n,
      valid: n,
      invalid: 0,
      blocks: rows(id, c * size, c * size + n),
    });
  }
}

test('O9: the ledger check passes a batch whose every chunk is stored', async () => {
  const id = randomUUID();
  await writePlan(id, 10_500, 1000);
  const check = await checkLedger(pool, id, { total: 10_500, chunkSize: 1000, chunks: 11 });
  assert.deepEqual(check, { counts: { rows: 10_500, valid: 10_500, invalid: 0 }, missing: [], mismatch: null });
});

test('O9: chunks lost from the ledger come back as ranges to re-run, first, middle and last', async () => {
  const id = randomUUID();
  await writePlan(id, 10_500, 1000, [0, 4, 5, 10]);
  const check = await checkLedger(pool, id, { total: 10_500, chunkSize: 1000, chunks: 11 });
  assert.deepEqual(check.missing, [
    [0, 1],
    [4, 6],
    [10, 11],
  ]);
  assert.equal(check.mismatch, null);
  assert.deepEqual(check.counts, { rows: 7000, valid: 7000, invalid: 0 });
});

test('O9: a batch with no committed chunk is missing all of them', async () => {
  const check = await checkLedger(pool, randomUUID(), { total: 3000, chunkSize: 1000, chunks: 3 });
  assert.deepEqual(check.missing, [[0, 3]]);
});

test('O9: stored numbers that differ from the ledger are a mismatch, not a success', async () => {
  const id = randomUUID();
  await writePlan(id, 3000, 1000);
  await pool.query('DELETE FROM numbers WHERE batch_id = $1 AND seq = 1500', [id]);
  const check = await checkLedger(pool, id, { total: 3000, chunkSize: 1000, chunks: 3 });
  assert.equal(check.missing.length, 0);
  assert.equal(check.mismatch, '2999 numbers stored but the committed chunks wrote 3000');
});

test('O9: a ledger row whose row count differs from the plan is a mismatch', async () => {
  const id = randomUUID();
  await writePlan(id, 3000, 1000);
  const check = await checkLedger(pool, id, { total: 3000, chunkSize: 1500, chunks: 2 });
  assert.match(check.mismatch ?? '', /^chunk 0: ledger says 1000 rows, the plan 1500/);
});

test('repair and warning codes are written as text[] literals and read back as the same lists', async () => {
  const id = randomUUID();
  const lists = [[], ['plus_added'], ['plus_added', 'idd_assumed']];
  let block = '';
  lists.forEach((codes, i) => {
    block += `${id}\t${i}\t0\t\\N\t\\N\t\\N\t\\N\tf\tf\t\\N\tNOT_A_NUMBER\t\\N\tx\t${copyText(i ? 'fax' : null)}\t${copyCodes(codes)}\t${copyCodes([...codes].reverse())}\t${copyBool(i === 1 ? true : null)}\t${copyText(i === 2 ? '21' : null)}\n`;
  });
  await writeChunk(pool, { batchId: id, chunk: 0, rows: 3, valid: 0, invalid: 3, blocks: [block] });
  const r = await pool.query(
    'SELECT label, repairs, warnings, emergency, carrier_code FROM numbers WHERE batch_id = $1 ORDER BY seq',
    [id],
  );
  assert.deepEqual(
    r.rows.map((x) => [x.label, x.repairs, x.warnings, x.emergency, x.carrier_code]),
    [
      [null, [], [], null, null],
      ['fax', ['plus_added'], ['plus_added'], true, null],
      ['fax', ['plus_added', 'idd_assumed'], ['idd_assumed', 'plus_added'], null, '21'],
    ],
  );
  // A code that would need quoting in an array literal never reaches COPY.
  for (const bad of ['a,b', 'a}', 'a"b', 'A', ''])
    assert.throws(() => copyCodes(['plus_added', bad]), /not a plain code/, JSON.stringify(bad));
});
