import { Rng } from '@amc/core';
import { afterAll, describe, expect, it } from 'vitest';
import { expectCode } from '@amc/testing';
import { channelImportance, channelImportanceAsync, topKIndices, topKIndicesAsync } from './prune.js';
import { referenceChannelImportance, referenceTopKIndices } from './reference/prune.js';
import { getNumThreads, setNumThreads } from './runtime.js';
import { TEST_SEED, expectClose, randomArray } from './test-utils.js';

// Ranks 1-6; sizes of one, odd sizes, inner runs shorter and longer than 8 (the two native paths), and
// tensors above the native parallel cut (65,536 elements) such as a 3x3x64x128 conv filter.
const SHAPES: number[][] = [
  [1],
  [5],
  [70_000],
  [1, 1],
  [3, 7],
  [9, 8],
  [128, 10],
  [2, 3, 4],
  [5, 1, 17],
  [3, 3, 7, 9],
  [1, 1, 16, 33],
  [3, 3, 64, 128],
  [5000, 3, 5],
  [2, 30_000, 2],
  [2, 3, 2, 3, 2],
  [2, 1, 3, 2, 2, 3],
];


describe('channelImportance', () => {
  const threads = getNumThreads();
  afterAll(() => setNumThreads(threads));

  it('matches the naive reference on every axis of ranks 1-6, L1 and L2, one and two threads', () => {
    const rng = new Rng(TEST_SEED);
    for (const t of [1, 2]) {
      setNumThreads(t);
      for (const shape of SHAPES) {
        const data = randomArray(rng, shape.reduce((a, b) => a * b, 1));
        for (let axis = 0; axis < shape.length; axis++) {
          for (const norm of ['l1', 'l2'] as const) {
            const got = channelImportance({ data, shape }, axis, { norm });
            const want = referenceChannelImportance(data, shape, axis, norm);
            expectClose(got, want, `threads=${t} shape=[${shape}] axis=${axis} ${norm}`, 1e-5, 1e-5);
          }
        }
      }
    }
  });

  it('computes the AMC input-channel criterion of an HWIO filter, and negative axes', () => {
    // W[kh][kw][cin][cout] = (cin + 1) * (-1)^cout: input channel c scores 3 * 3 * 4 * (c + 1).
    const shape = [3, 3, 5, 4];
    const data = new Float32Array(180);
    for (let i = 0; i < 180; i++) data[i] = ((Math.floor(i / 4) % 5) + 1) * (i % 2 === 0 ? 1 : -1);
    expect(Array.from(channelImportance({ data, shape }, 2))).toEqual([36, 72, 108, 144, 180]);
    expect(channelImportance({ data, shape }, -2)).toEqual(channelImportance({ data, shape }, 2));
    expect(channelImportance({ data, shape }, -1)).toEqual(channelImportance({ data, shape }, 3));
    const l2 = channelImportance({ data, shape }, 2, { norm: 'l2' });
    expectClose(l2, Float32Array.from([1, 2, 3, 4, 5], (c) => Math.sqrt(36 * c * c)), 'l2', 1e-6, 0);
  });

  it('handles zero-size dimensions', () => {
    expect(Array.from(channelImportance({ data: new Float32Array(0), shape: [0, 4] }, 1))).toEqual([0, 0, 0, 0]);
    expect(channelImportance({ data: new Float32Array(0), shape: [4, 0] }, 1).length).toBe(0);
  });

  it('runs asynchronously with the same result', async () => {
    const rng = new Rng(TEST_SEED + 1);
    const shape = [3, 3, 64, 128];
    const data = randomArray(rng, 3 * 3 * 64 * 128);
    expect(await channelImportanceAsync({ data, shape }, 2)).toEqual(channelImportance({ data, shape }, 2));
  });

  it('rejects bad arguments with coded errors', async () => {
    const data = new Float32Array(12);
    expectCode(() => channelImportance({ data, shape: [3, 4] }, 2), 'AMC_INDEX_OUT_OF_RANGE', /\[-2, 2\) for axis/);
    expectCode(() => channelImportance({ data, shape: [3, 4] }, -3), 'AMC_INDEX_OUT_OF_RANGE', /axis/);
    expectCode(() => channelImportance({ data, shape: [3, 4] }, 0.5), 'AMC_INVALID_ARGUMENT', /axis/);
    expectCode(() => channelImportance({ data, shape: [3, 5] }, 0), 'AMC_SHAPE_MISMATCH', /weights.data/);
    expectCode(() => channelImportance({ data, shape: [] }, 0), 'AMC_INVALID_ARGUMENT', /weights.shape/);
    expectCode(() => channelImportance({ data, shape: [1, 1, 1, 1, 1, 3, 4] }, 0), 'AMC_INVALID_ARGUMENT', /rank 1 to 6/);
    expectCode(() => channelImportance({ data, shape: [3, -4] }, 0), 'AMC_INVALID_ARGUMENT', /weights.shape\[1\]/);
    expectCode(() => channelImportance({ data: [1] as never, shape: [1] }, 0), 'AMC_INVALID_ARGUMENT', /Float32Array/);
    expectCode(() => channelImportance(data as never, 0), 'AMC_INVALID_ARGUMENT', /tensor/);
    expectCode(() => channelImportance({ data, shape: [12] }, 0, { norm: 'l3' as never }), 'AMC_INVALID_ARGUMENT', /norm/);
    await expect(channelImportanceAsync({ data, shape: [3, 4] }, 9)).rejects.toMatchObject({ code: 'AMC_INDEX_OUT_OF_RANGE' });
  });
});

describe('topKIndices', () => {
  it('matches the sort-based reference, ties to lower indices, sorted ascending', () => {
    const rng = new Rng(TEST_SEED + 2);
    for (const n of [1, 2, 5, 64, 1000, 70_000]) {
      const random = randomArray(rng, n, -5, 5);
      const tied = Float32Array.from({ length: n }, () => rng.int(4) - 1.5);
      for (const scores of [random, tied]) {
        for (const k of new Set([0, 1, Math.floor(n / 3), n - 1, n].filter((v) => v >= 0))) {
          const got = topKIndices(scores, k);
          const want = referenceTopKIndices(scores, k);
          if (got.length !== want.length || got.some((v, i) => v !== want[i])) {
            expect.fail(`n=${n} k=${k}: got [${got.slice(0, 10)}...], expected [${want.slice(0, 10)}...] (seed ${TEST_SEED})`);
          }
        }
      }
    }
  });

  it('treats -0 and +0 as equal, orders infinities and negatives', () => {
    expect(Array.from(topKIndices(Float32Array.of(-0, 0, -0), 2))).toEqual([0, 1]);
    expect(Array.from(topKIndices(Float32Array.of(0, -0, 1), 2))).toEqual([0, 2]);
    const s = Float32Array.of(-1, Number.NEGATIVE_INFINITY, -0.5, Number.POSITIVE_INFINITY, -3);
    expect(Array.from(topKIndices(s, 3))).toEqual([0, 2, 3]);
    expect(Array.from(topKIndices(s, 5))).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(topKIndices(Float32Array.of(0.5, 2, 2, 1), 2))).toEqual([1, 2]);
    expect(topKIndices(new Float32Array(0), 0).length).toBe(0);
  });

  it('runs asynchronously and rejects bad arguments with coded errors', async () => {
    const s = Float32Array.of(3, 1, 2);
    expect(Array.from(await topKIndicesAsync(s, 2))).toEqual([0, 2]);
    expectCode(() => topKIndices(s, 4), 'AMC_INVALID_ARGUMENT', /\[0, 3\] for k/);
    expectCode(() => topKIndices(s, -1), 'AMC_INVALID_ARGUMENT', /for k/);
    expectCode(() => topKIndices(s, 1.5), 'AMC_INVALID_ARGUMENT', /for k/);
    expectCode(() => topKIndices([3, 1] as never, 1), 'AMC_INVALID_ARGUMENT', /Float32Array for scores/);
    expectCode(() => topKIndices(Float32Array.of(1, Number.NaN), 1), 'AMC_NON_FINITE', /NaN at index 1/);
    await expect(topKIndicesAsync(Float32Array.of(Number.NaN), 0)).rejects.toMatchObject({ code: 'AMC_NON_FINITE' });
  });
});
