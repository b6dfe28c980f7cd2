/**
 * The OpenAPI document tells the truth: schemathesis (PyPI, pinned in scripts/tools.sh)
 * generates requests from /openapi.json against the real API on a port (real PostgreSQL and
 * Temporal, no worker: batches it starts wait in Temporal) and runs every check (`--checks
 * all`: server errors, status codes, content types, response schemas, schema-invalid requests
 * refused, schema-valid ones accepted, undeclared methods 405 with Allow, auth ignored), with a
 * fixed seed so a failure reproduces. Plus the document's own claims a client relies on.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { listenApi, startStack, ROOT, type Stack } from '../support/stack.ts';
import type { ApiServer } from '../../api/server.ts';
import { createToken } from '../../db/tokens.ts';
import { http } from '../support/clients.ts';
import { REGIONS } from '../../batches/spec.ts';
import { BatchService } from '../../batches/service.ts';
import { BATCH_CURSOR_PATTERN } from '../../api/cursor.ts';

let stack: Stack;
let server: ApiServer;
let url: string;
let token: string;
const SEED = 20261203;
const EXAMPLES = Number(process.env.SCHEMATHESIS_EXAMPLES ?? 200);

before(async () => {
  stack = await startStack();
  token = (await createToken(stack.pool, 'openapi')).token;
  await stack.service.submit({ project: 'openapi', spec: { generate: { region: 'GB', count: 1 } } });
  // No worker runs here, so a read of a running batch waits out the progress query before it
  // falls back to the ledger: keep that wait short, or schemathesis spends its time there.
  const service = new BatchService({
    pool: stack.pool,
    temporal: stack.client,
    taskQueue: stack.config.taskQueue,
    liveDeadlineMs: 100,
  });
  ({ server, url } = await listenApi(stack, {
    service,
    options: { rateLimitPerMinute: 1_000_000_000, authFailuresPerMinute: 1_000_000_000 },
  }));
});

after(async () => {
  await server?.app.close();
  await stack?.stop();
});

test('the OpenAPI document states what the server enforces: region enum, one spec block, error codes, cursors', async () => {
  const doc = (await http(url, '/openapi.json')).json;
  const post = doc.paths['/api/v1/batches'].post;
  const spec = post.requestBody.content['application/json'].schema;
  assert.deepEqual(spec.oneOf, [{ required: ['generate'] }, { required: ['validate'] }]);
  assert.deepEqual(spec.properties.generate.properties.region.enum, [...REGIONS]);
  assert.equal(spec.properties.generate.properties.region.anyOf, undefined, 'one enum, not a union of literals');
  assert.ok(!spec.properties.generate.properties.region.enum.includes('AA'));
  for (const type of ['text/csv', 'application/x-ndjson']) assert.ok(post.requestBody.content[type], type);
  const errorBody = post.responses['400'].content['application/json'].schema;
  assert.ok(errorBody.properties.code.enum.includes('invalid_spec'));
  assert.match(post.responses['400'].description, /invalid_spec/);
  for (const status of ['202', '400', '401', '404', '413', '415', '429', '500', '503'])
    assert.ok(post.responses[status], `POST /batches documents ${status}`);
  const list = doc.paths['/api/v1/batches'].get;
  const limit = list.parameters.find((p: { name: string }) => p.name === 'limit');
  assert.equal(limit.schema.type, 'integer');
  const cursor = list.parameters.find((p: { name: string }) => p.name === 'cursor');
  assert.equal(cursor.schema.pattern, BATCH_CURSOR_PATTERN);
  const exp = doc.paths['/api/v1/batches/{id}/export'].get;
  assert.ok(exp.responses['200'].content['text/csv']);
  assert.ok(exp.responses['404'].content['application/json'], 'an export error is JSON, not CSV');
});

test('a request the document refuses, the server refuses the same way', async () => {
  const aa = await http(url, '/api/v1/batches', {
    method: 'POST',
    token,
    body: { generate: { region: 'AA', count: 1 } },
  });
  assert.equal(aa.status, 400);
  assert.equal(aa.json.issues[0].field, 'generate.region');
  assert.match(aa.json.issues[0].reason, /region libphonenumber has metadata for .*\(got "AA"\)/);
  const both = await http(url, '/api/v1/batches', {
    method: 'POST',
    token,
    body: { generate: { region: 'GB', count: 1 }, validate: { source: { inline: ['1'] } } },
  });
  assert.equal(both.status, 400);
  assert.match(both.json.message, /mutually exclusive/);
  const halfLimit = await http(url, '/api/v1/batches?limit=1.5', { token });
  assert.equal(halfLimit.status, 400);
  assert.equal(halfLimit.json.issues[0].field, 'querystring.limit');
});

test('a cursor of the documented shape is a position, anything else a 400 naming the field; no database text leaks', async () => {
  // The far future and the epoch are positions like any other: all batches, then none.
  const id = '11111111-1111-4111-8111-111111111111';
  for (const [cursor, items] of [
    [`9999999999999999.${id}`, 'some'],
    [`0.${id}`, 'none'],
  ] as const) {
    const res = await http(url, `/api/v1/batches?cursor=${cursor}`, { token });
    assert.equal(res.status, 200, `${cursor}: ${res.text}`);
    assert.equal(res.json.items.length > 0, items === 'some', cursor);
  }
  const numbers = await http(url, `/api/v1/batches/${id}/numbers?cursor=999999999999999.999999999999999`, { token });
  assert.equal(numbers.status, 404, 'an unknown batch, not a database error');
  // Formerly an opaque JSON cursor; one with an impossible date reached PostgreSQL.
  const crafted = Buffer.from(JSON.stringify(['2025-13-45 99:99:99+00', id])).toString('base64url');
  for (const cursor of [crafted, '1.2', `12345678901234567.${id}`, `1.${id.toUpperCase()}x`]) {
    const res = await http(url, `/api/v1/batches?cursor=${encodeURIComponent(cursor)}`, { token });
    assert.equal(res.status, 400, cursor);
    assert.equal(res.json.issues[0].field, 'querystring.cursor', cursor);
    assert.doesNotMatch(res.text, /out of range|timestamp|time zone|syntax/i, cursor);
  }
});

test('an undeclared method on a known path is 405 with Allow, before any token is needed', async () => {
  const del = await http(url, '/api/v1/batches', { method: 'DELETE' });
  assert.equal(del.status, 405);
  assert.equal(del.headers.get('allow'), 'GET, HEAD, POST');
  assert.equal(del.json.code, 'method_not_allowed');
  const put = await http(url, '/api/v1/batches/11111111-1111-4111-8111-111111111111/cancel', { method: 'PUT' });
  assert.equal(put.status, 405);
  assert.equal(put.headers.get('allow'), 'POST');
  const nowhere = await http(url, '/api/v1/nowhere');
  assert.equal(nowhere.status, 404);
  assert.equal(nowhere.json.code, 'route_not_found');
});

test('a WebSocket upgrade to a path with no route gets its 404 and its socket closed', async () => {
  const { port } = new URL(url);
  const closed = await new Promise<{ head: string; closed: boolean }>((resolve) => {
    const sock = connect(Number(port), '127.0.0.1');
    let head = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ head, closed: false });
    }, 3000);
    sock.on('data', (d) => (head += d.toString()));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ head, closed: true });
    });
    sock.write(
      'GET /ws/nowhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
  });
  assert.match(closed.head, /^HTTP\/1\.1 404/);
  assert.ok(closed.closed, 'the server closes the socket after answering');
});

test('what the router refuses before any route (bad escapes, overlong segments) is a 400 naming the path', async () => {
  for (const path of ['/api/v1/batches/%zz', `/api/v1/batches/${'a'.repeat(300)}`]) {
    const res = await http(url, path, { token });
    assert.equal(res.status, 400, path);
    assert.equal(res.json.code, 'invalid_request');
    assert.equal(res.json.issues[0].field, 'path');
  }
});

test('invalid UTF-8 is a 400 naming the field (JSON) or the line and byte offset (uploads); nothing is stored', async () => {
  const before = Number((await stack.pool.query('SELECT count(*) AS n FROM batches')).rows[0].n);
  const json = Buffer.concat([
    Buffer.from('{"numbers":["+44 20 7946 0321","+44 '),
    Buffer.from([0xff]),
    Buffer.from('"]}'),
  ]);
  const v = await http(url, '/api/v1/validate', { method: 'POST', token, raw: json, contentType: 'application/json' });
  assert.equal(v.status, 400);
  assert.equal(v.json.issues[0].field, 'body.numbers.1');
  assert.match(v.json.issues[0].reason, /not valid UTF-8 \(byte offset 36 of the body\)/);
  const csv = Buffer.concat([
    Buffer.from('phone\n+44 20 7946 0321\n+44 '),
    Buffer.from([0xc3, 0x28]),
    Buffer.from('\n'),
  ]);
  const c = await http(url, '/api/v1/batches', { method: 'POST', token, raw: csv, contentType: 'text/csv' });
  assert.equal(c.status, 400);
  assert.equal(c.json.code, 'invalid_upload');
  assert.match(c.json.message, /line 3, byte offset 27/);
  // A character cut off by the end of the body, in NDJSON.
  const nd = Buffer.concat([Buffer.from('"+44 20 7946 0321"\n"+44 '), Buffer.from([0xe2, 0x82])]);
  const n = await http(url, '/api/v1/batches', { method: 'POST', token, raw: nd, contentType: 'application/x-ndjson' });
  assert.equal(n.status, 400);
  assert.match(n.json.message, /line 2, byte offset 24/);
  // Deeply nested: the search for the field is iterative, the answer still a 400.
  const deep = Buffer.concat([
    Buffer.from('['.repeat(5000) + '"'),
    Buffer.from([0xff]),
    Buffer.from('"' + ']'.repeat(5000)),
  ]);
  const d = await http(url, '/api/v1/validate', { method: 'POST', token, raw: deep, contentType: 'application/json' });
  assert.equal(d.status, 400);
  assert.match(d.json.message, /not valid UTF-8/);
  const after = Number((await stack.pool.query('SELECT count(*) AS n FROM batches')).rows[0].n);
  assert.equal(after, before, 'no batch row for a refused upload');
});

test('schemathesis --checks all finds no failure (fixed seed)', { timeout: 20 * 60_000 }, async (t) => {
  const bin = join(spawnSync('bash', [join(ROOT, 'scripts/tools.sh'), 'path'], { encoding: 'utf8' }).stdout.trim());
  const st = bin
    .split(':')
    .map((d) => join(d, 'st'))
    .find((p) => spawnSync(p, ['--version']).status === 0);
  assert.ok(st, 'schemathesis is installed by `bash scripts/tools.sh schemathesis` (make test does it)');
  const dir = mkdtempSync(join(tmpdir(), 'schemathesis-'));
  const args = [
    'run',
    `${url}/openapi.json`,
    '--checks',
    'all',
    '--seed',
    String(SEED),
    '--max-examples',
    String(EXAMPLES),
    '--workers',
    '1',
    '--header',
    `Authorization: Bearer ${token}`,
    '--no-color',
  ];
  const config = join(ROOT, 'test/integration/schemathesis.toml');
  const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const child = spawn(st!, ['--config-file', config, ...args], { cwd: dir, env: process.env });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.on('close', (code) => resolve({ code, text }));
  });
  // Bodies in the report can be megabytes on one line: keep each line short.
  const report = out.text
    .split('\n')
    .map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l))
    .join('\n');
  // Phase timings and the summary, for the test log.
  const summary = report.slice(report.lastIndexOf('=== SUMMARY ==='));
  const phases = report.split('\n').filter((l) => / \(in [0-9.]+m?s\)/.test(l));
  for (const line of [...phases, ...summary.split('\n')]) if (line.trim()) t.diagnostic(line.trim());
  assert.equal(out.code, 0, report.slice(-30_000));
});
