import type { Conv2DGeometry } from '../conv-geometry.js';
import type { AsyncOp, NativeActivation, Op } from './types.js';

/**
 * A sparse matrix as the addon reads it (native/binding/sparse.cc): `format` 0 is CSR (rowPtr of rows + 1
 * entries, one value per entry), 1 is 4 x 1 block CSR (rowPtr of ceil(rows / 4) + 1 entries, four values per
 * entry). The addon re-validates the whole structure before touching it.
 */
export interface SparseNativeMatrix {
  format: 0 | 1;
  rows: number;
  cols: number;
  rowPtr: Int32Array;
  colIdx: Int32Array;
  values: Float32Array;
}

/** `c[M x n] = act(weights * b[K x n] + bias)`, all row-major. */
export interface SpmmNativeOptions {
  weights: SparseNativeMatrix;
  b: Float32Array;
  n: number;
  c: Float32Array;
  bias?: Float32Array;
  activation?: NativeActivation;
  /** Forces one microkernel variant by name (getInfo().kernels.spmm), for tests and benchmarks. */
  ukernel?: string;
}

/** Sparse convolution over NHWC `input` into NHWC `output`; weights are cout x (kh * kw * cin). */
export interface SparseConv2dNativeOptions extends Conv2DGeometry {
  weights: SparseNativeMatrix;
  input: Float32Array;
  output: Float32Array;
  bias?: Float32Array;
  activation?: NativeActivation;
}

/** `y[batch x out] = act(x[batch x in] * weights^T + bias)`; weights are out x in. */
export interface SparseDenseNativeOptions {
  weights: SparseNativeMatrix;
  x: Float32Array;
  batch: number;
  y: Float32Array;
  bias?: Float32Array;
  activation?: NativeActivation;
}

/**
 * Dense to sparse in two passes: `denseToSparseCount` fills `rowPtr` with running entry counts, then the caller
 * allocates `colIdx` / `values` and `denseToSparseFill` writes them (checking they match `rowPtr`).
 */
export interface DenseToSparseNativeOptions {
  format: 0 | 1;
  dense: Float32Array;
  rows: number;
  cols: number;
  rowPtr: Int32Array;
  colIdx?: Int32Array;
  values?: Float32Array;
}

/** The sparse family's native functions. */
export interface SparseBinding {
  spmm: Op<SpmmNativeOptions>;
  spmmAsync: AsyncOp<SpmmNativeOptions>;
  sparseConv2d: Op<SparseConv2dNativeOptions>;
  sparseConv2dAsync: AsyncOp<SparseConv2dNativeOptions>;
  sparseDense: Op<SparseDenseNativeOptions>;
  sparseDenseAsync: AsyncOp<SparseDenseNativeOptions>;
  denseToSparseCount: Op<DenseToSparseNativeOptions>;
  denseToSparseCountAsync: AsyncOp<DenseToSparseNativeOptions>;
  denseToSparseFill: Op<DenseToSparseNativeOptions>;
  denseToSparseFillAsync: AsyncOp<DenseToSparseNativeOptions>;
}

/** Every function of {@link SparseBinding} (checked against the addon by binding.test.ts). */
export const SPARSE_FUNCTION_NAMES = [
  'spmm',
  'spmmAsync',
  'sparseConv2d',
  'sparseConv2dAsync',
  'sparseDense',
  'sparseDenseAsync',
  'denseToSparseCount',
  'denseToSparseCountAsync',
  'denseToSparseFill',
  'denseToSparseFillAsync',
] as const satisfies readonly (keyof SparseBinding)[];
