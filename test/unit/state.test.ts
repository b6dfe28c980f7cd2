/** The one status vocabulary and how a batch's state is rebuilt from its row and what was observed. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  batchState,
  isTerminal,
  percent,
  statusOfPhase,
  TERMINAL_STATUSES,
  type BatchRecord,
  type Observation,
} from '../../batches/state.ts';
import { batchRecord } from '../support/records.ts';

const row = (over: Partial<BatchRecord> = {}): BatchRecord => batchRecord(over);
const running = { status: 'RUNNING', workflowId: 'w', runId: 'r' };

describe('the status vocabulary', () => {
  test('the terminal statuses are exactly succeeded, failed and cancelled', () => {
    assert.deepEqual([...TERMINAL_STATUSES], ['succeeded', 'failed', 'cancelled']);
    for (const s of ['pending', 'running', 'preparing', 'finalizing']) assert.equal(isTerminal(s), false, s);
  });

  test('every workflow phase before the end is status running; the end phases are their own status', () => {
    const cases = [
      ['preparing', 'running'],
      ['running', 'running'],
      ['finalizing', 'running'],
      ['succeeded', 'succeeded'],
      ['failed', 'failed'],
      ['cancelled', 'cancelled'],
    ] as const;
    for (const [phase, status] of cases) assert.equal(statusOfPhase(phase), status, phase);
  });

  test('percent rounds down to one decimal, is 100 once succeeded, and 0 without a total', () => {
    const cases: Array<[Parameters<typeof percent>, number]> = [
      [['running', 0, 1000], 0],
      [['running', 1, 3], 33.3],
      [['running', 999, 1000], 99.9],
      [['running', 1000, 1000], 100],
      [['running', 5, null], 0],
      [['running', 5, 0], 0],
      [['succeeded', 0, 0], 100],
      [['failed', 400, 1000], 40],
      [['running', 2000, 1000], 100],
    ];
    for (const [args, want] of cases) assert.equal(percent(...args), want, JSON.stringify(args));
  });
});

describe('batchState: the stored row merged with what was observed', () => {
  test('a finished row is final: its own status and counts, whatever the workflow says', () => {
    const s = batchState(row({ status: 'succeeded', processed: 1000, valid: 1000, finishedAt: new Date() }), {
      progress: { total: 1000, processed: 10, valid: 10, invalid: 0, phase: 'running' },
    });
    assert.deepEqual(
      [s.status, s.processed, s.valid, s.percent, s.countsFrom, s.phase],
      ['succeeded', 1000, 1000, 100, 'row', null],
    );
  });

  test('a live workflow gives its phase and counts, and the status that phase means', () => {
    const seen: Observation = {
      workflow: running,
      progress: { total: 1000, processed: 250, valid: 240, invalid: 10, phase: 'running' },
    };
    const s = batchState(row({ status: 'pending', total: null }), seen);
    assert.deepEqual(
      [s.status, s.phase, s.total, s.processed, s.valid, s.invalid, s.percent, s.countsFrom],
      ['running', 'running', 1000, 250, 240, 10, 25, 'workflow'],
    );
  });

  test('while preparing, the total is the row’s until the workflow knows it', () => {
    const s = batchState(row({ status: 'pending', total: null }), {
      workflow: running,
      progress: { total: 0, processed: 0, valid: 0, invalid: 0, phase: 'preparing' },
    });
    assert.deepEqual([s.status, s.phase, s.total, s.percent], ['running', 'preparing', null, 0]);
  });

  test('no worker answering: the ledger’s counts, so progress never drops back to 0', () => {
    const s = batchState(row(), { workflow: running, ledger: { rows: 600, valid: 590, invalid: 10 } });
    assert.deepEqual(
      [s.status, s.processed, s.valid, s.invalid, s.percent, s.countsFrom, s.phase],
      ['running', 600, 590, 10, 60, 'ledger', null],
    );
  });

  test('a workflow closed from outside while the row is unfinished makes the batch failed (or cancelled)', () => {
    const ledger = { rows: 300, valid: 300, invalid: 0 };
    for (const [wf, status] of [
      ['TERMINATED', 'failed'],
      ['TIMED_OUT', 'failed'],
      ['FAILED', 'failed'],
      ['CANCELLED', 'cancelled'],
    ] as const) {
      const s = batchState(row(), { workflow: { ...running, status: wf }, ledger });
      assert.equal(s.status, status, wf);
      assert.equal(s.processed, 300, wf);
      assert.match(s.error ?? '', new RegExp(`ended ${wf}`), wf);
    }
  });

  test('a batch whose workflow has not started shows pending with nothing processed', () => {
    const s = batchState(row({ status: 'pending', total: null }), {
      workflow: null,
      ledger: { rows: 0, valid: 0, invalid: 0 },
    });
    assert.deepEqual([s.status, s.processed, s.percent, s.workflow], ['pending', 0, 0, null]);
  });
});
