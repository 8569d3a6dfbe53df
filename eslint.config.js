import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'jepsen-lite/store/', 'bench/results/', '**/*.js', '!eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The Raft library's public API is its only door: code outside raft/ imports raft/index.ts,
    // never a file inside it (the seeded Rng and the free-port helper live in common/).
    files: ['src/**/*.ts', 'cluster/**/*.ts', 'bench/**/*.ts', 'jepsen-lite/**/*.ts', 'common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/raft/*/**', '**/raft/*.js', '!**/raft/index.js'],
              message: 'import the Raft library through raft/index.js (its public API) only',
            },
          ],
        },
      ],
    },
  },
  {
    // The Raft core is pure: no I/O, timers, wall clock or ambient randomness.
    files: ['raft/core/**/*.ts'],
    ignores: ['raft/core/**/*.test.ts'],
    rules: {
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'process', 'fetch'],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'raft core has no wall clock: use ticks' },
        { object: 'Math', property: 'random', message: 'raft core uses the injected Rng' },
      ],
      'no-restricted-imports': ['error', { patterns: ['node:*', 'fs', 'net', 'http'] }],
      'require-await': 'error',
    },
  },
);
