/**
 * Same input, same output, bit for bit, with several threads: the reductions (filter gradients, least squares)
 * split work across threads, and their partial sums must combine in a fixed order whatever thread ran what.
 */
import { type FloatTensor, Rng } from '@amc/core';
import { conv2dBackpropFilter, depthwiseConv2dBackpropFilter, gemm, leastSquares, setNumThreads } from '@amc/kernels';
import { afterAll, describe, expect, it } from 'vitest';

const rng = new Rng(2018);
const tensor = (shape: number[]): FloatTensor => ({
  data: rng.fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1))),
  shape,
});

function repeatsIdentically(run: () => Float32Array, times = 8): boolean {
  const first = run();
  for (let i = 0; i < times; i++) {
    const again = run();
    if (again.length !== first.length || again.some((v, j) => !Object.is(v, first[j]))) return false;
  }
  return true;
}

describe('determinism with 2 threads', () => {
  setNumThreads(2);
  afterAll(() => setNumThreads(2));

  it('conv and depthwise filter gradients are bitwise repeatable', () => {
    const x = tensor([16, 28, 28, 16]);
    const dy = tensor([16, 28, 28, 16]);
    expect(repeatsIdentically(() => conv2dBackpropFilter(x, dy, [3, 3, 16, 16], { padding: 'same' }).data)).toBe(true);
    expect(repeatsIdentically(() => depthwiseConv2dBackpropFilter(x, dy, [3, 3, 16, 1], { padding: 'same' }).data)).toBe(true);
  });

  it('gemm and least squares are bitwise repeatable', () => {
    const a = tensor([300, 200]);
    const b = tensor([200, 100]);
    expect(repeatsIdentically(() => gemm(a.data, b.data, [300, 100, 200]))).toBe(true);
    const y = tensor([5000, 8]);
    const x = tensor([5000, 48]);
    expect(repeatsIdentically(() => leastSquares(x, y).weights.data, 3)).toBe(true);
  });
});
