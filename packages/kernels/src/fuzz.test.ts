import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('../fuzz/fuzz-child.mjs', import.meta.url));
const ITERATIONS = Number(process.env.AMC_FUZZ_ITERATIONS ?? 10_000);

describe('fuzz: hostile arguments at the public API', () => {
  it(`survives ${ITERATIONS} random and hostile calls, and every failure is a coded AmcError`, () => {
    const result = spawnSync(process.execPath, [child, String(ITERATIONS), process.env.AMC_TEST_SEED ?? '20180802'], {
      encoding: 'utf8',
      env: process.env,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 600_000,
    });
    expect(result.signal, `child killed by ${result.signal}; stderr:\n${result.stderr?.slice(-4000)}`).toBeNull();
    expect(result.status, `child exited ${result.status}; stderr:\n${result.stderr?.slice(-4000)}`).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1] ?? '{}') as {
      iterations: number;
      calls: number;
      ok: number;
      coded: Record<string, number>;
      uncoded: { name: string; error: string }[];
      functions: Record<string, number>;
      missing: string[];
    };
    expect(summary.missing, 'functions listed in fuzz/specs.mjs but not exported').toEqual([]);
    expect(summary.iterations).toBeGreaterThanOrEqual(ITERATIONS);
    expect(summary.uncoded, JSON.stringify(summary.uncoded, null, 1)).toEqual([]);
    // The valid path is exercised too, and the hostile path mostly fails.
    expect(summary.ok).toBeGreaterThan(ITERATIONS / 20);
    expect(Object.values(summary.coded).reduce((a, b) => a + b, 0)).toBeGreaterThan(ITERATIONS / 2);
  }, 900_000);
});
