import { Rng } from '@amc/core';
import { afterAll, describe, expect, it } from 'vitest';
import { expectCode } from '@amc/testing';
import { batchNorm, batchNormAsync, batchNormGrad, batchNormGradAsync } from './norm.js';
import { referenceBatchNorm, referenceBatchNormGrad } from './reference/norm.js';
import { getNumThreads, setNumThreads } from './runtime.js';
import { TEST_SEED, expectClose, randomArray } from './test-utils.js';

// Row counts around the native block (512 rows), channel counts below / at / above a vector.
const SHAPES: number[][] = [[1, 1], [3, 5], [511, 8], [512, 16], [513, 17], [2, 9, 9, 3], [4, 28, 28, 16], [1, 1, 1, 64], [2000, 1]];


describe('batchNorm', () => {
  const threads = getNumThreads();
  afterAll(() => setNumThreads(threads));

  it('training: matches the reference (statistics and output), with gamma/beta/activation', () => {
    const rng = new Rng(TEST_SEED);
    for (const shape of SHAPES) {
      const channels = shape.at(-1) as number;
      const rows = shape.reduce((a, b) => a * b, 1) / channels;
      // an offset mean well away from zero exercises the shifted sums
      const x = randomArray(rng, rows * channels, 3, 5);
      const gamma = randomArray(rng, channels, 0.5, 2);
      const beta = randomArray(rng, channels);
      for (const activation of ['none', 'relu', 'relu6'] as const) {
        const got = batchNorm({ data: x, shape }, { training: true, gamma, beta, epsilon: 1e-5, activation });
        const want = referenceBatchNorm(x, rows, channels, { gamma, beta, epsilon: 1e-5, activation });
        const ctx = `shape ${shape} ${activation} seed ${TEST_SEED}`;
        expectClose(got.mean, want.mean, `${ctx} mean`, 1e-5, 1e-5);
        expectClose(got.variance, want.variance, `${ctx} variance`, 1e-3, 1e-5);
        expectClose(got.y.data, want.y, `${ctx} y`, 1e-3, 2e-3);
        expect(got.y.shape).toEqual(shape);
      }
    }
  });

  it('inference: uses the given statistics; in place works', () => {
    const rng = new Rng(TEST_SEED + 1);
    const x = randomArray(rng, 6 * 7);
    const mean = randomArray(rng, 7);
    const variance = randomArray(rng, 7, 0.1, 2);
    const want = referenceBatchNorm(x, 6, 7, { epsilon: 1e-3, mean, variance });
    const got = batchNorm({ data: x, shape: [6, 7] }, { mean, variance });
    expectClose(got.y.data, want.y, 'inference', 1e-5, 1e-5);
    const copy = x.slice();
    batchNorm({ data: copy, shape: [6, 7] }, { mean, variance, out: copy });
    expectClose(copy, want.y, 'in place', 1e-5, 1e-5);
  });

  it('gives bitwise identical results with 1 and 2 threads', () => {
    const rng = new Rng(TEST_SEED + 2);
    const shape = [8, 28, 28, 16];
    const x = randomArray(rng, 8 * 28 * 28 * 16);
    const dy = randomArray(rng, x.length);
    const run = () => {
      const f = batchNorm({ data: x, shape }, { training: true, epsilon: 1e-5 });
      const g = batchNormGrad({ data: dy, shape }, { data: x, shape }, { mean: f.mean, variance: f.variance, epsilon: 1e-5 });
      return [f.y.data, f.mean, f.variance, g.dx.data, g.dgamma, g.dbeta];
    };
    setNumThreads(1);
    const one = run();
    setNumThreads(2);
    const two = run();
    one.forEach((a, i) => expect(Buffer.from((two[i] as Float32Array).buffer).equals(Buffer.from(a.buffer)), `output ${i}`).toBe(true));
  });

  it('rejects bad arguments with coded errors', () => {
    const x = { data: new Float32Array(6), shape: [2, 3] };
    expectCode(() => batchNorm(x), 'AMC_INVALID_ARGUMENT', /mean and variance/);
    expectCode(() => batchNorm(x, { training: true, gamma: new Float32Array(2) }), 'AMC_SHAPE_MISMATCH', /options\.gamma/);
    expectCode(() => batchNorm(x, { training: true, epsilon: -1 }), 'AMC_INVALID_ARGUMENT', /epsilon/);
    expectCode(() => batchNorm(x, { training: true, epsilon: Number.NaN }), 'AMC_NON_FINITE', /epsilon/);
    expectCode(() => batchNorm({ data: new Float32Array(5), shape: [2, 3] }, { training: true }), 'AMC_SHAPE_MISMATCH', /x\.data/);
    expectCode(() => batchNorm({ data: new Float32Array(0), shape: [0, 3] }, { training: true }), 'AMC_SHAPE_MISMATCH', /non-empty/);
    expectCode(() => batchNorm(x, { training: true, out: x.data.subarray(1) as Float32Array }), 'AMC_SHAPE_MISMATCH', /options\.out/);
    expectCode(() => batchNorm(x, { training: true, activation: 'gelu' as never }), 'AMC_INVALID_ARGUMENT', /activation/);
    expectCode(() => batchNormGrad(x, { data: new Float32Array(6), shape: [3, 2] }, { mean: new Float32Array(2), variance: new Float32Array(2) }), 'AMC_SHAPE_MISMATCH', /dy\.shape/);
    expectCode(() => batchNormGrad(x, x, { mean: new Float32Array(2), variance: new Float32Array(3) }), 'AMC_SHAPE_MISMATCH', /options\.mean/);
    expectCode(() => batchNormGrad(x, x, undefined as never), 'AMC_INVALID_ARGUMENT', /options/);
  });
});

describe('batchNormGrad', () => {
  it('matches the reference and a finite-difference check of the whole training-mode op', async () => {
    const rng = new Rng(TEST_SEED + 3);
    for (const shape of SHAPES) {
      const channels = shape.at(-1) as number;
      const rows = shape.reduce((a, b) => a * b, 1) / channels;
      if (rows < 2) continue;
      const x = randomArray(rng, rows * channels);
      const dy = randomArray(rng, x.length);
      const gamma = randomArray(rng, channels, 0.5, 2);
      const f = batchNorm({ data: x, shape }, { training: true, gamma, epsilon: 1e-5 });
      const got = batchNormGrad({ data: dy, shape }, { data: x, shape }, { gamma, mean: f.mean, variance: f.variance, epsilon: 1e-5 });
      const want = referenceBatchNormGrad(dy, x, rows, channels, { gamma, mean: f.mean, variance: f.variance, epsilon: 1e-5 });
      const ctx = `shape ${shape} seed ${TEST_SEED}`;
      expectClose(got.dx.data, want.dx, `${ctx} dx`, 2e-3, 2e-3);
      expectClose(got.dgamma, want.dgamma, `${ctx} dgamma`, 1e-4, 1e-3);
      expectClose(got.dbeta, want.dbeta, `${ctx} dbeta`, 1e-4, 1e-3);
    }
    // finite differences of L = sum(dy * bn(x)) in double through the reference forward
    const rows = 6;
    const channels = 3;
    const x = randomArray(rng, rows * channels);
    const dy = randomArray(rng, rows * channels);
    const f = batchNorm({ data: x, shape: [rows, channels] }, { training: true, epsilon: 1e-3 });
    const g = await batchNormGradAsync({ data: dy, shape: [rows, channels] }, { data: x, shape: [rows, channels] }, { mean: f.mean, variance: f.variance });
    const loss = (xs: Float32Array) => referenceBatchNorm(xs, rows, channels, { epsilon: 1e-3 }).y.reduce((s, v, i) => s + v * (dy[i] as number), 0);
    for (let i = 0; i < x.length; i++) {
      const h = 1e-2;
      const p = x.slice();
      p[i] = (p[i] as number) + h;
      const m = x.slice();
      m[i] = (m[i] as number) - h;
      const fd = (loss(p) - loss(m)) / (2 * h);
      expect(Math.abs((g.dx.data[i] as number) - fd), `dx[${i}] vs finite difference ${fd}`).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
    }
    const a = await batchNormAsync({ data: x, shape: [rows, channels] }, { training: true });
    expect(Array.from(a.y.data)).toEqual(Array.from(batchNorm({ data: x, shape: [rows, channels] }, { training: true }).y.data));
  });
});
