import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most test time is spent waiting (on child processes, local servers, deadlines and retry
    // delays), not on the worker's own CPU. vitest's default of one worker less than the cores
    // leaves a 2-core machine running one file at a time; one more worker than cores keeps them busy.
    maxWorkers: availableParallelism() + 1,
    // Tests share no module state (no mocks, no stubbed globals or environment): a worker can
    // keep its loaded modules from one file to the next instead of re-importing them for each.
    isolate: false,
  },
});
