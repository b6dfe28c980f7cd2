/**
 * The upload and export streams keep the API's memory flat on 1,000,000 rows. The API runs as
 * its own process (api/main.ts, or its build: devstack/entry.ts), so its RSS is measured alone, from /proc, every 50 ms.
 * Asserts a memory bound (streaming correctness), never a time.
 */
import { entryArgs } from '../../devstack/entry.ts';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { startStack, type Stack } from '../support/stack.ts';
import { createToken } from '../../db/tokens.ts';
import { insertBatch } from '../../db/batches.ts';
import { WebSocket } from 'ws';

const ROWS = 1_000_000;
const BOUND_MB = 200;
let stack: Stack;
let api: ChildProcess;
let base: string;
let token: string;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Runs `fn` while sampling the API's RSS; returns the baseline and the peak. */
async function measure<T>(fn: () => Promise<T>): Promise<{ result: T; before: number; peak: number }> {
  const pid = api.pid!;
  const before = rssMb(pid);
  let peak = before;
  const t = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
  try {
    const result = await fn();
    peak = Math.max(peak, rssMb(pid));
    return { result, before, peak };
  } finally {
    clearInterval(t);
  }
}

/** A CSV body generated lazily: the test never holds it whole either. */
function csvBody(rows: number): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let i = 0;
  return new ReadableStream({
    pull(ctrl) {
      if (i === 0) ctrl.enqueue(enc.encode('phone,country\n'));
      if (i >= rows) return ctrl.close();
      let s = '';
      const end = Math.min(rows, i + 5000);
      for (; i < end; i++) s += `+1 212 555 ${String(i % 10000).padStart(4, '0')},US\n`;
      ctrl.enqueue(enc.encode(s));
    },
  });
}

async function upload(rows: number) {
  const res = await fetch(`${base}/api/v1/batches?regionColumn=country`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    body: csvBody(rows),
    duplex: 'half',
  } as RequestInit);
  return { status: res.status, json: (await res.json()) as any };
}

/** Reads an export to the end, counting bytes and lines only. */
async function drain(path: string): Promise<{ status: number; bytes: number; lines: number }> {
  const res = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
  }
  return { status: res.status, bytes, lines };
}

before(async () => {
  stack = await startStack();
  token = (await createToken(stack.pool, 'mem')).token;
  api = spawn(process.execPath, entryArgs('api/main'), {
    env: {
      ...process.env,
      PHONEBATCH_DATABASE_URL: stack.config.databaseUrl,
      TEMPORAL_ADDRESS: stack.config.temporalAddress,
      PHONEBATCH_TASK_QUEUE: stack.config.taskQueue,
      PHONEBATCH_API_HOST: '127.0.0.1',
      PHONEBATCH_API_PORT: '0',
      PHONEBATCH_API_PRINT_PORT: '1',
      LOG_LEVEL: 'warn',
      // The message budget is not what is tested here: the buffers are.
      PHONEBATCH_API_RATE_LIMIT: '1000000000',
      PHONEBATCH_API_WS_HEARTBEAT_MS: '2000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    api.stdout!.on('data', (d) => {
      out += d;
      const m = /PHONEBATCH_API_PORT=(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    api.once('exit', (code) => reject(new Error(`api exited with ${code}`)));
  });
  base = `http://127.0.0.1:${port}`;
  // Warm up the code paths (JIT, pools) so the baseline is the steady state.
  assert.equal((await upload(1000)).status, 202);
});

after(async () => {
  if (api && api.exitCode === null) {
    const exited = new Promise((r) => api.once('exit', r));
    api.kill('SIGTERM');
    const t = setTimeout(() => api.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
  await stack?.stop();
});

test(`upload of ${ROWS.toLocaleString('en')} CSV rows streams into PostgreSQL with flat memory`, async () => {
  const m = await measure(() => upload(ROWS));
  assert.equal(m.result.status, 202, JSON.stringify(m.result.json));
  assert.equal(m.result.json.rows, ROWS);
  const stored = (
    await stack.pool.query('SELECT count(*)::int AS n FROM batch_inputs WHERE batch_id = $1', [m.result.json.id])
  ).rows[0].n;
  assert.equal(stored, ROWS);
  console.log(
    `# upload ${ROWS} rows: API RSS before ${m.before.toFixed(1)} MB, peak ${m.peak.toFixed(1)} MB, growth ${(m.peak - m.before).toFixed(1)} MB`,
  );
  assert.ok(m.peak - m.before < BOUND_MB, `RSS grew ${(m.peak - m.before).toFixed(1)} MB`);
});

test(`export of ${ROWS.toLocaleString('en')} numbers streams from PostgreSQL with flat memory (CSV and NDJSON)`, async () => {
  const id = randomUUID();
  await insertBatch(stack.pool, {
    id,
    project: 'mem',
    operation: 'generate',
    spec: { generate: { region: 'US', count: ROWS } },
    workflowId: `phonebatch-${id}`,
    libraryVersion: 'test',
  });
  await stack.pool.query(
    `INSERT INTO numbers (batch_id, seq, part, e164, region, number_type, valid, possible, national, raw)
     SELECT $1, g, 0, '+1212555' || lpad((g % 10000)::text, 4, '0'), 'US', 'FIXED_LINE_OR_MOBILE', true, true,
            '(212) 555-' || lpad((g % 10000)::text, 4, '0'), NULL
     FROM generate_series(0, $2 - 1) g`,
    [id, ROWS],
  );
  await stack.pool.query(
    `UPDATE batches SET status = 'succeeded', total = $2, processed = $2, valid = $2 WHERE id = $1`,
    [id, ROWS],
  );
  for (const format of ['csv', 'ndjson'] as const) {
    const m = await measure(() => drain(`/api/v1/batches/${id}/export?format=${format}`));
    assert.equal(m.result.status, 200);
    assert.equal(m.result.lines, ROWS + (format === 'csv' ? 1 : 0));
    console.log(
      `# export ${format} ${ROWS} rows (${(m.result.bytes / 1e6).toFixed(1)} MB): API RSS before ${m.before.toFixed(1)} MB, peak ${m.peak.toFixed(1)} MB, growth ${(m.peak - m.before).toFixed(1)} MB`,
    );
    assert.ok(m.peak - m.before < BOUND_MB, `RSS grew ${(m.peak - m.before).toFixed(1)} MB`);
  }
});

/** A gauge or counter of the API's /metrics, summed over its label sets. */
async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(name + '{') || line.startsWith(name + ' ')) sum += Number(line.split(' ').at(-1));
  return sum;
}

test('100 WebSockets that never read while sending pings: each is closed (1008), RSS grows < 50 MiB and comes back', async (t) => {
  const url = `${base.replace('http', 'ws')}/ws/tasks/`;
  const sockets = await Promise.all(
    Array.from(
      { length: 100 },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const c = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
          c.once('open', () => resolve(c));
          c.once('error', reject);
        }),
    ),
  );
  const ping = JSON.stringify({ type: 'ping' });
  // Warm up with the same traffic from clients that do read, so the baseline is the API's busy
  // steady state (a grown young generation is not what this test is about).
  const exchange = (c: WebSocket, n: number) =>
    new Promise<void>((resolve) => {
      let pongs = 0;
      const onMessage = () => {
        if (++pongs < n) return;
        c.off('message', onMessage);
        resolve();
      };
      c.on('message', onMessage);
      for (let i = 0; i < n; i++) c.send(ping);
    });
  for (let round = 0; round < 10; round++) await Promise.all(sockets.map((c) => exchange(c, 200)));
  for (const c of sockets) c.pause(); // from now on never read: replies pile up on the server
  const closesBefore = await metric('phonebatch_api_ws_policy_closes_total');
  const { before, peak } = await measure(async () => {
    const until = Date.now() + 30_000;
    while (Date.now() < until && (await metric('phonebatch_api_ws_connections')) > 0) {
      for (const c of sockets)
        if (c.readyState === c.OPEN && c.bufferedAmount < 1 << 20) for (let i = 0; i < 500; i++) c.send(ping);
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  const stillOpen = await metric('phonebatch_api_ws_connections');
  const policyCloses = (await metric('phonebatch_api_ws_policy_closes_total')) - closesBefore;
  for (const c of sockets) c.terminate();
  await new Promise((r) => setTimeout(r, 3000));
  const after = rssMb(api.pid!);
  t.diagnostic(
    `RSS ${before.toFixed(0)} → peak ${peak.toFixed(0)} → ${after.toFixed(0)} MiB 3 s after; server still holding ${stillOpen}; policy closes ${policyCloses}`,
  );
  assert.equal(stillOpen, 0, 'the server closed every socket that does not read');
  assert.equal(policyCloses, 100);
  assert.ok(peak - before < 50, `RSS grew ${(peak - before).toFixed(0)} MiB`);
  assert.ok(after - before < 50, `RSS ${(after - before).toFixed(0)} MiB above the baseline after the sockets closed`);
});
