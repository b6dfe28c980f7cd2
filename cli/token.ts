/**
 * `phonebatch token create --project NAME [--name LABEL]`: creates the project if needed and a
 * new API token for it. Prints `{"id","project","token"}` as one JSON line on stdout: the only
 * time the token is ever shown (the database keeps its SHA-256).
 * @throws InvalidProjectError for a bad project name (checked before any server is contacted).
 */
import type { CreatedToken, Projects } from '../batches/projects.ts';
import { openBatchService } from '../batches/service.ts';
import { loadConfig } from '../lib/config.ts';

export async function runTokenCreate(
  opts: { project: string; name?: string },
  io: { projects?: Projects; out?: NodeJS.WritableStream } = {},
): Promise<CreatedToken> {
  const out = io.out ?? process.stdout;
  const opened = io.projects ? null : openBatchService(loadConfig());
  try {
    const created = await (io.projects ?? opened!.projects).createToken(opts.project, opts.name);
    out.write(JSON.stringify({ id: created.id, project: created.project, token: created.token }) + '\n');
    return created;
  } finally {
    await opened?.close(); // only what this command opened
  }
}
