/**
 * `phonebatch` command line: a thin adapter over the batch service (batches/service.ts), the
 * same one the API and operator use; `check` needs no server. Flags become a spec (and, for
 * `validate`, CSV rows); the service checks them before any server is contacted.
 * Configuration: PHONEBATCH_DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * PHONEBATCH_TASK_QUEUE, PHONEBATCH_PROJECT (the project of batch commands, default `default`).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { NUMBER_TYPES, REPAIR_MODES, type RepairMode } from '../core/types.ts';
import { normalizeRegion } from '../core/normalize.ts';
import {
  DefaultAreaCodeSchema,
  schemaIssues,
  validateOptionsOf,
  type GenerateSpec,
  type InputRow,
} from '../batches/spec.ts';
import type { OpenedService } from '../batches/service.ts';
import { loadConfig } from '../lib/config.ts';
import { BatchEndedError, fail } from './errors.ts';
import { runCheck } from './check.ts';

const program = new Command();
program
  .name('phonebatch')
  .description('Generate and validate phone numbers in bulk (libphonenumber-js/max, Temporal, PostgreSQL).')
  .showHelpAfterError('(phonebatch <command> --help shows the usage)')
  .exitOverride((err) => {
    if (err.exitCode === 0) process.exit(0);
    process.exit(2);
  });

/** `--project` of the batch commands: the project a batch belongs to (a PhoneBatch's is its namespace). */
const projectOption = () =>
  new Option('--project <name>', 'project of the batch').env('PHONEBATCH_PROJECT').default('default');

const positiveInt = (flag: string) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1)
    throw new InvalidArgumentError(`${flag} must be a whole number ≥ 1, got "${v}"`);
  return Number(v);
};
/** Same region rules as the core (case-insensitive, UK → GB); unknown regions are refused here. */
const region = (flag: string) => (v: string) => {
  const r = normalizeRegion(v);
  if (!r)
    throw new InvalidArgumentError(
      `${flag} must be an ISO 3166-1 alpha-2 region libphonenumber knows, such as US or GB, got "${v}"`,
    );
  return r;
};

/** An area code as the spec takes it (batches/spec.ts DefaultAreaCodeSchema), refused here with the spec's reason. */
const areaCode = (flag: string) => (v: string) => {
  const issue = schemaIssues(DefaultAreaCodeSchema, v)[0];
  if (issue) throw new InvalidArgumentError(`${flag} ${issue.reason}`);
  return v;
};

/** The validator options of `check` and `validate`: the spec's validate.repairs, defaultAreaCode, numericSource. */
const validateOptions = () => [
  new Option('--repairs <mode>', 'how far to go to read messy input: none, safe (default) or all').choices([
    ...REPAIR_MODES,
  ]),
  new Option(
    '--default-area-code <digits>',
    'area code, without trunk prefix, for subscriber numbers written without one (e.g. 30 for Berlin)',
  ).argParser(areaCode('--default-area-code')),
  new Option('--numeric-source', 'the numbers come from a numeric spreadsheet column (a leading zero may be lost)'),
];
type ValidateFlags = { repairs?: RepairMode; defaultAreaCode?: string; numericSource?: boolean };

/** Batch ids are UUIDs, case-insensitive (lower-cased as the API does), checked before any server is contacted. */
const batchId = (v: string) => {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v))
    throw new InvalidArgumentError(`<batch> must be a batch id (UUID), got "${v}"`);
  return v.toLowerCase();
};

const check = program
  .command('check')
  .description('Validate raw fields without a server; prints one JSON object per number found.')
  .argument('[numbers...]', 'raw fields; read from stdin, one per line, when none are given')
  .option('--default-region <XX>', 'region for national-format input (ISO 3166-1 alpha-2)', region('--default-region'));
for (const opt of validateOptions()) check.addOption(opt);
check.action(async (numbers: string[], opts: { defaultRegion?: string } & ValidateFlags) => {
  await runCheck(numbers, opts.defaultRegion, validateOptionsOf(opts));
});

program
  .command('generate')
  .description('Start a generate batch and show its progress.')
  .requiredOption('--region <XX>', 'region (ISO 3166-1 alpha-2)', region('--region'))
  .requiredOption('--count <n>', 'how many unique numbers', positiveInt('--count'))
  .addOption(
    new Option('--mode <mode>', 'fictional (default), random or range').choices(['fictional', 'random', 'range']),
  )
  .addOption(new Option('--type <numberType>', 'number type').choices([...NUMBER_TYPES]))
  .option('--area-codes <list>', 'comma-separated leading digits of the national number (NANP: area codes)')
  .option('--prefix <e164Prefix>', 'range mode: the block you own, e.g. "+1 212 555 1"')
  .option('--seed <seed>', 'same seed, same numbers')
  .option('--no-wait', 'print the batch id and return without waiting')
  .addOption(projectOption())
  .action(async (o) => {
    const generate: GenerateSpec = { region: o.region, count: o.count };
    if (o.mode) generate.mode = o.mode;
    if (o.type) generate.numberType = o.type;
    if (o.areaCodes)
      generate.areaCodes = String(o.areaCodes)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    if (o.prefix) generate.prefix = o.prefix;
    if (o.seed !== undefined) generate.seed = o.seed;
    await submitAndWatch(o.project, { spec: { generate } }, `generate ${o.region}`, o.wait);
  });

const validate = program
  .command('validate')
  .description('Validate and normalise the numbers in a CSV file (with a header row) and show progress.')
  .argument('<file>', 'CSV file, or - for stdin')
  .option('--default-region <XX>', 'region for national-format input', region('--default-region'))
  .option('--column <name>', 'column holding the raw phone field')
  .option('--region-column <name>', "column holding each row's default region (overrides --default-region)");
for (const opt of validateOptions()) validate.addOption(opt);
validate
  .option('--no-wait', 'print the batch id and return without waiting')
  .addOption(projectOption())
  .action(async (file: string, o) => {
    const { csvRows } = await import('./sources.ts');
    // Rows are streamed into PostgreSQL before the workflow starts.
    const spec = {
      validate: { ...(o.defaultRegion ? { defaultRegion: o.defaultRegion } : {}), ...validateOptionsOf(o) },
    };
    const rows = csvRows(file, { column: o.column, regionColumn: o.regionColumn });
    await submitAndWatch(o.project, { spec, rows }, `validate ${file}`, o.wait);
  });

program
  .command('export')
  .description("Stream a batch's results to stdout.")
  .argument('<batch>', 'batch id (UUID)', batchId)
  .addOption(new Option('--format <format>', 'output format').choices(['csv', 'ndjson']).default('csv'))
  .option('--valid-only', 'only valid numbers')
  .addOption(projectOption())
  .action(async (batch: string, o: { format: 'csv' | 'ndjson'; validOnly?: boolean; project: string }) => {
    await withService(({ service }) =>
      service.export(o.project, batch, o.format, process.stdout, o.validOnly ? { valid: true } : {}),
    );
  });

program
  .command('status')
  .description("Print a batch's state as JSON (the same fields the API and the PhoneBatch status show).")
  .argument('<batch>', 'batch id (UUID)', batchId)
  .addOption(projectOption())
  .action(async (batch: string, o: { project: string }) => {
    const state = await withService(({ service }) => service.read(o.project, batch));
    process.stdout.write(JSON.stringify(state, null, 2) + '\n');
  });

program
  .command('summary')
  .description(
    'Print what a batch holds as JSON: counts by type, region, error, repair, warning and label (GET /api/v1/batches/:id/summary).',
  )
  .argument('<batch>', 'batch id (UUID)', batchId)
  .addOption(projectOption())
  .action(async (batch: string, o: { project: string }) => {
    const summary = await withService(({ service }) => service.summary(o.project, batch));
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  });

program
  .command('cancel')
  .description('Cancel a running batch.')
  .argument('<batch>', 'batch id (UUID)', batchId)
  .addOption(projectOption())
  .action(async (batch: string, o: { project: string }) => {
    await withService(({ service }) => service.cancel(o.project, batch));
  });

program
  .command('worker')
  .description('Run a worker (workflows and activities) until interrupted.')
  .action(async () => {
    const { createWorker } = await import('../workflows/worker.ts');
    const { worker } = await createWorker({ config: loadConfig() });
    await worker.run();
  });

const tokenCmd = program.command('token').description('Manage API tokens.');
tokenCmd
  .command('create')
  .description('Create an API token for a project (printed once; only its SHA-256 is stored).')
  .requiredOption('--project <name>', 'project the token belongs to (created if new)')
  .option('--name <label>', 'label to tell tokens apart')
  .action(async (o: { project: string; name?: string }) => {
    const { runTokenCreate } = await import('./token.ts');
    await runTokenCreate({ project: o.project, name: o.name });
  });

program
  .command('api')
  .description('Run the REST/WebSocket API (PHONEBATCH_API_PORT, default 8080) until interrupted.')
  .action(async () => {
    const { startApi } = await import('../api/main.ts');
    const api = await startApi();
    process.stderr.write(`API listening on ${api.url}\n`);
    const stop = () => void api.stop().then(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });

program
  .command('migrate')
  .description('Apply database migrations.')
  .action(async () => {
    const { migrateDatabase } = await import('../batches/service.ts');
    await migrateDatabase(loadConfig());
  });

program
  .command('up')
  .description(
    'Start the embedded stack (PostgreSQL, Temporal, a worker, the API) for the other commands; Ctrl-C stops it.',
  )
  .option('--fresh', 'start from empty databases instead of the ones kept under $TMPDIR/phonebatch-dev-<uid>')
  .action(async (o: { fresh?: boolean }) => {
    process.env.LOG_LEVEL ??= 'warn'; // before the API's logger is created
    const { startEmbeddedStack } = await import('../devstack/embedded.ts');
    const say = (s: string) => process.stderr.write(s + '\n');
    const stack = await startEmbeddedStack({ taskQueue: 'phonebatch', persistent: !o.fresh, say });
    const c = stack.config;
    process.stdout.write(
      [
        `export PHONEBATCH_DATABASE_URL='${c.databaseUrl}'`,
        `export TEMPORAL_ADDRESS='${c.temporalAddress}'`,
        `export PHONEBATCH_TASK_QUEUE='${c.taskQueue}'`,
        `export PHONEBATCH_API_URL='${stack.api.url}'`,
        `export PHONEBATCH_TOKEN='${stack.token}'   # project "${stack.project}"`,
        '',
      ].join('\n'),
    );
    say(
      `Temporal UI ${c.temporalUiUrl}; API ${stack.api.url}. Paste the exports above into another shell; Ctrl-C here stops the stack.`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await stack.stop();
  });

program
  .command('demo')
  .description('Start the embedded stack, generate and validate real batches, print a summary, stop.')
  .option('--count <n>', 'numbers in the random generate batch', positiveInt('--count'), 1_000_000)
  .option('--keep-running', 'after the summary, keep the stack (API, Temporal UI) up until Ctrl-C')
  .action(async (o) => {
    process.env.LOG_LEVEL ??= 'warn'; // keep the progress display readable
    const { runDemo } = await import('./demo.ts');
    await runDemo({ count: o.count, keepRunning: Boolean(o.keepRunning) });
  });

/** Runs `fn` with a batch service for the environment's configuration, then closes it. */
async function withService<T>(fn: (o: OpenedService) => Promise<T>): Promise<T> {
  const { openBatchService } = await import('../batches/service.ts');
  const opened = openBatchService(loadConfig());
  try {
    return await fn(opened);
  } finally {
    await opened.close();
  }
}

/**
 * Submits a batch and, with `wait`, shows its progress until it ends. Prints the batch id as one
 * JSON line, then (with `wait`) its final state; exits 1 if the batch did not succeed.
 */
async function submitAndWatch(
  project: string,
  req: { spec: unknown; rows?: AsyncIterable<InputRow> },
  label: string,
  wait: boolean,
): Promise<void> {
  const { watchBatch } = await import('./progress.ts');
  const final = await withService(async ({ service }) => {
    const submitted = await service.submit({ project, ...req });
    process.stdout.write(JSON.stringify({ batchId: submitted.batchId, workflowId: submitted.workflowId }) + '\n');
    return wait ? watchBatch(service, project, submitted.batchId, { label }) : null;
  });
  if (!final) return;
  process.stdout.write(JSON.stringify(final) + '\n');
  if (final.status !== 'succeeded') throw new BatchEndedError(final.id, final.status, final.error);
}

program.parseAsync(process.argv).catch(fail);
