import { type FloatTensor, Rng } from '@amc/core';
import { describe, expect, it } from 'vitest';
import { expectCode } from '@amc/testing';
import { type Conv2DOptions, conv2d, conv2dAsync } from './conv.js';
import { referenceConv2d } from './reference/conv.js';
import { loadNative } from './load.js';
import { getNativeInfo } from './runtime.js';
import { TEST_SEED, expectClose, forEachIsa, randomArray } from './test-utils.js';

function tensor(rng: Rng, shape: number[]): FloatTensor {
  return { data: randomArray(rng, shape.reduce((a, b) => a * b, 1)), shape };
}

type Case = [input: number[], filter: number[], options: Conv2DOptions];

// Kernel sizes 1x1 / 3x3 / 5x5 / 1x7, strides 1-3, dilation 2, every padding kind, batch 1 and 3, channel
// counts around the vector widths (1, 3, 15, 16, 17, 33), groups, and output widths that leave partial tiles
// and partial column panels for every microkernel.
const CASES: Case[] = [
  [[2, 5, 6, 16], [1, 1, 16, 17], {}],
  [[1, 7, 7, 3], [1, 1, 3, 8], { strides: 2 }],
  [[3, 9, 8, 15], [3, 3, 15, 33], { padding: 'same' }],
  [[1, 10, 11, 17], [3, 3, 17, 16], { padding: 'same', strides: 2 }],
  [[2, 13, 12, 3], [5, 5, 3, 1], { strides: 3 }],
  [[1, 6, 9, 4], [1, 7, 4, 24], { padding: [1, 2, 3, 0] }],
  [[1, 11, 10, 8], [3, 3, 8, 16], { padding: 'same', dilations: 2 }],
  [[1, 5, 5, 1], [3, 3, 1, 1], { padding: 'same' }],
  [[3, 7, 7, 33], [3, 3, 33, 9], { padding: 'same' }],
  [[1, 8, 8, 16], [2, 2, 16, 40], { padding: 'same', strides: [2, 1] }],
  [[2, 6, 7, 16], [3, 3, 8, 16], { padding: 'same', groups: 2 }],
  [[1, 7, 6, 16], [3, 3, 4, 8], { padding: 'valid', groups: 4 }],
  [[1, 6, 6, 8], [3, 3, 1, 16], { padding: 'same', groups: 8 }],
  [[2, 5, 4, 6], [3, 3, 1, 6], { strides: 2, padding: 'same', groups: 6 }],
  [[1, 4, 4, 5], [3, 3, 5, 7], { padding: [2, 2, 2, 2], dilations: [1, 2] }],
  // Column counts of 8q + 4 (channels pruned to multiples of 4) and their partial tails, for the 12-column panels.
  [[2, 7, 9, 12], [3, 3, 12, 12], { padding: 'same' }],
  [[1, 5, 7, 20], [3, 3, 20, 44], { padding: 'same' }],
  [[1, 6, 5, 12], [1, 1, 12, 28], {}],
  [[1, 5, 5, 6], [3, 3, 6, 11], { padding: 'valid' }],
  [[1, 3, 7, 9], [3, 3, 9, 10], { padding: 'same', strides: 2 }],
];

describe('conv2d', () => {
  it('matches the reference on edge-case shapes on every ISA', () => {
    const rng = new Rng(TEST_SEED);
    forEachIsa((isa) => {
      for (const [inputShape, filterShape, options] of CASES) {
        const input = tensor(rng, inputShape);
        const filter = tensor(rng, filterShape);
        const got = conv2d(input, filter, options);
        const want = referenceConv2d(input, filter, options);
        expect(got.shape).toEqual(want.shape);
        expectClose(got.data, want.data, `${isa} ${JSON.stringify([inputShape, filterShape, options])}`);
      }
    });
  });

  it('fuses bias and activations', () => {
    const rng = new Rng(TEST_SEED + 1);
    forEachIsa((isa) => {
      for (const activation of ['none', 'relu', 'relu6'] as const) {
        const grouped: [number[], number[], number][] = [
          [[2, 6, 5, 7], [3, 3, 7, 20], 1],
          [[1, 5, 6, 12], [3, 3, 12, 12], 1],
          [[1, 5, 5, 8], [3, 3, 4, 8], 2],
          [[1, 5, 5, 4], [3, 3, 1, 8], 4],
        ];
        for (const [inputShape, filterShape, groups] of grouped) {
          const input = { data: randomArray(rng, inputShape.reduce((a, b) => a * b, 1), -4, 4), shape: inputShape };
          const filter = tensor(rng, filterShape);
          const bias = randomArray(rng, filterShape[3] as number, -3, 3);
          const options: Conv2DOptions = { padding: 'same', bias, activation, groups };
          const got = conv2d(input, filter, options);
          expectClose(got.data, referenceConv2d(input, filter, options).data, `${isa} ${activation} groups ${groups}`);
        }
      }
    });
  });

  it('writes into options.out and runs asynchronously with the same result', async () => {
    const rng = new Rng(TEST_SEED + 2);
    const input = tensor(rng, [2, 8, 8, 16]);
    const filter = tensor(rng, [3, 3, 16, 16]);
    const want = referenceConv2d(input, filter, { padding: 'same' });
    const out = new Float32Array(want.data.length).fill(Number.NaN);
    const got = conv2d(input, filter, { padding: 'same', out });
    expect(got.data).toBe(out);
    expectClose(out, want.data, 'out');
    const asyncResult = await conv2dAsync(input, filter, { padding: 'same' });
    expect(asyncResult.shape).toEqual([2, 8, 8, 16]);
    expectClose(asyncResult.data, want.data, 'async');
  });

  it('handles empty batches and channel-free filters', () => {
    const empty = conv2d({ data: new Float32Array(0), shape: [0, 4, 4, 3] }, { data: new Float32Array(27 * 2), shape: [3, 3, 3, 2] });
    expect(empty.shape).toEqual([0, 2, 2, 2]);
    const bias = Float32Array.from([1, -2]);
    const noChannels = conv2d(
      { data: new Float32Array(0), shape: [1, 3, 3, 0] },
      { data: new Float32Array(0), shape: [3, 3, 0, 2] },
      { bias, activation: 'relu' },
    );
    expect(Array.from(noChannels.data)).toEqual([1, 0]);
  });

  it('reports its microkernel variants', () => {
    const info = getNativeInfo();
    expect((info.kernels.conv ?? []).map((k) => k.isa)).toEqual(expect.arrayContaining(['scalar', 'avx2', 'avx512']));
  });

  it('rejects bad arguments with coded errors', async () => {
    const input = { data: new Float32Array(2 * 5 * 5 * 4), shape: [2, 5, 5, 4] };
    const filter = { data: new Float32Array(3 * 3 * 4 * 6), shape: [3, 3, 4, 6] };
    const cases: [() => unknown, string, RegExp][] = [
      [() => conv2d({ data: new Float32Array(3), shape: [1, 1, 1, 4] }, filter), 'AMC_SHAPE_MISMATCH', /input\.data/],
      [() => conv2d({ data: input.data, shape: [2, 5, 5] }, filter), 'AMC_INVALID_ARGUMENT', /input\.shape/],
      [() => conv2d(input.data as never, filter), 'AMC_INVALID_ARGUMENT', /for input/],
      [() => conv2d({ data: [1, 2] as never, shape: [1, 1, 1, 2] }, filter), 'AMC_INVALID_ARGUMENT', /input\.data/],
      [() => conv2d(input, { data: new Float32Array(3 * 3 * 3 * 6), shape: [3, 3, 3, 6] }), 'AMC_SHAPE_MISMATCH', /filter\.shape/],
      [() => conv2d(input, filter, { groups: 3 }), 'AMC_INVALID_ARGUMENT', /groups/],
      [() => conv2d(input, filter, { groups: 2 }), 'AMC_SHAPE_MISMATCH', /filter\.shape/],
      [() => conv2d(input, filter, { groups: 0 }), 'AMC_INVALID_ARGUMENT', /groups/],
      [() => conv2d(input, filter, { padding: 'full' as never }), 'AMC_INVALID_ARGUMENT', /padding/],
      [() => conv2d(input, filter, { padding: [1, 1, 1] as never }), 'AMC_INVALID_ARGUMENT', /padding/],
      [() => conv2d(input, filter, { padding: [1, -1, 0, 0] }), 'AMC_INVALID_ARGUMENT', /padding\[1\]/],
      [() => conv2d(input, filter, { strides: 0 }), 'AMC_INVALID_ARGUMENT', /strides/],
      [() => conv2d(input, filter, { dilations: [1, 1.5] }), 'AMC_INVALID_ARGUMENT', /dilations/],
      [() => conv2d(input, { data: new Float32Array(7 * 7 * 4 * 6), shape: [7, 7, 4, 6] }), 'AMC_SHAPE_MISMATCH', /filter/],
      [() => conv2d(input, filter, { bias: new Float32Array(5) }), 'AMC_SHAPE_MISMATCH', /bias/],
      [() => conv2d(input, filter, { out: new Float32Array(5) }), 'AMC_SHAPE_MISMATCH', /out/],
      [() => conv2d(input, filter, { out: input.data.subarray(0, 2 * 3 * 3 * 6) }), 'AMC_INVALID_ARGUMENT', /overlap/],
      [() => conv2d(input, filter, { activation: 'gelu' as never }), 'AMC_INVALID_ARGUMENT', /activation/],
      [() => conv2d(input, filter, 'same' as never), 'AMC_INVALID_ARGUMENT', /options/],
    ];
    for (const [run, code, message] of cases) expectCode(run, code, message);
    await expect(conv2dAsync(input, filter, { groups: 3 })).rejects.toMatchObject({ code: 'AMC_INVALID_ARGUMENT' });

    // The addon re-validates every length and the geometry itself.
    const native = loadNative();
    const raw = {
      batch: 2, inHeight: 5, inWidth: 5, inChannels: 4, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1,
      dilationHeight: 1, dilationWidth: 1, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, outHeight: 3, outWidth: 3,
      input: input.data,
      filter: filter.data,
      out: new Float32Array(2 * 3 * 3 * 6),
      outChannels: 6,
    };
    expect(() => native.conv2d(raw)).not.toThrow();
    const rawCases: [Record<string, unknown>, string][] = [
      [{ outWidth: 4 }, 'AMC_SHAPE_MISMATCH'],
      [{ strideHeight: 0 }, 'AMC_INVALID_ARGUMENT'],
      [{ groups: 3 }, 'AMC_INVALID_ARGUMENT'],
      [{ groups: 2 }, 'AMC_SHAPE_MISMATCH'],
      [{ outChannels: 5 }, 'AMC_SHAPE_MISMATCH'],
      [{ input: new Float32Array(10) }, 'AMC_SHAPE_MISMATCH'],
      [{ bias: new Float32Array(5) }, 'AMC_SHAPE_MISMATCH'],
      [{ padTop: -1 }, 'AMC_INVALID_ARGUMENT'],
      [{ activation: 7 }, 'AMC_INVALID_ARGUMENT'],
    ];
    for (const [change, code] of rawCases) {
      expect(() => native.conv2d({ ...raw, ...change } as never), JSON.stringify(change)).toThrow(expect.objectContaining({ code }));
    }
    const badDepthwise = { ...raw, filter: new Float32Array(3 * 3 * 4 * 2), out: new Float32Array(2 * 3 * 3 * 8), multiplier: 3 };
    expect(() => native.depthwiseConv2d(badDepthwise as never)).toThrow(expect.objectContaining({ code: 'AMC_SHAPE_MISMATCH' }));
    expect(() => native.conv2dBackpropFilter({ ...raw, dy: new Float32Array(2 * 3 * 3 * 6), out: new Float32Array(5) } as never)).toThrow(
      expect.objectContaining({ code: 'AMC_SHAPE_MISMATCH' }),
    );
  });
});
