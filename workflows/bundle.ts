/**
 * Ahead-of-time workflow bundle (Temporal recommends prebuilt bundles for production workers).
 * The bundle is cached by a hash of the workflow sources and SDK version, and built in a
 * child process so webpack's memory never stays in a worker.
 *
 * Run directly (`node --import tsx workflows/bundle.ts <out.js>`) to write a bundle.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const WORKFLOWS_PATH = join(HERE, 'workflows.ts');
/** Files that end up in the bundle (workflow code may import only these and the SDK). */
const SOURCES = ['workflows.ts', 'shared.ts'];

function sdkVersion(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@temporalio/workflow');
  let dir = dirname(entry);
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
}

/** The bundle `npm run build` ships beside the compiled worker (scripts/build-assets.ts). */
export const SHIPPED_BUNDLE = join(HERE, 'workflow-bundle.js');

/**
 * Path of the workflow bundle: the shipped one in a build (dist/, the container image), else
 * the cached bundle for the current sources, built (in a child process) if missing.
 */
export function workflowBundlePath(): string {
  if (existsSync(SHIPPED_BUNDLE)) return SHIPPED_BUNDLE;
  const h = createHash('sha256').update(sdkVersion());
  for (const f of SOURCES) h.update(readFileSync(join(HERE, f)));
  const cache = join(process.env.PHONEBATCH_CACHE ?? join(homedir(), '.cache/phonebatch'), 'workflow-bundles');
  const path = join(cache, `phonebatch-workflows-${h.digest('hex').slice(0, 16)}.js`);
  if (!existsSync(path)) {
    mkdirSync(cache, { recursive: true });
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), path], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (r.status !== 0 || !existsSync(path)) throw new Error(`building the workflow bundle failed (exit ${r.status})`);
  }
  return path;
}

async function writeBundle(out: string): Promise<void> {
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet });
  // Write then rename, so a concurrent worker never loads a half-written file.
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, out);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeBundle(process.argv[2] ?? join(HERE, '../.tmp/workflow-bundle.js'));
}
