/**
 * Test helpers shared by the kernel tests (not exported from the package): seeded data, tolerance checks
 * that print the seed, and iteration over every ISA this CPU has.
 */
import { Rng } from '@amc/core';
import { expect } from 'vitest';
import type { IsaName } from './native-binding.js';
import { getNativeInfo, setIsa } from './runtime.js';

/** The seed of a test run: AMC_TEST_SEED or a fixed default, printed on failure by expectClose. */
export const TEST_SEED = Number(process.env.AMC_TEST_SEED ?? 20180802);

/** A Float32Array of uniform values in [-1, 1) from a seeded generator. */
export function randomArray(rng: Rng, length: number, low = -1, high = 1): Float32Array {
  return rng.fillUniform(new Float32Array(length), low, high);
}

/** Zeroes a random fraction `sparsity` of the array in place (exactly round(sparsity * length) entries). */
export function sparsify(rng: Rng, array: Float32Array, sparsity: number): Float32Array {
  const order = rng.shuffle(Array.from({ length: array.length }, (_, i) => i));
  const zeros = Math.round(sparsity * array.length);
  for (let i = 0; i < zeros; i++) array[order[i] as number] = 0;
  return array;
}

/**
 * Asserts |actual - expected| <= atol + rtol * |expected| element-wise, reporting the worst index and the seed.
 */
export function expectClose(actual: Float32Array, expected: Float32Array, context: string, rtol = 1e-4, atol = 1e-4): void {
  expect(actual.length, `${context}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${context}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (seed ${TEST_SEED}; rerun with AMC_TEST_SEED)`,
    );
  }
}

/** The ISAs this CPU supports (variants it lacks are skipped by capability). */
export function supportedIsas(): IsaName[] {
  return getNativeInfo().supportedIsas;
}

/** Runs fn once per supported ISA with the cap set to it, restoring the detected ISA afterwards. */
export function forEachIsa(fn: (isa: IsaName) => void): void {
  const info = getNativeInfo();
  try {
    for (const isa of info.supportedIsas) {
      setIsa(isa);
      fn(isa);
    }
  } finally {
    setIsa(info.isaCap);
  }
}
