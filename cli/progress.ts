/**
 * Live progress of a batch on the terminal (cli-progress), fed by the workflow's progress
 * query (BatchService.live) four times a second. On a non-TTY it prints the line every 2 s
 * instead of redrawing it.
 */
import cliProgress from 'cli-progress';
import type { BatchService } from '../batches/service.ts';
import type { BatchState } from '../batches/state.ts';

export interface WatchOptions {
  label: string;
  intervalMs?: number;
  stream?: NodeJS.WriteStream;
}

/** Shows progress until the batch ends; resolves with its final state, whatever the outcome. */
export async function watchBatch(
  service: BatchService,
  project: string,
  batchId: string,
  opts: WatchOptions,
): Promise<BatchState> {
  const stream = opts.stream ?? process.stderr;
  const bar = new cliProgress.SingleBar(
    {
      format: `${opts.label} |{bar}| {percentage}% rows {value}/{total} | numbers valid {valid} invalid {invalid} | {rate} rows/s | {phase}`,
      stream,
      noTTYOutput: true,
      notTTYSchedule: 2000,
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const t0 = Date.now();
  bar.start(1, 0, { valid: 0, invalid: 0, rate: 0, phase: 'preparing' });
  let done = false;
  const result = service.wait(project, batchId).finally(() => (done = true));
  const tick = async () => {
    try {
      const p = await service.live(batchId, 2000);
      const secs = Math.max(0.001, (Date.now() - t0) / 1000);
      bar.setTotal(Math.max(1, p.total));
      bar.update(p.processed, {
        valid: p.valid,
        invalid: p.invalid,
        rate: Math.round(p.processed / secs),
        phase: p.phase,
      });
    } catch {
      // The workflow may be between runs (continue-as-new); the next tick catches up.
    }
  };
  while (!done) {
    await tick();
    await Promise.race([result.catch(() => {}), new Promise((r) => setTimeout(r, opts.intervalMs ?? 250))]);
  }
  try {
    const final = await result;
    const secs = Math.max(0.001, (Date.now() - t0) / 1000);
    bar.setTotal(Math.max(1, final.total ?? 0));
    bar.update(final.processed, {
      valid: final.valid,
      invalid: final.invalid,
      rate: Math.round(final.processed / secs),
      phase: final.status,
    });
    return final;
  } finally {
    bar.stop();
  }
}
