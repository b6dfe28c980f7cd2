/** A stored batch row for pure tests (batches/state.ts BatchRecord): running, 1,000 numbers, none stored yet. */
import type { BatchRecord } from '../../batches/state.ts';

const ID = '5f0c2a7e-3b1d-4c8e-9a6f-2d4b8e1c7a90';

export function batchRecord(over: Partial<BatchRecord> = {}): BatchRecord {
  const id = over.id ?? ID;
  return {
    id,
    project: 'p',
    operation: 'generate',
    spec: { generate: { region: 'GB', count: 1000 } },
    status: 'running',
    workflowId: `phonebatch-${id}`,
    total: 1000,
    processed: 0,
    valid: 0,
    invalid: 0,
    libraryVersion: '1.13.16',
    error: null,
    createdAt: new Date('2026-12-03T12:00:00Z'),
    startedAt: new Date('2026-12-03T12:00:01Z'),
    finishedAt: null,
    ...over,
  };
}
