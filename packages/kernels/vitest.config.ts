import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Native kernels hold process-wide settings (ISA cap, threads); forks isolate test files from each other.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
