import { defineConfig } from 'vitest/config';

/**
 * Two groups: Node tests in parallel first, then the end-to-end tests (Chromium + the loopback host
 * with batch worker threads) one file at a time, so the batch timing is not skewed by other files.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    // Set-up hooks that create vaults run Argon2id several times: seconds each on 2 shared cores.
    hookTimeout: 60_000,
    // bin/custodian runs the bundle in out/cli: rebuild it first when its sources changed.
    globalSetup: ['test/global-setup.ts'],
    projects: [
      { extends: true, test: { name: 'node', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**'], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], fileParallelism: false, testTimeout: 180_000, hookTimeout: 60_000, sequence: { groupOrder: 1 } } },
    ],
  },
});
