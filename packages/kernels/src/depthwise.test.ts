import { type FloatTensor, Rng } from '@amc/core';
import { describe, expect, it } from 'vitest';
import { expectCode } from '@amc/testing';
import { type DepthwiseConv2DOptions, depthwiseConv2d, depthwiseConv2dAsync } from './depthwise.js';
import { referenceDepthwiseConv2d } from './reference/conv.js';
import { getNativeInfo } from './runtime.js';
import { TEST_SEED, expectClose, forEachIsa, randomArray } from './test-utils.js';

function tensor(rng: Rng, shape: number[]): FloatTensor {
  return { data: randomArray(rng, shape.reduce((a, b) => a * b, 1)), shape };
}

type Case = [input: number[], filter: number[], options: DepthwiseConv2DOptions];

// 3x3 and 5x5 (specialised variants), 2x2 / 1x7 (any-size variant), strides 1-3, dilation 2, every padding kind,
// channel counts around the vector widths (1, 3, 15, 16, 17, 33, 64 + 1), multipliers 1 and 2.
const CASES: Case[] = [
  [[2, 9, 10, 16], [3, 3, 16, 1], { padding: 'same' }],
  [[1, 8, 9, 17], [3, 3, 17, 1], { padding: 'same', strides: 2 }],
  [[3, 7, 7, 15], [3, 3, 15, 2], { padding: 'valid' }],
  [[1, 11, 12, 33], [5, 5, 33, 1], { padding: 'same' }],
  [[1, 10, 10, 3], [5, 5, 3, 2], { padding: 'same', strides: 3 }],
  [[1, 6, 9, 1], [1, 7, 1, 1], { padding: [1, 2, 3, 0] }],
  [[2, 9, 9, 8], [3, 3, 8, 1], { padding: 'same', dilations: 2 }],
  [[1, 7, 8, 65], [2, 2, 65, 1], { padding: 'same', strides: [1, 2] }],
  [[1, 5, 4, 4], [3, 3, 4, 3], { padding: [2, 0, 2, 1], dilations: [2, 1] }],
  [[1, 4, 4, 16], [3, 3, 16, 1], { padding: [3, 3, 3, 3] }],
];

describe('depthwiseConv2d', () => {
  it('matches the reference on edge-case shapes on every ISA', () => {
    const rng = new Rng(TEST_SEED + 10);
    forEachIsa((isa) => {
      for (const [inputShape, filterShape, options] of CASES) {
        const input = tensor(rng, inputShape);
        const filter = tensor(rng, filterShape);
        const got = depthwiseConv2d(input, filter, options);
        const want = referenceDepthwiseConv2d(input, filter, options);
        expect(got.shape).toEqual(want.shape);
        expectClose(got.data, want.data, `${isa} ${JSON.stringify([inputShape, filterShape, options])}`);
      }
    });
  });

  it('fuses bias and activations', () => {
    const rng = new Rng(TEST_SEED + 11);
    forEachIsa((isa) => {
      for (const activation of ['none', 'relu', 'relu6'] as const) {
        for (const multiplier of [1, 2]) {
          const input = { data: randomArray(rng, 2 * 6 * 7 * 19, -4, 4), shape: [2, 6, 7, 19] };
          const filter = tensor(rng, [3, 3, 19, multiplier]);
          const bias = randomArray(rng, 19 * multiplier, -3, 3);
          const options: DepthwiseConv2DOptions = { padding: 'same', bias, activation };
          const got = depthwiseConv2d(input, filter, options);
          expectClose(got.data, referenceDepthwiseConv2d(input, filter, options).data, `${isa} ${activation} x${multiplier}`);
        }
      }
    });
  });

  it('runs asynchronously with the same result', async () => {
    const rng = new Rng(TEST_SEED + 12);
    const input = tensor(rng, [2, 8, 8, 24]);
    const filter = tensor(rng, [3, 3, 24, 1]);
    const got = await depthwiseConv2dAsync(input, filter, { padding: 'same', strides: 2 });
    expectClose(got.data, referenceDepthwiseConv2d(input, filter, { padding: 'same', strides: 2 }).data, 'async');
  });

  it('reports its microkernel variants', () => {
    const variants = getNativeInfo().kernels.dwconv ?? [];
    expect(variants.map((k) => k.isa)).toEqual(expect.arrayContaining(['scalar', 'avx2', 'avx512']));
  });

  it('rejects bad arguments with coded errors', async () => {
    const input = { data: new Float32Array(1 * 5 * 5 * 4), shape: [1, 5, 5, 4] };
    const filter = { data: new Float32Array(3 * 3 * 4), shape: [3, 3, 4, 1] };
    const cases: [() => unknown, string, RegExp][] = [
      [() => depthwiseConv2d(input, { data: new Float32Array(27), shape: [3, 3, 3, 1] }), 'AMC_SHAPE_MISMATCH', /filter\.shape/],
      [() => depthwiseConv2d(input, { data: new Float32Array(0), shape: [3, 3, 4, 0] }), 'AMC_SHAPE_MISMATCH', /multiplier/],
      [() => depthwiseConv2d(input, filter, { bias: new Float32Array(3) }), 'AMC_SHAPE_MISMATCH', /bias/],
      [() => depthwiseConv2d(input, filter, { strides: [1, 0] }), 'AMC_INVALID_ARGUMENT', /strides/],
      [() => depthwiseConv2d(input, filter, { padding: 'half' as never }), 'AMC_INVALID_ARGUMENT', /padding/],
      [() => depthwiseConv2d(input, filter, { out: new Float32Array(1) }), 'AMC_SHAPE_MISMATCH', /out/],
      [() => depthwiseConv2d({ data: input.data, shape: [1, 5, 5, 4, 1] }, filter), 'AMC_INVALID_ARGUMENT', /input\.shape/],
    ];
    for (const [run, code, message] of cases) expectCode(run, code, message);
    await expect(depthwiseConv2dAsync(input, filter, { bias: new Float32Array(3) })).rejects.toMatchObject({
      code: 'AMC_SHAPE_MISMATCH',
    });
  });
});
