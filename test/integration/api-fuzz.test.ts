/**
 * Property tests of the request schemas against the real API on a port (real PostgreSQL and
 * Temporal): arbitrary bodies, query strings, path ids, uploads and WebSocket messages only
 * ever get 2xx/4xx answers with the error shape, never a 5xx, and sockets stay open.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { listenApi, startStack, type Stack } from '../support/stack.ts';
import type { ApiServer } from '../../api/server.ts';
import { createToken } from '../../db/tokens.ts';
import { http, openWs } from '../support/clients.ts';
import { insertBatch } from '../../db/batches.ts';

let stack: Stack;
let server: ApiServer;
let url: string;
let token: string;
let batchId: string;
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

before(async () => {
  stack = await startStack();
  // No worker: batches a valid input happens to start simply wait in Temporal.
  token = (await createToken(stack.pool, 'fuzz')).token;
  batchId = '11111111-1111-4111-8111-111111111111';
  await insertBatch(stack.pool, {
    id: batchId,
    operation: 'generate',
    project: 'fuzz',
    spec: { generate: { region: 'GB', count: 1 } },
    workflowId: 'x',
    libraryVersion: 'x',
  });
  ({ server, url } = await listenApi(stack, { options: { rateLimitPerMinute: 1_000_000 } }));
});

after(async () => {
  await server?.app.close();
  await stack?.stop();
});

function assertClientError(res: { status: number; json: any; text: string }, what: string) {
  assert.ok(res.status < 500, `${what} → ${res.status} ${res.text.slice(0, 300)}`);
  if (res.status >= 400) {
    assert.equal(typeof res.json?.code, 'string', `${what}: error body ${res.text.slice(0, 200)}`);
    assert.equal(typeof res.json?.message, 'string');
    assert.equal(res.json.statusCode, res.status);
  }
}

const anyJson = fc.jsonValue({ maxDepth: 4 });
const specLike = fc.record(
  {
    generate: fc.record(
      {
        region: fc.oneof(fc.constantFrom('GB', 'US', 'ZZ', 'gb', ''), fc.string()),
        count: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
        mode: fc.oneof(fc.constantFrom('fictional', 'random', 'range'), fc.string()),
        numberType: fc.oneof(fc.constantFrom('MOBILE', 'FIXED_LINE'), fc.string()),
        prefix: fc.string(),
        areaCodes: fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }),
        seed: fc.oneof(fc.string({ unit: 'binary' }), anyJson),
      },
      { requiredKeys: [] },
    ),
    validate: fc.record(
      {
        defaultRegion: fc.oneof(fc.constantFrom('GB', 'XX'), fc.string()),
        source: fc.oneof(
          fc.record({ inline: fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 5 }) }),
          fc.record({ batchRef: fc.oneof(fc.uuid(), fc.string()) }),
          fc.record({ upload: fc.record({ rows: fc.integer() }) }),
          anyJson,
        ),
      },
      { requiredKeys: [] },
    ),
    extra: anyJson,
  },
  { requiredKeys: [] },
);

test('POST /api/v1/batches: any JSON body → 2xx or 4xx', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(specLike, anyJson), async (body) => {
      const res = await http(url, '/api/v1/batches', { method: 'POST', token, body: JSON.stringify(body) });
      assertClientError(res, `POST /batches ${JSON.stringify(body).slice(0, 200)}`);
    }),
    { numRuns: RUNS },
  );
});

test('POST /api/v1/batches: a JSON body nested 50,000 levels deep → 4xx naming body, not 500', async () => {
  const depth = 50_000;
  for (const body of [
    '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
    '{"generate":' + '['.repeat(depth) + ']'.repeat(depth) + '}',
    '{"validate":{"source":{"inline":' + '[{"x":'.repeat(depth) + '"y"' + '}]'.repeat(depth) + '}}}',
  ]) {
    const res = await http(url, '/api/v1/batches', { method: 'POST', token, body });
    assertClientError(res, `POST /batches deep ${body.slice(0, 40)}…`);
    assert.equal(res.status, 400, res.text.slice(0, 300));
    assert.equal(res.json.code, 'invalid_spec');
    assert.match(res.json.message, /^body: /);
  }
});

test('POST /api/v1/batches: raw bytes with any content type → 2xx or 4xx', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(
        'application/json',
        'text/csv',
        'application/x-ndjson',
        'text/plain',
        'application/octet-stream',
        'multipart/form-data',
        '',
      ),
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.uint8Array({ maxLength: 300 }),
        // Malformed CSV that once escaped as a 500 (csv-parse's INVALID_OPENING_QUOTE).
        fc.constantFrom('\u0000"', 'phone\n"unterminated', 'phone\na"b\n', '"a"b"\n', '{"phone":1}\n'),
      ),
      fc.record(
        { defaultRegion: fc.option(fc.string({ maxLength: 4 })), column: fc.option(fc.string({ maxLength: 6 })) },
        { requiredKeys: [] },
      ),
      async (type, body, q) => {
        const qs = new URLSearchParams(
          Object.entries(q).filter(([, v]) => v !== null) as [string, string][],
        ).toString();
        const res = await http(url, `/api/v1/batches${qs ? `?${qs}` : ''}`, {
          method: 'POST',
          token,
          raw: body as BodyInit,
          contentType: type,
        });
        assertClientError(res, `POST /batches ${type}`);
      },
    ),
    { numRuns: RUNS },
  );
});

test('POST /api/v1/validate: any JSON body → 200 or 4xx', async () => {
  const body = fc.oneof(
    fc.record(
      {
        numbers: fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), anyJson), { maxLength: 20 }),
        defaultRegion: fc.oneof(fc.constantFrom('GB', 'US', 'ZZ', '001'), fc.string(), anyJson),
      },
      { requiredKeys: [] },
    ),
    anyJson,
  );
  await fc.assert(
    fc.asyncProperty(body, async (b) => {
      const res = await http(url, '/api/v1/validate', { method: 'POST', token, body: JSON.stringify(b) });
      assertClientError(res, `POST /validate ${JSON.stringify(b).slice(0, 200)}`);
    }),
    { numRuns: RUNS },
  );
});

test('GET routes: any query string and any id → 2xx or 4xx', async () => {
  const key = fc.constantFrom('status', 'operation', 'limit', 'cursor', 'valid', 'type', 'region', 'format', 'x');
  const value = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.integer().map(String),
    fc.constantFrom(
      'true',
      'false',
      'csv',
      'ndjson',
      'MOBILE',
      'GB',
      'running',
      'WyIyMDI1LTAxLTAxIDAwOjAwOjAwKzAwIiwiYWJjIl0',
      'WzEsMl0',
      'WzEsLTFd',
      'WzFlMzAwLDBd',
    ),
  );
  const id = fc.oneof(fc.constant(batchId), fc.uuid(), fc.string({ unit: 'binary', maxLength: 50 }));
  const path = fc.constantFrom('', '/progress', '/numbers', '/export', '/cancel');
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 5 }), id, path, async (pairs, i, p) => {
      const qs = new URLSearchParams(pairs).toString();
      const list = await http(url, `/api/v1/batches?${qs}`, { token });
      assertClientError(list, `GET /batches?${qs}`);
      const one = await http(url, `/api/v1/batches/${encodeURIComponent(i)}${p}?${qs}`, {
        token,
        method: p === '/cancel' ? 'POST' : 'GET',
      });
      assertClientError(one, `/batches/${i}${p}?${qs}`);
    }),
    { numRuns: RUNS },
  );
});

test('WebSocket: any message gets a JSON reply with a type; the socket stays open', async () => {
  const sock = await openWs(url.replace('http', 'ws') + '/ws/tasks/', token);
  await sock.next((m) => m.type === 'active_tasks');
  const msg = fc.oneof(
    fc
      .record(
        {
          type: fc.constantFrom('ping', 'get_active_tasks', 'get_task_status', 'cancel_task', 'x'),
          task_id: fc.oneof(fc.uuid(), fc.constant(batchId), anyJson),
        },
        { requiredKeys: ['type'] },
      )
      .map((m) => JSON.stringify(m)),
    anyJson.map((v) => JSON.stringify(v)),
    fc.string({ unit: 'binary', maxLength: 100 }),
  );
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(msg, async (m) => {
      const before = sock.messages.length;
      sock.ws.send(m);
      sent++;
      await sock.next(() => sock.messages.length > before, 15_000);
      assert.equal(sock.ws.readyState, sock.ws.OPEN);
    }),
    { numRuns: RUNS },
  );
  for (const m of sock.messages) assert.equal(typeof m.type, 'string');
  assert.ok(!sock.messages.some((m) => m.code === 'internal'), 'an internal error reached a client');
  assert.ok(sent > 0);
  await sock.close();
});
