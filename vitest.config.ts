import { defineConfig } from 'vitest/config';

// Two projects: `fast` (pure logic, in-process, seconds) and `slow` (real processes,
// real Redis / LevelDB / gRPC, jepsen smoke). Slow suites are named `*.slow.test.ts`.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'fast',
          include: ['{raft,common,src,cluster,jepsen-lite,bench}/**/*.test.ts'],
          exclude: ['**/*.slow.test.ts', '**/node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'slow',
          include: ['{raft,common,src,cluster,jepsen-lite,bench}/**/*.slow.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 240_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
