/**
 * Live progress of a batch on the terminal (cli-progress), fed by the workflow's progress
 * query. Never reads Postgres. On a non-TTY it prints the line every 2 s instead of redrawing it.
 */
import cliProgress from 'cli-progress';
import type { Client } from '@temporalio/client';
import { queryProgress, waitForBatch } from '../workflows/client.ts';
import type { BatchProgress } from '../workflows/shared.ts';

export interface WatchOptions {
  label: string;
  intervalMs?: number;
  stream?: NodeJS.WriteStream;
}

/** Shows progress until the batch closes; resolves with its final progress, rejects on failure. */
export async function watchBatch(client: Client, batchId: string, opts: WatchOptions): Promise<BatchProgress> {
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
  const result = waitForBatch(client, batchId).finally(() => (done = true));
  const tick = async () => {
    try {
      const p = await queryProgress(client, batchId);
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
    bar.setTotal(Math.max(1, final.total));
    bar.update(final.processed, {
      valid: final.valid,
      invalid: final.invalid,
      rate: Math.round(final.processed / secs),
      phase: final.phase,
    });
    return final;
  } finally {
    bar.stop();
  }
}
