import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inSlices, SLICE_MS } from '../../api/slices.ts';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

test('callers take turns, one slice per event-loop turn, so a timer due meanwhile is not starved', async () => {
  const order: string[] = [];
  const worker = (name: string, units: number) => {
    let n = 0;
    return inSlices(() => {
      busy(1);
      order.push(name);
      return ++n >= units;
    });
  };
  setTimeout(() => order.push('timer'), 2);
  await Promise.all([worker('a', 60), worker('b', 60)]);
  // Interleaved: neither ran all its units before the other started.
  assert.ok(order.indexOf('b') < order.lastIndexOf('a') && order.indexOf('a') < order.lastIndexOf('b'), order.join(''));
  // 120 ms of work in slices of SLICE_MS: the 2 ms timer ran between slices, long before the end.
  assert.ok(order.indexOf('timer') < order.length - 2 * SLICE_MS, order.join(''));
});

test('an error thrown by a step rejects its caller and stops its work; others finish', async () => {
  let steps = 0;
  const failing = inSlices(() => {
    if (++steps === 3) throw new Error('over budget');
    return false;
  });
  let other = 0;
  const ok = inSlices(() => ++other >= 5);
  await assert.rejects(failing, /over budget/);
  await ok;
  assert.equal(steps, 3);
  assert.equal(other, 5);
});
