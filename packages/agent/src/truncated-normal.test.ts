import { ErrorCode, Rng } from '@amc/core';
import { describe, expect, it } from 'vitest';
import { expectCode } from '@amc/testing';
import { truncatedNormal } from './index.js';
import { truncatedCdf, truncatedMoments } from './test-utils.js';

const SEED = 20240611;

describe('truncatedNormal', () => {
  // (mean, sigma) on [0, 1]: inside, at a bound, and far outside (the exponential-proposal branch), wide and narrow.
  const cases: [number, number][] = [
    [0.5, 0.5],
    [0.9, 0.5],
    [0.3, 0.05],
    [0, 0.2],
    [1.5, 0.3],
    [-0.8, 0.2],
    [3, 0.1],
    [0.5, 10],
    [-2, 1.5],
  ];

  it.each(cases)('mean %d, sigma %d on [0, 1]: samples in bounds, moments and CDF match the truncated normal', (mean, sigma) => {
    const rng = new Rng(SEED);
    const n = 40_000;
    const samples = new Float64Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const x = truncatedNormal(rng, mean, sigma, 0, 1);
      samples[i] = x;
      sum += x;
    }
    const expected = truncatedMoments(mean, sigma, 0, 1);
    const sampleMean = sum / n;
    let squares = 0;
    for (const x of samples) squares += (x - sampleMean) ** 2;
    const sampleVariance = squares / (n - 1);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThanOrEqual(1);
    // 5 standard errors of the mean; the variance within 5 % (its standard error is ~1 % at this n).
    const standardError = Math.sqrt(expected.variance / n);
    expect(Math.abs(sampleMean - expected.mean), `seed ${SEED}`).toBeLessThan(5 * standardError);
    expect(Math.abs(sampleVariance / expected.variance - 1), `seed ${SEED}`).toBeLessThan(0.05);
    // Kolmogorov-Smirnov distance against the analytic CDF (critical value 1.95 / sqrt(n) at the 0.1 % level).
    samples.sort();
    let distance = 0;
    for (let i = 0; i < n; i++) {
      const f = truncatedCdf(samples[i] as number, mean, sigma, 0, 1);
      distance = Math.max(distance, Math.abs(f - i / n), Math.abs(f - (i + 1) / n));
    }
    expect(distance, `seed ${SEED}`).toBeLessThan(1.95 / Math.sqrt(n));
  });

  it('handles other intervals, a far tail and degenerate cases', () => {
    const rng = new Rng(SEED);
    for (let i = 0; i < 1000; i++) {
      const x = truncatedNormal(rng, 2, 0.5, -1, 1.5);
      expect(x).toBeGreaterThanOrEqual(-1);
      expect(x).toBeLessThanOrEqual(1.5);
    }
    // 200 sigmas away: every sample crowds at the near bound, within a few sigma^2 / distance.
    for (let i = 0; i < 100; i++) {
      const x = truncatedNormal(rng, -20, 0.1, 0, 1);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(0.01);
    }
    expect(truncatedNormal(rng, 0.3, 0, 0, 1)).toBe(0.3);
    expect(truncatedNormal(rng, 1.7, 0, 0, 1)).toBe(1);
    expect(truncatedNormal(rng, 0.3, 0.2, 0.5, 0.5)).toBe(0.5);
    expect(truncatedNormal(rng, 0.5, 1e-320, 0, 1)).toBe(0.5);
  });

  it('is deterministic for a seed', () => {
    const draw = (seed: number): number[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 50 }, (_, i) => truncatedNormal(rng, (i % 7) / 3 - 0.5, 0.3, 0, 1));
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
  });

  it('rejects bad arguments with coded errors', () => {
    const rng = new Rng(1);
    expectCode(() => truncatedNormal(rng, Number.NaN, 0.1, 0, 1), ErrorCode.NonFinite, /mean/);
    expectCode(() => truncatedNormal(rng, 0.5, Infinity, 0, 1), ErrorCode.NonFinite, /sigma/);
    expectCode(() => truncatedNormal(rng, 0.5, -0.1, 0, 1), ErrorCode.InvalidArgument, /sigma/);
    expectCode(() => truncatedNormal(rng, 0.5, 0.1, 1, 0), ErrorCode.InvalidArgument, /high/);
    expectCode(() => truncatedNormal(rng, '0.5' as unknown as number, 0.1, 0, 1), ErrorCode.InvalidArgument, /mean/);
    expectCode(() => truncatedNormal({} as Rng, 0.5, 0.1, 0, 1), ErrorCode.InvalidArgument, /rng/);
  });
});
