/**
 * `make demo` / `phonebatch demo`: starts the embedded stack (PostgreSQL, Temporal dev
 * server, a worker process), runs real batches with live progress, prints a summary, and
 * stops everything it started.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { startEmbeddedStack } from '../devstack/embedded.ts';
import type { BatchService } from '../batches/service.ts';
import type { InputRow } from '../batches/spec.ts';
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

interface Run {
  label: string;
  batchId: string;
  seconds: number;
  processed: number;
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
    const { config, api, token, service, project } = stack;
    say(`Temporal UI: ${config.temporalUiUrl}`);
    say(`API: ${api.url}   OpenAPI: ${api.url}/openapi.json`);
    say(`Token (project "${project}"): ${token}`);
    say(`Watch live: websocat -H "Authorization: Bearer ${token}" ws://${new URL(api.url).host}/ws/tasks/\n`);

    const runs: Run[] = [];
    const run = async (label: string, spec: unknown, rows?: AsyncIterable<InputRow>) => {
      const t0 = performance.now();
      const { batchId } = await service.submit({ project, spec, rows });
      const final = await watchBatch(service, project, batchId, { label: label.padEnd(28) });
      runs.push({ label, batchId, seconds: (performance.now() - t0) / 1000, processed: final.processed });
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
    await run(
      'validate institutions.csv',
      { validate: {} },
      csvRows(INSTITUTIONS, { column: 'raw_phone', regionColumn: 'country' }),
    );

    say('');
    await printSummary(service, project, runs);
    if (opts.keepRunning) {
      say(`\nStill running (API ${api.url}, Temporal UI ${config.temporalUiUrl}); Ctrl-C stops everything.`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    await stopAll();
  }
}

async function printSummary(service: BatchService, project: string, runs: Run[]): Promise<void> {
  const out = (s = '') => process.stdout.write(s + '\n');
  const n = (x: number | null) => (x ?? 0).toLocaleString('en');
  const list = (xs: Array<{ key: string; count: number }>) => xs.map((t) => `${t.key} ${n(t.count)}`).join(', ');
  out('PhoneBatch demo summary');
  out('=======================');
  for (const r of runs) {
    const b = await service.read(project, r.batchId);
    const s = await service.summary(project, r.batchId);
    out(`\n${r.label}  (batch ${r.batchId})`);
    out(
      `  status ${b.status}; rows ${n(b.processed)}/${n(b.total)}; numbers: valid ${n(b.valid)}, invalid ${n(b.invalid)}; libphonenumber-js ${b.libraryVersion}`,
    );
    out(`  elapsed ${r.seconds.toFixed(2)} s; ${Math.round(r.processed / r.seconds).toLocaleString('en')} rows/s`);
    out(`  by type: ${list(s.byType)}`);
    out(`  by region (${s.regions} regions): ${list(s.byRegion)}`);
    if (s.errors.length) out(`  errors: ${list(s.errors)}`);
    if (b.operation === 'validate') {
      // What the validator changed or doubts (codes: README "Messy input").
      out(`  repairs: ${list(s.repairs) || 'none'}`);
      out(`  warnings: ${list(s.warnings) || 'none'}`);
      out(`  labels: ${list(s.labels) || 'none'}`);
    }
    out(`  sample: ${s.sample.join(', ')}`);
    if (s.declared) {
      const d = s.declared;
      out(
        `  ${n(d.inDeclaredRegion)} numbers valid for the row's country + ${n(d.inOtherRegion)} valid for another region; ${n(d.rowsWithSeveral)} fields held several numbers.`,
      );
      out('  naive baseline (one parsePhoneNumberWithError per field, data/ATTRIBUTION.md): 1,180 + 7 valid.');
    }
  }
}
