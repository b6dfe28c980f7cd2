/**
 * Second half of `npm run build` (after `tsc -p tsconfig.build.json` emits dist/): what the
 * compiled processes read beside their code. The SQL migrations (db/migrate.ts reads
 * ./migrations next to itself), and the prebuilt workflow bundle the compiled worker loads
 * (workflows/bundle.ts SHIPPED_BUNDLE), so neither the image nor a compiled worker needs the
 * TypeScript workflow sources or webpack at run time.
 */
import { copyFileSync, cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workflowBundlePath } from '../workflows/bundle.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');

cpSync(join(ROOT, 'db/migrations'), join(DIST, 'db/migrations'), { recursive: true });
mkdirSync(join(DIST, 'workflows'), { recursive: true });
copyFileSync(workflowBundlePath(), join(DIST, 'workflows/workflow-bundle.js'));
