import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutageLog } from '../../api/outage.ts';
import { isDatabaseUnavailable } from '../../db/pool.ts';
import { asUnavailable, BatchNotFoundError } from '../../batches/errors.ts';
import { toErrorBody } from '../../api/errors.ts';

function recorder() {
  const lines: Array<[string, string]> = [];
  let t = 0;
  const log = new OutageLog(
    {
      error: (_o: unknown, msg?: string) => void lines.push(['error', msg!]),
      warn: (_o: unknown, msg?: string) => void lines.push(['warn', msg!]),
    } as never,
    { gapMs: 30_000, summaryMs: 60_000, now: () => t },
  );
  return { lines, log, at: (ms: number) => (t = ms) };
}

test('an outage is logged once, then summarised once a minute, and a later one is logged again', () => {
  const { lines, log, at } = recorder();
  for (let ms = 0; ms <= 90_000; ms += 100) {
    at(ms);
    log.failed('PostgreSQL', new Error('down'));
  }
  assert.deepEqual(
    lines.map(([level]) => level),
    ['error', 'warn'],
  );
  assert.match(lines[1]![1], /PostgreSQL still unavailable: 600 more failures/);
  at(200_000); // 110 s after the last failure: a new outage
  log.failed('PostgreSQL', new Error('down again'));
  assert.deepEqual(
    lines.map(([level]) => level),
    ['error', 'warn', 'error'],
  );
});

test('each service has its own outage', () => {
  const { lines, log } = recorder();
  log.failed('PostgreSQL', new Error('x'));
  log.failed('Temporal', new Error('y'));
  log.failed('PostgreSQL', new Error('x'));
  assert.equal(lines.length, 2);
});

test('database errors that mean "not reachable" are told apart from errors the database gave', () => {
  const unreachable = [
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
    Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
    Object.assign(new Error('sorry, too many clients already'), { code: '53300' }),
    Object.assign(new Error('connection failure'), { code: '08006' }),
    new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]),
  ];
  for (const e of unreachable) assert.equal(isDatabaseUnavailable(e), true, e.message);
  const answered = [
    Object.assign(new Error('duplicate key value'), { code: '23505' }),
    Object.assign(new Error('invalid input syntax for type uuid'), { code: '22P02' }),
    new Error('something else'),
  ];
  for (const e of answered) assert.equal(isDatabaseUnavailable(e), false, e.message);
});

test('asUnavailable names the service, and leaves domain errors alone', () => {
  assert.equal(asUnavailable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))?.service, 'PostgreSQL');
  assert.equal(asUnavailable(new BatchNotFoundError('b')), null);
  assert.equal(asUnavailable(new Error('plain')), null);
});

test('only an error that means "no answer" is an outage: gRPC UNAVAILABLE/DEADLINE_EXCEEDED, not other Temporal failures; a client abort stays a 400', () => {
  const grpc = (code: number) => Object.assign(new Error('x'), { name: 'ServiceError', cause: { code } });
  assert.equal(asUnavailable(grpc(14))?.service, 'Temporal');
  assert.equal(asUnavailable(grpc(4))?.service, 'Temporal');
  assert.equal(asUnavailable(grpc(3)), null, 'INVALID_ARGUMENT is an answer');
  assert.equal(asUnavailable(grpc(7)), null, 'PERMISSION_DENIED is an answer');
  const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 });
  assert.equal(toErrorBody(aborted).statusCode, 400);
});
