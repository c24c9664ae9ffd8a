import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Builds the portal (web/) once, when its sources changed, for the browser tests.
    globalSetup: ['test/setup/build-portal.ts'],
    // Each test file starts its own Hark on its own database; files run in parallel forks.
    pool: 'forks',
    // Vitest's default is one fork fewer than CPUs: a single fork on a 2-CPU machine. The
    // files spend much of their time waiting (browsers, child processes, SMTP and SMS
    // endpoints), so half as many again as CPUs keeps the CPUs busy: on 2 CPUs, 3 forks took
    // the PGlite run from 898 s to 622 s and the PostgreSQL run from 696 s to 406 s.
    maxWorkers: Math.max(3, Math.ceil(availableParallelism() * 1.5)),
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
