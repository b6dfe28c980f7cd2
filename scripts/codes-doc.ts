/**
 * Writes the README's code tables (core/codes.ts codesMarkdown) between the
 * `<!-- codes:start -->` and `<!-- codes:end -->` markers. `make docs` runs it with --write;
 * without it, prints the tables. test/unit/codes.test.ts fails when the README is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { codesMarkdown } from '../core/codes.ts';

const START = '<!-- codes:start -->';
const END = '<!-- codes:end -->';
const path = new URL('../README.md', import.meta.url);

if (process.argv.includes('--write')) {
  const readme = readFileSync(path, 'utf8');
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md: markers ${START} … ${END} not found`);
  writeFileSync(path, readme.slice(0, a + START.length) + '\n\n' + codesMarkdown() + '\n\n' + readme.slice(b));
} else {
  process.stdout.write(codesMarkdown() + '\n');
}
