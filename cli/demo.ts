/**
 * `make demo` / `phonebatch demo`: starts the embedded stack (PostgreSQL, Temporal dev
 * server, a worker process), runs real batches with live progress, prints a summary, and
 * stops everything it started.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { getPool } from '../db/pool.ts';
import { startEmbeddedStack } from '../devstack/embedded.ts';
import { loadInputs } from '../db/batches.ts';
import { connectClient, startBatch } from '../workflows/client.ts';
import type { BatchSpec } from '../batches/spec.ts';
import { csvRows } from './sources.ts';
import { watchBatch } from './progress.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const INSTITUTIONS = join(ROOT, 'data/institutions.csv');

export interface DemoOptions {
  /** Numbers in the random generate batch. */
  count: number;
  /** Keep everything running after the summary until SIGINT (to explore the API and UI). */
  keepRunning?: boolean;
}

export async function runDemo(opts: DemoOptions): Promise<void> {
  const say = (s: string) => process.stderr.write(s + '\n');
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  if (!opts.keepRunning) process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    const stack = await startEmbeddedStack({ taskQueue: 'phonebatch-demo', say });
    cleanups.push(() => stack.stop());
    const { config, api, token } = stack;
    const client = await connectClient(config);
    cleanups.push(() => client.connection.close());
    const pool = getPool(config.databaseUrl);
    say(`Temporal UI: ${config.temporalUiUrl}`);
    say(`API: ${api.url}   OpenAPI: ${api.url}/openapi.json`);
    say(`Token (project "${stack.project}"): ${token}`);
    say(`Watch live: websocat -H "Authorization: Bearer ${token}" ws://${new URL(api.url).host}/ws/tasks/\n`);

    const runs: Array<{ label: string; batchId: string; seconds: number; processed: number }> = [];
    const run = async (label: string, spec: BatchSpec, upload?: (id: string) => Promise<BatchSpec>) => {
      const t0 = performance.now();
      const started = await startBatch(client, pool, config, { spec, beforeStart: upload });
      const final = await watchBatch(client, started.batchId, { label: label.padEnd(28) });
      runs.push({
        label,
        batchId: started.batchId,
        seconds: (performance.now() - t0) / 1000,
        processed: final.processed,
      });
    };

    await run(`random US ×${opts.count.toLocaleString('en')}`, {
      generate: {
        region: 'US',
        mode: 'random',
        count: opts.count,
        numberType: 'FIXED_LINE_OR_MOBILE',
        areaCodes: ['212', '415', '512', '617', '702', '808'],
        seed: 'demo',
      },
    });
    await run('fictional US 555-01xx', {
      generate: { region: 'US', mode: 'fictional', count: 500, areaCodes: ['212', '415', '512', '617', '702'] },
    });
    await run('fictional GB drama', { generate: { region: 'GB', mode: 'fictional', count: 1000 } });
    await run('validate institutions.csv', { validate: { source: { upload: { rows: 0 } } } }, async (id) => ({
      validate: {
        source: {
          upload: {
            rows: await loadInputs(pool, id, csvRows(INSTITUTIONS, { column: 'raw_phone', regionColumn: 'country' })),
          },
        },
      },
    }));

    say('');
    await printSummary(pool, runs);
    if (opts.keepRunning) {
      say(`\nStill running (API ${api.url}, Temporal UI ${config.temporalUiUrl}); Ctrl-C stops everything.`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    await stopAll();
  }
}

async function printSummary(
  pool: ReturnType<typeof getPool>,
  runs: Array<{ label: string; batchId: string; seconds: number; processed: number }>,
): Promise<void> {
  const out = (s = '') => process.stdout.write(s + '\n');
  out('PhoneBatch demo summary');
  out('=======================');
  for (const r of runs) {
    const b = await pool.query(
      'SELECT status, total, processed, valid, invalid, library_version FROM batches WHERE id = $1',
      [r.batchId],
    );
    const row = b.rows[0];
    out(`\n${r.label}  (batch ${r.batchId})`);
    out(
      `  status ${row.status}; rows ${Number(row.processed).toLocaleString('en')}/${Number(row.total).toLocaleString('en')}; numbers: valid ${Number(row.valid).toLocaleString('en')}, invalid ${Number(row.invalid).toLocaleString('en')}; libphonenumber-js ${row.library_version}`,
    );
    out(`  elapsed ${r.seconds.toFixed(2)} s; ${Math.round(r.processed / r.seconds).toLocaleString('en')} rows/s`);
    const types = await pool.query(
      `SELECT coalesce(number_type, '-') AS k, count(*)::int AS n FROM numbers WHERE batch_id = $1 GROUP BY 1 ORDER BY 2 DESC LIMIT 8`,
      [r.batchId],
    );
    out(`  by type: ${types.rows.map((t) => `${t.k} ${t.n.toLocaleString('en')}`).join(', ')}`);
    const regions = await pool.query(
      `SELECT coalesce(region, '-') AS k, count(*)::int AS n FROM numbers WHERE batch_id = $1 GROUP BY 1 ORDER BY 2 DESC LIMIT 10`,
      [r.batchId],
    );
    const nRegions = await pool.query('SELECT count(DISTINCT region)::int AS n FROM numbers WHERE batch_id = $1', [
      r.batchId,
    ]);
    out(
      `  by region (${nRegions.rows[0].n} regions): ${regions.rows.map((t) => `${t.k} ${t.n.toLocaleString('en')}`).join(', ')}`,
    );
    const errors = await pool.query(
      `SELECT error AS k, count(*)::int AS n FROM numbers WHERE batch_id = $1 AND error IS NOT NULL GROUP BY 1 ORDER BY 2 DESC`,
      [r.batchId],
    );
    if (errors.rows.length) out(`  errors: ${errors.rows.map((t) => `${t.k} ${t.n}`).join(', ')}`);
    const sample = await pool.query('SELECT e164 FROM numbers WHERE batch_id = $1 AND valid ORDER BY seq LIMIT 3', [
      r.batchId,
    ]);
    out(`  sample: ${sample.rows.map((s) => s.e164).join(', ')}`);
  }
  const v = runs.find((r) => r.label.startsWith('validate'));
  if (v) {
    const own = await pool.query(
      `SELECT count(*) FILTER (WHERE n.valid AND n.region = i.default_region)::int AS own,
              count(*) FILTER (WHERE n.valid AND n.region <> i.default_region)::int AS other,
              count(DISTINCT n.seq) FILTER (WHERE n.part > 0)::int AS multi
       FROM numbers n JOIN batch_inputs i ON i.batch_id = n.batch_id AND i.row_no = n.seq WHERE n.batch_id = $1`,
      [v.batchId],
    );
    const o = own.rows[0];
    out(
      `\ninstitutions.csv: ${o.own.toLocaleString('en')} numbers valid for the row's country + ${o.other} valid for another region; ${o.multi} fields held several numbers.`,
    );
    out('  naive baseline (one parsePhoneNumberWithError per field, data/ATTRIBUTION.md): 1,180 + 7 valid.');
  }
}
