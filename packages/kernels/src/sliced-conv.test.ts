import { type FloatTensor, Rng } from '@amc/core';
import { describe, expect, it } from 'vitest';
import { expectCode } from '@amc/testing';
import { conv2d } from './conv.js';
import { loadNative } from './load.js';
import { referenceConv2d, referenceSliceChannels, referenceSliceConv2dWeights } from './reference/conv.js';
import {
  type SlicedConv2DOptions,
  sliceConv2dWeights,
  sliceConv2dWeightsAsync,
  slicedConv2d,
  slicedConv2dAsync,
} from './sliced-conv.js';
import { TEST_SEED, expectClose, forEachIsa, randomArray } from './test-utils.js';

function tensor(rng: Rng, shape: number[]): FloatTensor {
  return { data: randomArray(rng, shape.reduce((a, b) => a * b, 1)), shape };
}

/** `count` distinct indices below `limit`, in random order. */
function pick(rng: Rng, limit: number, count: number): number[] {
  return rng.shuffle(Array.from({ length: limit }, (_, i) => i)).slice(0, count);
}

/** The definition: slice the weights (and the input, for the full layout), then run the reference conv. */
function expected(input: FloatTensor, filter: FloatTensor, options: SlicedConv2DOptions): FloatTensor {
  const sliced = referenceSliceConv2dWeights(filter, options.inputChannels, options.outputChannels, options.bias);
  const x = (options.inputLayout ?? 'full') === 'full' ? referenceSliceChannels(input, options.inputChannels) : input;
  const reference: Parameters<typeof referenceConv2d>[2] = { ...options };
  delete reference.bias;
  if (sliced.bias !== undefined) reference.bias = sliced.bias;
  return referenceConv2d(x, sliced.filter, reference);
}

type Case = [input: number[], filter: number[], kept: [number, number], options: Partial<SlicedConv2DOptions>];

// Single kept channel, all channels kept (in order: the range fast path; shuffled: the gather), odd and even
// kept counts (k-pair kernels pad odd counts), kept output counts around the panel widths.
const CASES: Case[] = [
  [[2, 7, 8, 16], [3, 3, 16, 16], [8, 8], { padding: 'same' }],
  [[1, 6, 6, 16], [3, 3, 16, 16], [1, 1], { padding: 'same' }],
  [[1, 6, 5, 12], [3, 3, 12, 20], [12, 20], { padding: 'same' }],
  [[2, 9, 9, 32], [3, 3, 32, 32], [15, 17], { padding: 'same', strides: 2 }],
  [[1, 8, 7, 10], [1, 1, 10, 24], [5, 9], {}],
  [[1, 9, 10, 6], [5, 5, 6, 8], [3, 8], { padding: [2, 1, 0, 2], dilations: [1, 2] }],
  [[3, 5, 5, 64], [3, 3, 64, 40], [33, 24], { padding: 'valid' }],
];

describe('slicedConv2d', () => {
  it('equals slicing the weights then convolving, for full and compact inputs, on every ISA', () => {
    const rng = new Rng(TEST_SEED + 30);
    forEachIsa((isa) => {
      for (const [inputShape, filterShape, [keepIn, keepOut], geometry] of CASES) {
        const filter = tensor(rng, filterShape);
        const inputChannels = pick(rng, filterShape[2] as number, keepIn);
        const outputChannels = Int32Array.from(pick(rng, filterShape[3] as number, keepOut));
        const bias = randomArray(rng, filterShape[3] as number);
        const full = tensor(rng, inputShape);
        for (const inputLayout of ['full', 'compact'] as const) {
          const input = inputLayout === 'full' ? full : referenceSliceChannels(full, inputChannels);
          for (const extra of [{}, { bias, activation: 'relu' as const }]) {
            const options: SlicedConv2DOptions = { ...geometry, ...extra, inputChannels, outputChannels, inputLayout };
            const got = slicedConv2d(input, filter, options);
            const want = expected(input, filter, options);
            expect(got.shape).toEqual(want.shape);
            expectClose(got.data, want.data, `${isa} ${inputLayout} ${JSON.stringify([inputShape, filterShape, keepIn, keepOut, geometry])}`);
          }
        }
        // All channels kept in order reproduces the full conv.
        if (keepIn === filterShape[2] && keepOut === filterShape[3]) {
          const order = { inputChannels: [...Array(keepIn).keys()], outputChannels: [...Array(keepOut).keys()] };
          expectClose(slicedConv2d(full, filter, { ...geometry, ...order }).data, conv2d(full, filter, geometry).data, `${isa} all kept`);
        }
      }
    });
  });

  it('sliceConv2dWeights gathers once so that conv2d runs the pruned layer', async () => {
    const rng = new Rng(TEST_SEED + 31);
    const filter = tensor(rng, [3, 3, 12, 10]);
    const bias = randomArray(rng, 10);
    const inputChannels = [7, 0, 3, 11];
    const outputChannels = Int32Array.from([9, 2, 5]);
    const sliced = sliceConv2dWeights(filter, inputChannels, outputChannels, bias);
    const want = referenceSliceConv2dWeights(filter, inputChannels, outputChannels, bias);
    expect(sliced.filter.shape).toEqual([3, 3, 4, 3]);
    expect(Array.from(sliced.filter.data)).toEqual(Array.from(want.filter.data));
    expect(Array.from(sliced.bias ?? [])).toEqual(Array.from(want.bias ?? []));
    expect(sliceConv2dWeights(filter, inputChannels, outputChannels).bias).toBeUndefined();
    const asyncSliced = await sliceConv2dWeightsAsync(filter, inputChannels, outputChannels, bias);
    expect(Array.from(asyncSliced.filter.data)).toEqual(Array.from(want.filter.data));

    const x = tensor(rng, [2, 6, 6, 12]);
    const compact = referenceSliceChannels(x, inputChannels);
    const viaWeights = conv2d(compact, sliced.filter, { padding: 'same', bias: sliced.bias ?? new Float32Array(0) });
    const viaSlicing = slicedConv2d(x, filter, { padding: 'same', inputChannels, outputChannels, bias });
    expectClose(viaWeights.data, viaSlicing.data, 'compact path');
  });

  it('runs asynchronously with the same result', async () => {
    const rng = new Rng(TEST_SEED + 32);
    const x = tensor(rng, [2, 8, 8, 16]);
    const filter = tensor(rng, [3, 3, 16, 16]);
    const options: SlicedConv2DOptions = { padding: 'same', inputChannels: [1, 4, 9], outputChannels: [0, 15] };
    const got = await slicedConv2dAsync(x, filter, options);
    expectClose(got.data, expected(x, filter, options).data, 'async');
  });

  it('rejects bad index lists, layouts and shapes with coded errors', async () => {
    const x = { data: new Float32Array(1 * 5 * 5 * 8), shape: [1, 5, 5, 8] };
    const filter = { data: new Float32Array(3 * 3 * 8 * 6), shape: [3, 3, 8, 6] };
    const ok = { inputChannels: [0, 1], outputChannels: [2] };
    const cases: [() => unknown, string, RegExp][] = [
      [() => slicedConv2d(x, filter, { ...ok, inputChannels: [] }), 'AMC_INVALID_ARGUMENT', /inputChannels/],
      [() => slicedConv2d(x, filter, { ...ok, outputChannels: new Int32Array(0) }), 'AMC_INVALID_ARGUMENT', /outputChannels/],
      [() => slicedConv2d(x, filter, { ...ok, inputChannels: [0, 0] }), 'AMC_INDEX_OUT_OF_RANGE', /distinct/],
      [() => slicedConv2d(x, filter, { ...ok, inputChannels: [8] }), 'AMC_INDEX_OUT_OF_RANGE', /inputChannels/],
      [() => slicedConv2d(x, filter, { ...ok, outputChannels: [-1] }), 'AMC_INDEX_OUT_OF_RANGE', /outputChannels/],
      [() => slicedConv2d(x, filter, { ...ok, inputChannels: [0.5] }), 'AMC_INVALID_ARGUMENT', /inputChannels/],
      [() => slicedConv2d(x, filter, { ...ok, inputLayout: 'sparse' as never }), 'AMC_INVALID_ARGUMENT', /inputLayout/],
      [() => slicedConv2d(x, filter, { ...ok, inputLayout: 'compact' }), 'AMC_SHAPE_MISMATCH', /input\.shape/],
      [() => slicedConv2d({ data: new Float32Array(50), shape: [1, 5, 5, 2] }, filter, ok), 'AMC_SHAPE_MISMATCH', /input\.shape/],
      [() => slicedConv2d(x, filter, { ...ok, bias: new Float32Array(1) }), 'AMC_SHAPE_MISMATCH', /bias/],
      [() => slicedConv2d(x, filter, { ...ok, out: new Float32Array(4) }), 'AMC_SHAPE_MISMATCH', /out/],
      [() => slicedConv2d(x, filter, undefined as never), 'AMC_INVALID_ARGUMENT', /inputChannels/],
      [() => sliceConv2dWeights(filter, [0, 9], [1]), 'AMC_INDEX_OUT_OF_RANGE', /inputChannels/],
      [() => sliceConv2dWeights(filter, [0], [1, 1]), 'AMC_INDEX_OUT_OF_RANGE', /outputChannels/],
      [() => sliceConv2dWeights(filter, [0], [1], new Float32Array(2)), 'AMC_SHAPE_MISMATCH', /bias/],
    ];
    for (const [run, code, message] of cases) expectCode(run, code, message);
    // The addon re-checks what the wrapper validated: index ranges, duplicates, channel counts, lengths.
    const native = loadNative();
    const geometry = {
      batch: 1, inHeight: 5, inWidth: 5, inChannels: 8, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1,
      dilationHeight: 1, dilationWidth: 1, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, outHeight: 3, outWidth: 3,
    };
    const raw = {
      ...geometry,
      input: x.data,
      filter: filter.data,
      filterInChannels: 8,
      filterOutChannels: 6,
      inputChannels: Int32Array.from([0, 1]),
      outputChannels: Int32Array.from([2]),
      out: new Float32Array(9),
    };
    expect(() => native.slicedConv2d(raw)).not.toThrow();
    const rawCases: [Record<string, unknown>, string][] = [
      [{ inputChannels: Int32Array.from([0, 8]) }, 'AMC_INDEX_OUT_OF_RANGE'],
      [{ outputChannels: Int32Array.from([1, 1]) }, 'AMC_INDEX_OUT_OF_RANGE'],
      [{ inputChannels: new Int32Array(0) }, 'AMC_INVALID_ARGUMENT'],
      [{ compact: true }, 'AMC_SHAPE_MISMATCH'],
      [{ out: new Float32Array(8) }, 'AMC_SHAPE_MISMATCH'],
      [{ filter: new Float32Array(10) }, 'AMC_SHAPE_MISMATCH'],
      [{ outHeight: 4 }, 'AMC_SHAPE_MISMATCH'],
      [{ inputChannels: [0, 1] }, 'AMC_INVALID_ARGUMENT'],
    ];
    for (const [change, code] of rawCases) {
      expect(() => native.slicedConv2d({ ...raw, ...change } as never), JSON.stringify(Object.keys(change))).toThrow(
        expect.objectContaining({ code }),
      );
    }
    await expect(slicedConv2dAsync(x, filter, { ...ok, inputChannels: [3, 3] })).rejects.toMatchObject({
      code: 'AMC_INDEX_OUT_OF_RANGE',
    });
  });
});
