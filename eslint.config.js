// ESLint (flat config) with typescript-eslint and type information. Besides the usual checks it
// states the house rules that are easy to forget (docs/architecture.md, "Layers"):
//  - workflow code is deterministic: no Node built-ins, no activity or database code in it;
//  - entry points (REST routes, WebSocket, CLI, operator) reach storage and Temporal only through
//    the batch service (batches/service.ts), never db/ or workflows/client.ts;
//  - each layer imports only the layers beneath it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const NODE_BUILTINS = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/**
 * A no-restricted-imports rule from groups of [patterns, why, types?]: type-only imports are
 * allowed unless `types` is false (pure types carry no behaviour across a layer).
 */
const restrict = (...groups) => [
  'error',
  {
    patterns: groups.map(([group, message, types = true]) => ({ group, message, allowTypeImports: types })),
  },
];

const UPPER = {
  entry: [
    ['**/api/**', '**/cli/**', '**/operator/**', '**/devstack/**'],
    'an entry point; lower layers never import one',
  ],
  service: [['**/batches/service*', '**/batches/projects*'], 'the batch service sits above this layer'],
  workflows: [['**/workflows/**'], 'the Temporal layer sits above this one'],
  db: [['**/db/**'], 'the database layer sits above this one'],
};

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'crds/', 'charts/', 'data/', '.tmp/', 'tools/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test runs what test()/describe() return; the typescript-eslint docs' own example.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Entry points are thin adapters over the batch service.
    files: ['api/routes/**/*.ts', 'api/ws.ts', 'cli/**/*.ts', 'operator/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [['**/db/**'], 'entry points reach the database through batches/service.ts, never db/', false],
        [
          ['**/workflows/client*'],
          'entry points reach Temporal through batches/service.ts, never workflows/client.ts',
          false,
        ],
      ),
    },
  },
  {
    files: ['batches/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(UPPER.entry) },
  },
  {
    // batches/spec.ts and batches/state.ts are pure vocabulary every layer may use.
    files: ['workflows/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(UPPER.entry, UPPER.service) },
  },
  {
    files: ['db/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(UPPER.entry, UPPER.service, UPPER.workflows) },
  },
  {
    // The phone core is pure and stands alone: it imports only itself and libphonenumber-js.
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [['../**'], 'the phone core imports only core/ (and libphonenumber-js)'],
        UPPER.db,
      ),
    },
  },
  {
    // The workflow sandbox replays this code: it must be deterministic and import no I/O. Last,
    // because a later block's no-restricted-imports replaces an earlier one for the same file.
    files: ['workflows/workflows.ts', 'workflows/shared.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [NODE_BUILTINS, 'workflow code runs in the Temporal sandbox: no Node built-ins (use @temporalio/workflow)'],
        [['./activities*', './worker*', './client*', './bundle*'], 'workflow code may import activities as types only'],
        [['**/db/**', 'pg', 'pg-*', '**/batches/service*', '**/api/**'], 'workflow code does no I/O; activities do'],
        UPPER.entry,
      ),
    },
  },
);
