import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Builds the portal (web/) once, when its sources changed, for the browser tests.
    globalSetup: ['test/setup/build-portal.ts'],
    // Each test file starts its own Hark on its own database; files run in parallel forks.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
