import type { Activation, FloatTensor } from '@amc/core';
import { resolveConv2dGeometry } from '../conv-geometry.js';
import type { SparseConv2dOptions, SparseDenseOptions } from '../sparse-conv.js';
import type { SparseMatrix } from '../sparse-format.js';
import type { SpmmOptions } from '../sparse-spmm.js';
import { applyActivation } from './activation.js';

/** Visits every stored value of a sparse matrix (block padding rows excluded) as (row, col, value). */
function forEachEntry(a: SparseMatrix, visit: (row: number, col: number, value: number) => void): void {
  if (a.format === 'csr') {
    for (let r = 0; r < a.rows; r++) {
      for (let e = a.rowPtr[r] as number; e < (a.rowPtr[r + 1] as number); e++) visit(r, a.colIdx[e] as number, a.values[e] as number);
    }
    return;
  }
  const groups = Math.ceil(a.rows / 4);
  for (let g = 0; g < groups; g++) {
    for (let e = a.blockRowPtr[g] as number; e < (a.blockRowPtr[g + 1] as number); e++) {
      for (let i = 0; i < 4 && 4 * g + i < a.rows; i++) visit(4 * g + i, a.colIdx[e] as number, a.values[4 * e + i] as number);
    }
  }
}

function finish(acc: Float64Array, rows: number, n: number, bias: Float32Array | undefined, activation: Activation | undefined, out: Float32Array, transposed: boolean): Float32Array {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      const v = applyActivation((acc[r * n + j] as number) + (bias?.[r] ?? 0), activation);
      out[transposed ? j * rows + r : r * n + j] = v;
    }
  }
  return out;
}

/**
 * Pure-TS reference of {@link spmm}: sums over the stored entries only (float64 accumulation, no validation), so
 * a structurally absent weight never multiplies a NaN activation.
 */
export function referenceSpmm(a: SparseMatrix, b: Float32Array, n: number, options: SpmmOptions = {}): Float32Array {
  const acc = new Float64Array(a.rows * n);
  forEachEntry(a, (r, k, w) => {
    for (let j = 0; j < n; j++) acc[r * n + j] = (acc[r * n + j] as number) + w * (b[k * n + j] as number);
  });
  return finish(acc, a.rows, n, options.bias, options.activation, options.out ?? new Float32Array(a.rows * n), false);
}

/** Pure-TS reference of {@link sparseDense}: `y[batch x out] = act(x * weights^T + bias)`. */
export function referenceSparseDense(x: Float32Array, batch: number, weights: SparseMatrix, options: SparseDenseOptions = {}): Float32Array {
  const acc = new Float64Array(weights.rows * batch);
  const k = weights.cols;
  forEachEntry(weights, (r, c, w) => {
    for (let j = 0; j < batch; j++) acc[r * batch + j] = (acc[r * batch + j] as number) + w * (x[j * k + c] as number);
  });
  return finish(acc, weights.rows, batch, options.bias, options.activation, options.out ?? new Float32Array(batch * weights.rows), true);
}

/**
 * Pure-TS reference of {@link sparseConv2d}: a direct dense NHWC convolution with the weights densified
 * (`weights[co, (ky * kw + kx) * cin + ci]`), float64 accumulation, no validation beyond the geometry.
 */
export function referenceSparseConv2d(input: FloatTensor, weights: SparseMatrix, options: SparseConv2dOptions): FloatTensor {
  const [kh, kw] = options.kernelSize;
  const g = resolveConv2dGeometry('referenceSparseConv2d', input.shape, kh, kw, options);
  const cout = weights.rows;
  const k = weights.cols;
  const dense = new Float64Array(cout * k);
  forEachEntry(weights, (r, c, w) => {
    dense[r * k + c] = w;
  });
  const out = options.out ?? new Float32Array(g.batch * g.outHeight * g.outWidth * cout);
  const x = input.data;
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      for (let ox = 0; ox < g.outWidth; ox++) {
        const o = ((b * g.outHeight + oy) * g.outWidth + ox) * cout;
        for (let co = 0; co < cout; co++) {
          let sum = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * g.strideHeight - g.padTop + ky * g.dilationHeight;
            if (iy < 0 || iy >= g.inHeight) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * g.strideWidth - g.padLeft + kx * g.dilationWidth;
              if (ix < 0 || ix >= g.inWidth) continue;
              const src = ((b * g.inHeight + iy) * g.inWidth + ix) * g.inChannels;
              const w0 = co * k + (ky * kw + kx) * g.inChannels;
              for (let ci = 0; ci < g.inChannels; ci++) sum += (dense[w0 + ci] as number) * (x[src + ci] as number);
            }
          }
          out[o + co] = applyActivation(sum + (options.bias?.[co] ?? 0), options.activation);
        }
      }
    }
  }
  return { data: out, shape: [g.batch, g.outHeight, g.outWidth, cout] };
}
