import { AmcError, ErrorCode } from '@amc/core';
import { describe, expect, it } from 'vitest';
import { expectCode, expectCodeAsync, expectNativeCode, forEachSeed, randomInput, relativeError } from './index.js';

const coded = (message: string) => () => {
  throw new AmcError(ErrorCode.InvalidArgument, message);
};

describe('@amc/testing', () => {
  it('expectCode passes on the right code and message, and returns the error', () => {
    const e = expectCode(coded('weights: expected finite, got NaN'), ErrorCode.InvalidArgument, 'weights', /got NaN$/);
    expect(e.code).toBe(ErrorCode.InvalidArgument);
  });

  it('expectCode fails when nothing is thrown, another error is thrown, or the code or message differ', () => {
    expect(() => expectCode(() => 1, ErrorCode.InvalidArgument)).toThrow(/nothing was thrown/);
    expect(() =>
      expectCode(() => {
        throw new TypeError('boom');
      }, ErrorCode.InvalidArgument),
    ).toThrow(/boom/);
    expect(() => expectCode(coded('x'), ErrorCode.ShapeMismatch)).toThrow(/AMC_SHAPE_MISMATCH/);
    expect(() => expectCode(coded('weights'), ErrorCode.InvalidArgument, 'bias')).toThrow();
    expect(() => expectCode(coded('weights'), ErrorCode.InvalidArgument, /^bias/)).toThrow();
  });

  it('expectCodeAsync takes a promise or a function and fails on resolution', async () => {
    const reject = async () => coded('input: missing')();
    await expectCodeAsync(reject(), ErrorCode.InvalidArgument, 'input');
    await expectCodeAsync(reject, ErrorCode.InvalidArgument, /missing/);
    await expect(expectCodeAsync(Promise.resolve(1), ErrorCode.InvalidArgument)).rejects.toThrow(/nothing was thrown/);
  });

  it('expectNativeCode takes any Error carrying the code, and fails without one', () => {
    const native = (code?: string) => () => {
      throw Object.assign(new Error('spmm: expected length 8 for b (native check)'), code === undefined ? {} : { code });
    };
    expect(expectNativeCode(native('AMC_SHAPE_MISMATCH'), 'AMC_SHAPE_MISMATCH', 'length 8', /native check/).message).toMatch(/spmm/);
    expect(() => expectNativeCode(native(), 'AMC_SHAPE_MISMATCH')).toThrow(/native error AMC_SHAPE_MISMATCH/);
    expect(() => expectNativeCode(native('AMC_INVALID_ARGUMENT'), 'AMC_SHAPE_MISMATCH')).toThrow();
    expect(() => expectNativeCode(() => 0, 'AMC_SHAPE_MISMATCH')).toThrow(/no error/);
    expect(() => expectNativeCode(native('AMC_SHAPE_MISMATCH'), 'AMC_SHAPE_MISMATCH', 'length 9')).toThrow();
  });

  it('forEachSeed names the failing seed', () => {
    const seen: number[] = [];
    forEachSeed(5, 3, (s) => seen.push(s));
    expect(seen).toEqual([5, 6, 7]);
    expect(() =>
      forEachSeed(10, 5, (s) => {
        if (s === 12) throw new Error('bad');
      }),
    ).toThrow(/seed 12 .*bad/);
  });

  it('randomInput is seeded and in [-1, 1); relativeError scales by the expected maximum', () => {
    const a = randomInput(1000, 3);
    expect(randomInput(1000, 3)).toEqual(a);
    expect(randomInput(1000, 4)).not.toEqual(a);
    expect(a.every((v) => v >= -1 && v < 1)).toBe(true);
    expect(relativeError(Float32Array.of(1, 2.5), Float32Array.of(1, 2))).toBeCloseTo(0.25, 12);
    expect(relativeError(Float32Array.of(0.5), Float32Array.of(0))).toBe(0.5);
    expect(() => relativeError(Float32Array.of(1), Float32Array.of(1, 2))).toThrow(/lengths/);
  });
});
