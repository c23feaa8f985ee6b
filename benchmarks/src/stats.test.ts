import { describe, expect, it } from 'vitest';
import { breakEvenSparsity, geometricMean, median, quantileSorted, summarize } from './stats.js';

describe('stats', () => {
  it('computes medians of odd and even counts in any order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('interpolates quantiles like numpy.percentile', () => {
    // numpy.percentile([1, 2, 3, 4, 10], [25, 75]) == [2, 4]
    expect(quantileSorted([1, 2, 3, 4, 10], 0.25)).toBe(2);
    expect(quantileSorted([1, 2, 3, 4, 10], 0.75)).toBe(4);
    // numpy.percentile([1, 2, 3, 4], 25) == 1.75
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
    expect(() => quantileSorted([], 0.5)).toThrow(RangeError);
  });

  it('summarizes spread: extremes, IQR and MAD', () => {
    const s = summarize([5, 1, 4, 2, 3, 100]);
    expect(s.n).toBe(6);
    expect(s.median).toBe(3.5);
    expect(s.min).toBe(1);
    expect(s.max).toBe(100);
    expect(s.q1).toBe(2.25);
    expect(s.q3).toBe(4.75);
    expect(s.iqr).toBe(2.5);
    // |x - 3.5| = 1.5, 2.5, 0.5, 1.5, 0.5, 96.5 -> median 1.5
    expect(s.mad).toBe(1.5);
    expect(s.mean).toBeCloseTo(115 / 6, 12);
  });

  it('averages ratios geometrically', () => {
    expect(geometricMean([2, 8])).toBeCloseTo(4, 12);
    expect(Number.isNaN(geometricMean([]))).toBe(true);
  });

  it('finds the break-even sparsity by linear interpolation', () => {
    expect(breakEvenSparsity([0, 0.5, 0.9], [0.5, 0.8, 1.2])).toEqual({ kind: 'at', at: expect.closeTo(0.7, 12) as number });
    expect(breakEvenSparsity([0, 0.5], [1.2, 3])).toEqual({ kind: 'below', at: 0 });
    expect(breakEvenSparsity([0, 0.5, 0.95], [0.2, 0.4, 0.9])).toEqual({ kind: 'above', at: 0.95 });
    expect(breakEvenSparsity([0, 0.5, 0.9], [0.5, Number.NaN, 2])).toEqual({ kind: 'at', at: expect.closeTo(0.9 * (0.5 / 1.5), 12) as number });
    expect(breakEvenSparsity([], [])).toBeUndefined();
  });
});
