/**
 * PostgreSQL goes away under a running API (hostile-clients issue, item 5): every
 * authenticated route answers 503 `unavailable` with `retry-after`, not 500 `internal`; the
 * outage is logged once, not once per request; the API answers again once the database is back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { startStack, eventually, type Stack } from '../support/stack.ts';
import { buildServer, type ApiServer } from '../../api/server.ts';
import { http } from '../support/clients.ts';

let stack: Stack;
let api: ApiServer;
let base: string;
let token: string;
const logged: Array<{ level: number; msg: string }> = [];

before(async () => {
  stack = await startStack();
  ({ token } = await stack.projects.createToken('default'));
  const logger: Logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
  api = await buildServer({
    service: stack.service,
    projects: stack.projects,
    logger,
    options: { rateLimitPerMinute: 1_000_000 },
  });
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(api.app.server!.address() as { port: number }).port}`;
});
after(async () => {
  await api?.app.close();
  await stack?.stop();
});

test('PostgreSQL down: every authenticated route is 503 unavailable with retry-after, logged once', async () => {
  const { batchId } = await stack.service.submit({
    project: 'default',
    spec: { generate: { region: 'GB', mode: 'fictional', count: 10 } },
  });
  assert.equal((await http(base, '/api/v1/batches', { token })).status, 200);

  await stack.pg.crash();
  const calls: Array<[string, string, unknown?]> = [
    ['GET', '/api/v1/batches'],
    ['GET', `/api/v1/batches/${batchId}`],
    ['GET', `/api/v1/batches/${batchId}/progress`],
    ['GET', `/api/v1/batches/${batchId}/numbers`],
    ['GET', `/api/v1/batches/${randomUUID()}`],
    ['POST', '/api/v1/batches', { generate: { region: 'US', mode: 'fictional', count: 5 } }],
    ['POST', `/api/v1/batches/${batchId}/cancel`],
  ];
  const errorsBefore = logged.filter((l) => l.level >= 40).length;
  for (let round = 0; round < 10; round++) {
    for (const [method, path, body] of calls) {
      const r = await http(base, path, { method, token, body });
      assert.equal(r.status, 503, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
      assert.equal(r.json.code, 'unavailable', `${method} ${path}`);
      assert.equal(r.json.message, 'PostgreSQL is unavailable, retry later');
      assert.equal(r.headers.get('retry-after'), '5', `${method} ${path}`);
    }
  }
  const lines = logged.slice(0).filter((l) => l.level >= 40);
  assert.ok(
    lines.length - errorsBefore <= 2,
    `${calls.length * 10} failed requests wrote ${lines.length - errorsBefore} warn/error lines: ${JSON.stringify(lines.map((l) => l.msg))}`,
  );

  await stack.pg.restart();
  await eventually(
    'the API answers again',
    async () => (await http(base, '/api/v1/batches', { token })).status === 200,
    30_000,
  );
  const back = await http(base, `/api/v1/batches/${batchId}`, { token });
  assert.equal(back.status, 200);
  assert.equal(back.json.id, batchId);
});
