import { AmcError } from '@amc/core';
import { describe, expect, it } from 'vitest';
import { batchNorm, batchNormGrad, binaryOp, conv2d, conv2dBackpropFilter, denseToCsr, depthwiseConv2d, gemm, spmm, unaryOp } from './index.js';

function rejected(run: () => unknown): AmcError {
  try {
    run();
  } catch (e) {
    if (AmcError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected a coded error');
}

describe('options objects', () => {
  const x = { data: new Float32Array(2 * 3 * 3 * 4).fill(0.5), shape: [2, 3, 3, 4] };
  const w = { data: new Float32Array(3 * 3 * 4 * 2).fill(0.25), shape: [3, 3, 4, 2] };
  const dw = { data: new Float32Array(3 * 3 * 4).fill(0.25), shape: [3, 3, 4, 1] };
  const rows = { data: new Float32Array(8 * 4).map((_, i) => i % 5), shape: [8, 4] };
  const stats = batchNorm(rows, { training: true });

  it('reject an unknown key, naming it and listing the options of the call (a misspelt option is never ignored)', () => {
    const cases: [() => unknown, string, RegExp][] = [
      [() => gemm(new Float32Array(4), new Float32Array(4), [2, 2, 2], { transposeA: true } as never), 'options.transposeA', /transA, transB, alpha, beta, bias, activation, out/],
      [() => conv2d(x, w, { padding: 'same', stride: 2 } as never), 'options.stride', /strides/],
      [() => depthwiseConv2d(x, dw, { outBuffer: new Float32Array(72) } as never), 'options.outBuffer', /out/],
      // The mistake that motivated the check: batchNormGrad writes into `dx`, not `out`.
      [() => batchNormGrad(rows, rows, { mean: stats.mean, variance: stats.variance, out: new Float32Array(32) } as never), 'options.out', /gamma, mean, variance, epsilon, dx/],
      [() => batchNorm(rows, { training: true, momentum: 0.9 } as never), 'options.momentum', /epsilon/],
      [() => conv2dBackpropFilter(x, { data: new Float32Array(2 * 3 * 3 * 2), shape: [2, 3, 3, 2] }, [3, 3, 4, 2], { padding: 'same', dilation: 1 } as never), 'options.dilation', /dilations/],
      [() => unaryOp('relu', new Float32Array(4), { output: new Float32Array(4) } as never), 'options.output', /alpha, out/],
      [() => binaryOp('add', new Float32Array(4), new Float32Array(4), { inplace: true } as never), 'options.inplace', /out/],
      [() => spmm(denseToCsr(new Float32Array(4).fill(1), 2, 2), new Float32Array(6), 3, { relu: true } as never), 'options.relu', /bias, activation, out/],
    ];
    for (const [run, argument, listed] of cases) {
      const e = rejected(run);
      expect(e.code, argument).toBe('AMC_INVALID_ARGUMENT');
      expect(e.message, argument).toContain(`for ${argument} but received`);
      expect(e.message, argument).toMatch(listed);
    }
  });

  it('accept every known key, including ones explicitly set to undefined', () => {
    expect(gemm(new Float32Array(4).fill(1), new Float32Array(4).fill(1), [2, 2, 2], { transA: false, bias: undefined, out: undefined })).toEqual(new Float32Array(4).fill(2));
    expect(conv2d(x, w, { padding: 'same', strides: 1, dilations: 1, groups: 1, activation: 'none' }).shape).toEqual([2, 3, 3, 2]);
  });
});
