/** The WebSocket progress hub (api/progress-hub.ts) over a fake progress source: no database, no Temporal. */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressHub, type HubMessage, type ProgressSource } from '../../api/progress-hub.ts';
import { batchState, type BatchRecord } from '../../batches/state.ts';
import type { BatchProgress } from '../../workflows/shared.ts';

const ID = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

/** A world the test edits: stored rows, live progress per batch (absent: the query fails), the ledger. */
class FakeSource implements ProgressSource {
  rows = new Map<string, BatchRecord>();
  live_ = new Map<string, BatchProgress>();
  ledger = new Map<string, number>();
  liveCalls = 0;

  add(n: number, project: string): BatchRecord {
    const r: BatchRecord = {
      id: ID(n),
      project,
      operation: 'generate',
      spec: { generate: { region: 'GB', count: 100 } },
      status: 'running',
      workflowId: `phonebatch-${ID(n)}`,
      total: 100,
      processed: 0,
      valid: 0,
      invalid: 0,
      libraryVersion: 'x',
      error: null,
      createdAt: new Date('2026-12-03T12:00:00Z'),
      startedAt: null,
      finishedAt: null,
    };
    this.rows.set(r.id, r);
    return r;
  }
  finish(n: number, processed: number): void {
    const r = this.rows.get(ID(n))!;
    Object.assign(r, { status: 'succeeded', processed, valid: processed, finishedAt: new Date() });
    this.live_.set(r.id, { total: 100, processed, valid: processed, invalid: 0, phase: 'succeeded' });
  }
  async active(projects: string[]) {
    return [...this.rows.values()].filter(
      (r) => projects.includes(r.project) && (r.status === 'running' || r.status === 'pending'),
    );
  }
  async find(project: string, id: string, opts: { live?: boolean } = {}) {
    const r = this.rows.get(id);
    if (!r || r.project !== project) return null;
    const p = opts.live === false ? undefined : this.live_.get(id);
    return batchState(
      r,
      p ? { progress: p } : { ledger: { rows: this.ledger.get(id) ?? 0, valid: this.ledger.get(id) ?? 0, invalid: 0 } },
    );
  }
  async live(id: string) {
    this.liveCalls++;
    const p = this.live_.get(id);
    if (!p) throw new Error('no worker answered');
    return p;
  }
}

const hubs: ProgressHub[] = [];
afterEach(() => hubs.splice(0).forEach((h) => h.stop()));

function start(source: FakeSource) {
  const hub = new ProgressHub({ source, hz: 50, listIntervalMs: 20 });
  hubs.push(hub);
  hub.start();
  return hub;
}
const until = async (what: string, ok: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ProgressHub', () => {
  test('pushes each change of a batch’s progress once, and its completion once, to its project only', async () => {
    const src = new FakeSource();
    src.add(1, 'alpha');
    src.live_.set(ID(1), { total: 100, processed: 10, valid: 10, invalid: 0, phase: 'running' });
    const hub = start(src);
    const alpha: HubMessage[] = [];
    const beta: HubMessage[] = [];
    hub.subscribe('alpha', (m) => alpha.push(m));
    hub.subscribe('beta', (m) => beta.push(m));
    await until('first progress', () => alpha.length === 1);
    await sleep(100); // many ticks with the same progress: no repeat
    assert.equal(alpha.length, 1);
    src.live_.set(ID(1), { total: 100, processed: 60, valid: 60, invalid: 0, phase: 'running' });
    await until('second progress', () => alpha.length === 2);
    src.finish(1, 100);
    await until('completion', () => alpha.some((m) => m.type === 'task_completed'));
    await sleep(100);
    assert.deepEqual(
      alpha.map((m) => [m.type, m.status, m.processed_items, m.progress]),
      [
        ['task_progress', 'running', 10, 10],
        ['task_progress', 'running', 60, 60],
        ['task_completed', 'succeeded', 100, 100],
      ],
    );
    assert.deepEqual(beta, []);
  });

  test('asks no workflow anything while nobody is subscribed', async () => {
    const src = new FakeSource();
    src.add(1, 'alpha');
    src.live_.set(ID(1), { total: 100, processed: 10, valid: 10, invalid: 0, phase: 'running' });
    start(src);
    await sleep(150);
    assert.equal(src.liveCalls, 0);
  });

  test('active_tasks falls back to the ledger when no worker answers, so a greeting never shows 0 of work done', async () => {
    const src = new FakeSource();
    src.add(1, 'alpha');
    src.add(2, 'alpha');
    src.live_.set(ID(1), { total: 100, processed: 30, valid: 30, invalid: 0, phase: 'running' });
    src.ledger.set(ID(2), 40); // no live progress for batch 2
    const hub = start(src);
    const tasks = await hub.activeTasks('alpha');
    assert.deepEqual(
      tasks.map((t) => [t.task_id, t.processed_items, t.current_step]),
      [
        [ID(1), 30, 'running'],
        [ID(2), 40, 'running'],
      ],
    );
    assert.deepEqual(await hub.activeTasks('beta'), []);
  });

  test('a batch that ended between two listings is reported complete from its row, even if its workflow is gone', async () => {
    const src = new FakeSource();
    src.add(1, 'alpha');
    const hub = start(src);
    const got: HubMessage[] = [];
    hub.subscribe('alpha', (m) => got.push(m));
    await sleep(60); // followed (listed), but the query fails: no progress pushed
    Object.assign(src.rows.get(ID(1))!, { status: 'cancelled', processed: 25, valid: 25, finishedAt: new Date() });
    await until('completion', () => got.length === 1);
    assert.deepEqual([got[0]!.type, got[0]!.status, got[0]!.processed_items], ['task_completed', 'cancelled', 25]);
  });

  test('task_status is the batch’s state, and another project’s batch is not found', async () => {
    const src = new FakeSource();
    src.add(1, 'alpha');
    src.live_.set(ID(1), { total: 100, processed: 70, valid: 70, invalid: 0, phase: 'finalizing' });
    const hub = start(src);
    const t = await hub.taskStatus('alpha', ID(1));
    assert.deepEqual([t?.status, t?.current_step, t?.processed_items], ['running', 'finalizing', 70]);
    assert.equal(await hub.taskStatus('beta', ID(1)), null);
  });
  test('task_status agrees with the stored row once the batch ended, even before the hub saw the end', async () => {
    const src = new FakeSource();
    src.add(1, 'alpha');
    src.live_.set(ID(1), { total: 100, processed: 40, valid: 40, invalid: 0, phase: 'running' });
    const hub = start(src);
    const seen: HubMessage[] = [];
    hub.subscribe('alpha', (m) => seen.push(m));
    await until('first progress', () => seen.length === 1);
    src.finish(1, 100); // the hub's last sample still says running
    const t = await hub.taskStatus('alpha', ID(1));
    assert.deepEqual([t?.status, t?.processed_items], ['succeeded', 100]);
  });
});
