/**
 * `make bench`: throughput of PhoneBatch beside baselines measured in the same run, on the same
 * machine. Prints figures and targets; asserts nothing (speed is reported, not tested).
 *
 *   BENCH_COUNT   numbers in the end-to-end generate run (default 10,000,000)
 *   BENCH_ONLY    comma list of sections: core,startup,e2e,validate (default all)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { parse } from 'csv-parse/sync';
import { parsePhoneNumber, type CountryCode } from 'libphonenumber-js/max';
import { startPostgres } from '../devstack/postgres.ts';
import { startTemporal } from '../devstack/temporal.ts';
import { spawnWorkerProcess, stopProcess } from '../devstack/worker.ts';
import { getPool, closePools } from '../db/pool.ts';
import { checkLedger, NUMBER_COLUMNS } from '../db/chunks.ts';
import { GENERATE_CHUNK } from '../workflows/activities.ts';
import { connectClient } from '../workflows/client.ts';
import { BatchService } from '../batches/service.ts';
import { validateField } from '../core/validate.ts';
import type { Config } from '../lib/config.ts';
import { ROOT } from '../test/support/stack.ts';

const COUNT = Number(process.env.BENCH_COUNT ?? 10_000_000);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'core,startup,e2e,validate').split(','));
const out = (s = '') => process.stdout.write(s + '\n');
const fmt = (n: number) => Math.round(n).toLocaleString('en');

type Row = { raw: string; country: string };
const institutions: Row[] = parse(readFileSync(join(ROOT, 'data/institutions.csv')), { columns: true }).map(
  (r: any) => ({ raw: r.raw_phone, country: r.country }),
);

/** Runs `fn` repeatedly for at least `ms`; returns items per second. */
function rate(items: number, fn: () => void, ms = 3000): number {
  fn(); // warm up
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    fn();
    n += items;
  }
  return (n / (performance.now() - t0)) * 1000;
}

function benchCore(): void {
  out('## check (core only, one core) vs raw libphonenumber-js parse + isValid');
  let sink = 0;
  const raw = rate(institutions.length, () => {
    for (const r of institutions) {
      try {
        if (parsePhoneNumber(r.raw, r.country as CountryCode).isValid()) sink++;
      } catch {
        sink--;
      }
    }
  });
  const ours = rate(institutions.length, () => {
    for (const r of institutions) sink += validateField(r.raw, r.country).length;
  });
  const clean = institutions.map((r) => r.raw.split(/[,;/]| or /)[0]!.trim()).filter(Boolean);
  const rawClean = rate(clean.length, () => {
    for (const c of clean) {
      try {
        if (parsePhoneNumber(c, 'US').isValid()) sink++;
      } catch {
        sink--;
      }
    }
  });
  const oursClean = rate(clean.length, () => {
    for (const c of clean) sink += validateField(c, 'US').length;
  });
  out(
    `institutions.csv fields (messy): check ${fmt(ours)}/s, raw ${fmt(raw)}/s, ratio ${(ours / raw).toFixed(2)} (target ≥ 0.9)`,
  );
  out(
    `first number of each field:      check ${fmt(oursClean)}/s, raw ${fmt(rawClean)}/s, ratio ${(oursClean / rawClean).toFixed(2)} (target ≥ 0.9)`,
  );
  out(`(sink ${sink})\n`);
}

async function rawCopyBaseline(
  pool: ReturnType<typeof getPool>,
  rows: number,
  synchronousCommit = true,
): Promise<number> {
  // Same table, same key, same row shape and chunk size as the worker writes; two connections.
  const batchId = '00000000-0000-4000-8000-000000000000';
  const chunk = 25_000;
  const chunks = Math.ceil(rows / chunk);
  let next = 0;
  const t0 = performance.now();
  const lane = async () => {
    for (let c = next++; c < chunks; c = next++) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        if (!synchronousCommit) await client.query('SET LOCAL synchronous_commit = off');
        const blocks: string[] = [];
        for (let s = c * chunk; s < Math.min(rows, (c + 1) * chunk); s += 5000) {
          let b = '';
          for (let i = s; i < Math.min(rows, s + 5000); i++)
            b += `${batchId}\t${i}\t0\t+1212${String(2000000 + i).slice(-7)}\t\\N\tUS\tFIXED_LINE_OR_MOBILE\tt\tt\t\\N\t\\N\t\\N\t\\N\t\\N\t{}\t{}\t\\N\t\\N\n`;
          blocks.push(b);
        }
        await pipeline(
          Readable.from(blocks, { objectMode: false }),
          client.query(copyFrom(`COPY numbers (${NUMBER_COLUMNS.join(', ')}) FROM STDIN`)),
        );
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    }
  };
  await Promise.all([lane(), lane()]);
  const r = (rows / (performance.now() - t0)) * 1000;
  await pool.query('DELETE FROM numbers WHERE batch_id = $1', [batchId]);
  await pool.query('VACUUM numbers');
  return r;
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Worker start-up and idle memory, TypeScript through tsx against the compiled build the image
 * runs (devstack/entry.ts): milliseconds from spawn until Temporal lists the worker as a poller
 * of its task queue, and RSS 3 s later.
 */
async function benchStartup(config: Config, client: Awaited<ReturnType<typeof connectClient>>): Promise<void> {
  out('## worker start-up: tsx vs compiled (dist/)');
  const figures: Record<string, { ms: number; mb: number }> = {};
  for (const compiled of [false, true]) {
    const taskQueue = `bench-startup-${compiled ? 'compiled' : 'tsx'}`;
    const t0 = performance.now();
    const w = spawnWorkerProcess({ ...config, taskQueue }, {}, compiled);
    for (;;) {
      const r = await client.workflowService.describeTaskQueue({
        namespace: config.temporalNamespace,
        taskQueue: { name: taskQueue },
        taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
      });
      if (r.pollers?.length) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    const ms = performance.now() - t0;
    await new Promise((res) => setTimeout(res, 3000));
    const mb = rssMb(w.pid!);
    await stopProcess(w);
    figures[compiled ? 'compiled' : 'tsx'] = { ms, mb };
    out(`  ${compiled ? 'compiled' : 'tsx     '}: polling after ${fmt(ms)} ms, idle RSS ${mb.toFixed(0)} MB`);
  }
  const { tsx, compiled } = figures as { tsx: { ms: number; mb: number }; compiled: { ms: number; mb: number } };
  out(
    `  compiled / tsx: start-up ${(compiled.ms / tsx.ms).toFixed(2)}, idle RSS ${(compiled.mb / tsx.mb).toFixed(2)} (target: both < 1)\n`,
  );
}

async function benchE2e(): Promise<void> {
  const pgSrv = await startPostgres();
  const temporal = await startTemporal();
  const config: Config = {
    databaseUrl: pgSrv.url,
    temporalAddress: temporal.address,
    temporalNamespace: 'default',
    taskQueue: 'bench',
    temporalUiUrl: temporal.uiUrl,
  };
  const worker = spawnWorkerProcess(config);
  const pool = getPool(config.databaseUrl);
  const client = await connectClient(config);
  const service = new BatchService({ pool, temporal: client, taskQueue: config.taskQueue });
  try {
    if (ONLY.has('startup')) await benchStartup(config, client);
    if (ONLY.has('e2e')) {
      out(`## end-to-end random generation through Temporal into PostgreSQL (${fmt(COUNT)} numbers)`);
      // Interleaved, best of two each: the first COPY into a fresh table warms caches for the rest.
      const copyRows = Math.min(COUNT, 2_000_000);
      let copyRate = 0;
      let asyncRate = 0;
      for (let i = 0; i < 2; i++) {
        asyncRate = Math.max(asyncRate, await rawCopyBaseline(pool, copyRows, false));
        copyRate = Math.max(copyRate, await rawCopyBaseline(pool, copyRows));
      }
      const idleRss = rssMb(worker.pid!); // the worker has been up and polling for a while by now
      out(`raw COPY baseline (same table/key/rows, 25k-row transactions, 2 connections): ${fmt(copyRate)} rows/s`);
      out(
        `  synchronous commit (the default, O9) costs COPY: ${fmt(copyRate)} vs ${fmt(asyncRate)} rows/s with it off per transaction, ratio ${(copyRate / asyncRate).toFixed(2)}`,
      );
      const t0 = performance.now();
      const { batchId } = await service.submit({
        project: 'bench',
        spec: {
          generate: {
            region: 'US',
            mode: 'random',
            count: COUNT,
            numberType: 'FIXED_LINE_OR_MOBILE',
            areaCodes: ['212', '415', '512', '617', '702', '808'],
            seed: 'bench',
          },
        },
      });
      const rss: Array<{ processed: number; mb: number }> = [];
      let done = false;
      const result = service.wait('bench', batchId).finally(() => (done = true));
      while (!done) {
        await new Promise((r) => setTimeout(r, 500));
        const p = await service.live(batchId, 2000).catch(() => null);
        if (p) rss.push({ processed: p.processed, mb: rssMb(worker.pid!) });
      }
      const final = await result;
      const secs = (performance.now() - t0) / 1000;
      const e2e = final.processed / secs;
      out(
        `PhoneBatch end to end: ${fmt(e2e)} numbers/s (${secs.toFixed(1)} s) — target ≥ 300,000/s; ratio to raw COPY ${(e2e / copyRate).toFixed(2)} (target ≥ 0.5)`,
      );
      const tCheck = performance.now();
      const check = await checkLedger(pool, batchId, {
        total: COUNT,
        chunkSize: GENERATE_CHUNK,
        chunks: Math.ceil(COUNT / GENERATE_CHUNK),
      });
      const checkSecs = (performance.now() - tCheck) / 1000;
      out(
        `ledger check before success (O9), run again on the finished batch: ${checkSecs.toFixed(2)} s for ${fmt(check.counts.rows)} rows (${((checkSecs / secs) * 100).toFixed(1)} % of the batch's time); missing ${check.missing.length}, mismatch ${check.mismatch ?? 'none'}`,
      );
      const at = (n: number) => rss.find((r) => r.processed >= n)?.mb ?? NaN;
      const max = Math.max(...rss.map((r) => r.mb).filter(Number.isFinite));
      out(
        `worker RSS: ${idleRss.toFixed(0)} MB idle, ${at(1_000_000).toFixed(0)} MB at 1M, ${at(Math.min(COUNT, 10_000_000) * 0.95).toFixed(0)} MB near the end, max ${max.toFixed(0)} MB (target: flat, < 300 MB)\n`,
      );
    }
    if (ONLY.has('validate')) {
      out(
        `## validate job (institutions.csv ×${process.env.BENCH_VALIDATE_REPS ?? 200}) vs raw libphonenumber-js per core`,
      );
      const reps = Number(process.env.BENCH_VALIDATE_REPS ?? 200);
      const rows = Array.from({ length: reps }, () => institutions).flat();
      let sink = 0;
      const tRaw = performance.now();
      for (const r of rows) {
        try {
          if (parsePhoneNumber(r.raw, r.country as CountryCode).isValid()) sink++;
        } catch {
          sink--;
        }
      }
      const rawRate = rows.length / ((performance.now() - tRaw) / 1000);
      const t0 = performance.now();
      let tUploaded = t0;
      // The rows are stored by submit, before the workflow starts: time from when they are in.
      async function* uploaded() {
        for (const r of rows) yield { raw: r.raw, defaultRegion: r.country };
        tUploaded = performance.now();
      }
      const { batchId } = await service.submit({ project: 'bench', spec: { validate: {} }, rows: uploaded() });
      const final = await service.wait('bench', batchId);
      const t1 = performance.now();
      const secs = (t1 - t0) / 1000;
      const jobRate = final.processed / secs;
      const workRate = final.processed / ((t1 - tUploaded) / 1000);
      out(
        `validate job: ${fmt(workRate)} rows/s from workflow start to finish (one worker process), ${fmt(jobRate)} rows/s including the upload; raw parse+isValid ${fmt(rawRate)} rows/s on one core; ratio ${(workRate / rawRate).toFixed(2)} (target ≥ 0.9) (sink ${sink})\n`,
      );
    }
  } finally {
    worker.kill('SIGTERM');
    await client.connection.close();
    await closePools();
    await temporal.stop();
    await pgSrv.stop();
  }
}

out(
  `PhoneBatch benchmarks — ${new Date().toISOString()} — node ${process.version}, ${(await import('node:os')).cpus().length} cores\n`,
);
if (ONLY.has('core')) benchCore();
if (ONLY.has('startup') || ONLY.has('e2e') || ONLY.has('validate')) await benchE2e();
