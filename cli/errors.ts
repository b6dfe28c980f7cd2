/**
 * CLI errors: one clear line on stderr and a non-zero exit status. The batch service's errors
 * (batches/errors.ts) are mapped here, naming the flag the user typed where there is one.
 */
import { BatchError, BatchNotFoundError, InvalidProjectError, SpecError } from '../batches/errors.ts';

/** A user error: printed as `phonebatch: <message>`, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A batch that ended but did not succeed (failed or cancelled): exit status 1. */
export class BatchEndedError extends Error {
  override name = 'BatchEndedError';
  constructor(id: string, status: string, error: string | null) {
    super(`batch ${id} ${status}${error ? `: ${error}` : ''}`);
  }
}

/** Spec fields as the CLI's flags, so errors name what the user typed. */
const FLAG_FOR_FIELD: Record<string, string> = {
  'generate.region': '--region',
  'generate.count': '--count',
  'generate.mode': '--mode',
  'generate.numberType': '--type',
  'generate.areaCodes': '--area-codes',
  'generate.prefix': '--prefix',
  'generate.seed': '--seed',
  'validate.defaultRegion': '--default-region',
  'validate.repairs': '--repairs',
  'validate.defaultAreaCode': '--default-area-code',
  'validate.numericSource': '--numeric-source',
};

function describeSpecError(err: SpecError): string {
  return err.issues
    .map((i) => {
      const base = i.field.replace(/\.\d+$/, '');
      const flag = FLAG_FOR_FIELD[i.field] ?? FLAG_FOR_FIELD[base];
      return flag ? `${flag} (${i.field}): ${i.reason}` : `${i.field}: ${i.reason}`;
    })
    .join('; ');
}

/** Which servers the CLI tried, and how to start them locally. */
function stackHint(): string {
  const env = process.env;
  return `no server at TEMPORAL_ADDRESS=${env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233'} / PHONEBATCH_DATABASE_URL=${(env.PHONEBATCH_DATABASE_URL ?? 'postgres://…@127.0.0.1:5432/phonebatch').replace(/:[^:@/]+@/, ':***@')}; start one with \`npx phonebatch up\` and use the exports it prints`;
}

/** Prints a failure as one line and exits: 2 for bad input, 1 for anything else. */
export function fail(err: unknown): never {
  // The reader went away (`phonebatch export … | head`): not an error of ours.
  if ((err as NodeJS.ErrnoException)?.code === 'EPIPE') process.exit(0);
  let msg: string;
  let code = 1;
  if (err instanceof SpecError) {
    msg = describeSpecError(err);
    code = 2;
  } else if (err instanceof BatchNotFoundError) {
    msg = `<batch>: no batch ${err.id} in this project (--project, PHONEBATCH_PROJECT)`;
    code = 2;
  } else if (err instanceof InvalidProjectError) {
    msg = `--project: ${err.message.replace(/^project: /, '')}`;
    code = 2;
  } else if (err instanceof BatchError) {
    // batch_ref_not_found, batch_not_running: the message names the id; unavailable: retry.
    msg = err.code === 'unavailable' ? `${err.message} — ${stackHint()}` : err.message;
    code = err.code === 'unavailable' ? 1 : 2;
  } else if (err instanceof UsageError) {
    msg = err.message;
    code = 2;
  } else if (err instanceof Error) {
    msg = err.message.split('\n')[0]!;
    if (/ECONNREFUSED|Failed to connect before the deadline|connect ETIMEDOUT/.test(msg)) msg += ` — ${stackHint()}`;
    if (err.name === 'GenerateSpecError') code = 2;
  } else msg = String(err);
  process.stderr.write(`phonebatch: ${msg}\n`);
  process.exit(code);
}
