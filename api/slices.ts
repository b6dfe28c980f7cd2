/**
 * CPU-bound request work (matching numbers in /validate) run in short slices: one slice per
 * turn of the event loop for the whole process, round-robin over the requests that have work.
 * However many such requests run at once, other I/O (a /healthz, a WebSocket push) waits for
 * one slice at most. Slices are scheduled with setImmediate, whose callbacks queued during one
 * check phase run in the next loop iteration, after I/O has been polled.
 */

/** Longest slice of work before the event loop gets a turn (ms). */
export const SLICE_MS = 5;

interface Task {
  /** Does one unit of work; returns true when the task is finished. */
  step: () => boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const queue: Task[] = [];
let scheduled = false;

function schedule(): void {
  if (scheduled || queue.length === 0) return;
  scheduled = true;
  setImmediate(runSlice);
}

function runSlice(): void {
  scheduled = false;
  const task = queue.shift();
  if (!task) return;
  const start = performance.now();
  try {
    do {
      if (task.step()) {
        task.resolve();
        schedule();
        return;
      }
    } while (performance.now() - start < SLICE_MS);
    queue.push(task);
  } catch (err) {
    task.reject(err);
  }
  schedule();
}

/**
 * Runs `step` until it returns true, in slices shared fairly with every other caller.
 * Resolves when it is finished; rejects with what `step` threw (and runs it no more).
 */
export function inSlices(step: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    queue.push({ step, resolve, reject });
    schedule();
  });
}
