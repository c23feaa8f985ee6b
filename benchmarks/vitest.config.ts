import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Only the harness's pure helpers are tested; the benchmarks themselves never run under `npm test`.
    include: ['src/**/*.test.ts'],
    testTimeout: 10_000,
    hookTimeout: 120_000,
  },
});
