import { AmcError, ErrorCode } from '@amc/core';
import { describe, expect, it } from 'vitest';
import { createDataset } from './dataset.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return AmcError.isInstance(error) ? error.code : 'not an AmcError';
  }
  return undefined;
}

describe('createDataset', () => {
  it('builds a dataset from Uint8 pixels (scaled by 1/255) and a number[] of labels', () => {
    const ds = createDataset(Uint8Array.from([0, 255, 51, 102, 0, 0, 0, 0]), [1, 0], [2, 2, 1], 2, ['a', 'b']);
    expect(ds.count).toBe(2);
    expect(ds.shape).toEqual([2, 2, 1]);
    expect(ds.labels).toBeInstanceOf(Int32Array);
    expect(Array.from(ds.labels)).toEqual([1, 0]);
    expect(Array.from(ds.images.subarray(0, 4))).toEqual([0, 1, 0.20000000298023224, 0.4000000059604645]);
    expect(ds.classNames).toEqual(['a', 'b']);
  });

  it('uses a Float32Array as is and names classes by index by default', () => {
    const images = new Float32Array(3 * 2 * 2 * 3);
    const ds = createDataset(images, Int32Array.from([0, 1, 2]), [2, 2, 3], 3);
    expect(ds.images).toBe(images);
    expect(ds.classNames).toEqual(['0', '1', '2']);
  });

  it('rejects wrong lengths, out-of-range or fractional labels, NaN pixels and bad shapes with codes', () => {
    const px = new Float32Array(8);
    expect(codeOf(() => createDataset(px, [0, 1, 0], [2, 2, 1], 2))).toBe(ErrorCode.ShapeMismatch);
    expect(codeOf(() => createDataset(px, [0, 2], [2, 2, 1], 2))).toBe(ErrorCode.IndexOutOfRange);
    expect(codeOf(() => createDataset(px, [0, -1], [2, 2, 1], 2))).toBe(ErrorCode.IndexOutOfRange);
    expect(codeOf(() => createDataset(px, [0, 0.5], [2, 2, 1], 2))).toBe(ErrorCode.InvalidArgument);
    const nan = new Float32Array(8);
    nan[5] = Number.NaN;
    expect(codeOf(() => createDataset(nan, [0, 1], [2, 2, 1], 2))).toBe(ErrorCode.NonFinite);
    const inf = new Float32Array(8);
    inf[0] = Number.POSITIVE_INFINITY;
    expect(codeOf(() => createDataset(inf, [0, 1], [2, 2, 1], 2))).toBe(ErrorCode.NonFinite);
    expect(codeOf(() => createDataset(px, [0, 1], [2, 0, 2] as [number, number, number], 2))).toBe(ErrorCode.InvalidArgument);
    expect(codeOf(() => createDataset(px, [0, 1], [2, 2.5, 1] as [number, number, number], 2))).toBe(ErrorCode.InvalidArgument);
    expect(codeOf(() => createDataset(px, [0, 1], [2, 2, 1], 0))).toBe(ErrorCode.InvalidArgument);
    expect(codeOf(() => createDataset(px, [0, 1], [2, 2, 1], 2, ['only one']))).toBe(ErrorCode.InvalidArgument);
  });

  it('names the argument and the received value in the message', () => {
    try {
      createDataset(new Float32Array(4), [7], [2, 2, 1], 3);
      expect.unreachable();
    } catch (error) {
      expect((error as AmcError).message).toBe('createDataset: expected an integer in [0, 3) for labels[0] but received 7');
      expect((error as AmcError).argument).toBe('labels[0]');
    }
  });
});
