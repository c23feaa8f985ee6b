import { Rng } from '@amc/core';
import { describe, expect, it } from 'vitest';
import { expectCode } from '@amc/testing';
import { gemm, gemmAsync } from './gemm.js';
import { referenceGemm } from './reference/gemm.js';
import { TEST_SEED, expectClose, forEachIsa, randomArray } from './test-utils.js';

// Sizes around every microkernel tile (mr 4/6/14/28, nr 8/16/24/32) and the K block (256).
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 3],
  [5, 1, 9],
  [4, 8, 1],
  [6, 16, 16],
  [7, 17, 15],
  [13, 23, 31],
  [14, 32, 64],
  [15, 33, 65],
  [27, 24, 255],
  [28, 25, 257],
  [29, 48, 300],
  [64, 16, 144],
  [100, 64, 513],
  [3, 130, 7],
];

describe('gemm', () => {
  it('matches the reference on edge-case shapes, with and without transposes, on every ISA', () => {
    const rng = new Rng(TEST_SEED);
    forEachIsa((isa) => {
      for (const [m, n, k] of SHAPES) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const a = randomArray(rng, m * k);
            const b = randomArray(rng, k * n);
            const got = gemm(a, b, [m, n, k], { transA, transB });
            const want = referenceGemm(a, b, [m, n, k], { transA, transB });
            expectClose(got, want, `${isa} ${m}x${n}x${k} tA=${transA} tB=${transB}`);
          }
        }
      }
    });
  });

  it('applies alpha, beta, bias and activations', () => {
    const rng = new Rng(TEST_SEED + 1);
    forEachIsa((isa) => {
      for (const [m, n, k] of [[9, 20, 33], [30, 40, 270]] as const) {
        for (const activation of ['none', 'relu', 'relu6'] as const) {
          const a = randomArray(rng, m * k, -2, 2);
          const b = randomArray(rng, k * n, -2, 2);
          const bias = randomArray(rng, n);
          const init = randomArray(rng, m * n);
          const options = { alpha: 1.5, beta: 0.5, bias, activation };
          const got = gemm(a, b, [m, n, k], { ...options, out: init.slice() });
          const want = referenceGemm(a, b, [m, n, k], { ...options, out: init.slice() });
          expectClose(got, want, `${isa} ${m}x${n}x${k} ${activation}`);
          const accumulated = gemm(a, b, [m, n, k], { beta: 1, out: init.slice() });
          expectClose(accumulated, referenceGemm(a, b, [m, n, k], { beta: 1, out: init.slice() }), `${isa} beta=1`);
        }
      }
    });
  });

  it('handles empty dimensions: k = 0 gives bias only, m = 0 gives an empty result', () => {
    const bias = Float32Array.from([1, -2, 3]);
    expect(Array.from(gemm(new Float32Array(0), new Float32Array(0), [2, 3, 0], { bias, activation: 'relu' }))).toEqual([
      1, 0, 3, 1, 0, 3,
    ]);
    expect(gemm(new Float32Array(0), new Float32Array(12), [0, 3, 4]).length).toBe(0);
  });

  it('runs asynchronously with the same result', async () => {
    const rng = new Rng(TEST_SEED + 2);
    const a = randomArray(rng, 70 * 90);
    const b = randomArray(rng, 90 * 50);
    const got = await gemmAsync(a, b, [70, 50, 90]);
    expectClose(got, referenceGemm(a, b, [70, 50, 90]), 'async');
  });

  it('bounds each matrix, not m * n * k: a product of dims past 2^31 runs (a Gram matrix over many rows)', () => {
    const [m, n, k] = [48, 48, 1_000_000];
    expect(m * n * k).toBeGreaterThan(2 ** 31);
    const a = new Float32Array(k * m).fill(0.5);
    const c = gemm(a, a, [m, n, k], { transA: true });
    expect(c[0]).toBeCloseTo(0.25 * k, -2);
    expect(c[m * n - 1]).toBeCloseTo(0.25 * k, -2);
  });

  it('rejects bad arguments with coded errors', async () => {
    const a = new Float32Array(6);
    const b = new Float32Array(9);
    const cases: [() => unknown, string, RegExp][] = [
      [() => gemm(a, b, [2, 2, 2]), 'AMC_SHAPE_MISMATCH', /expected a Float32Array of length 4 for a/],
      [() => gemm(a, b, [2, 3, -3]), 'AMC_INVALID_ARGUMENT', /dims\[2\]/],
      [() => gemm(a, b, [2, 3] as never), 'AMC_INVALID_ARGUMENT', /dims/],
      [() => gemm([1, 2] as never, b, [2, 3, 3]), 'AMC_INVALID_ARGUMENT', /Float32Array for a/],
      [() => gemm(a, b, [2, 3, 3], { alpha: Number.NaN }), 'AMC_NON_FINITE', /alpha/],
      [() => gemm(a, b, [2, 3, 3], { activation: 'gelu' as never }), 'AMC_INVALID_ARGUMENT', /activation/],
      [() => gemm(a, b, [2, 3, 3], { bias: new Float32Array(2) }), 'AMC_SHAPE_MISMATCH', /bias/],
      [() => gemm(a, b, [2, 3, 3], { out: new Float32Array(5) }), 'AMC_SHAPE_MISMATCH', /out/],
      [() => gemm(a, b, [2, 3, 3], 'x' as never), 'AMC_INVALID_ARGUMENT', /options/],
    ];
    for (const [run, code, message] of cases) expectCode(run, code, message);
    await expect(gemmAsync(a, b, [2, 2, 2])).rejects.toMatchObject({ code: 'AMC_SHAPE_MISMATCH' });
  });
});
