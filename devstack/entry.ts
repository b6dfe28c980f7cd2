/**
 * How a PhoneBatch process is started here: its TypeScript source through tsx, or, with
 * PHONEBATCH_COMPILED=1 (`make demo`, `make test`, `make bench`), the compiled JavaScript in
 * dist/ that the container image runs (`npm run build`: tsconfig.build.json, then
 * scripts/build-assets.ts). Tests and the demo then exercise what ships.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Set when processes run from dist/. */
export const COMPILED = process.env.PHONEBATCH_COMPILED === '1';

/**
 * Node arguments that run `module` (a path under the repo without extension, e.g.
 * `workflows/worker`); `compiled` overrides PHONEBATCH_COMPILED (the bench starts both).
 * @throws Error when PHONEBATCH_COMPILED=1 and dist/ holds no build of it (run `npm run build`).
 */
export function entryArgs(module: string, compiled = COMPILED): string[] {
  if (!compiled) return ['--import', 'tsx', join(ROOT, `${module}.ts`)];
  const js = join(ROOT, 'dist', `${module}.js`);
  if (!existsSync(js)) throw new Error(`PHONEBATCH_COMPILED=1 but ${js} is missing: run npm run build`);
  return [js];
}
