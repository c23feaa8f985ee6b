/**
 * Our kernels as the suites see them. `gemm` and the runtime functions are always there; the conv, sliced
 * and sparse families are looked up by name, so a build that lacks one reports "not available" for the
 * measurements that need it instead of failing the whole run.
 */
import type { FloatTensor } from '@amc/core';
import * as kernels from '@amc/kernels';

export { gemm, getNativeInfo, setNumThreads } from '@amc/kernels';

/** Padding accepted by the conv family. */
export type Padding = 'same' | 'valid' | readonly [number, number, number, number];

/** Options of conv2d as the suites pass them. */
export interface Conv2dOptions {
  strides?: number | readonly [number, number];
  padding?: Padding;
}

/** `conv2d(input NHWC, filter HWIO, options)`. */
export type Conv2dFn = (input: FloatTensor, filter: FloatTensor, options?: Conv2dOptions) => FloatTensor;

/** `depthwiseConv2d(input NHWC, filter [kh, kw, c, multiplier], options)`. */
export type DepthwiseConv2dFn = (input: FloatTensor, filter: FloatTensor, options?: Conv2dOptions) => FloatTensor;

/** `slicedConv2d(input, full filter, { inputChannels, outputChannels, inputLayout, ... })`. */
export type SlicedConv2dFn = (
  input: FloatTensor,
  filter: FloatTensor,
  options: Conv2dOptions & { inputChannels: Int32Array; outputChannels: Int32Array; inputLayout?: 'full' | 'compact' },
) => FloatTensor;

/** `sliceConv2dWeights(filter, inputChannels, outputChannels)`: the compact filter of the kept channels. */
export type SliceConv2dWeightsFn = (filter: FloatTensor, inputChannels: Int32Array, outputChannels: Int32Array) => { filter: FloatTensor };

/** An opaque sparse matrix made by denseToCsr / denseToBlockCsr. */
export type SparseMatrix = object;

/** `denseToCsr(dense, rows, cols)` and `denseToBlockCsr(dense, rows, cols)`. */
export type DenseToSparseFn = (dense: Float32Array, rows: number, cols: number) => SparseMatrix;

/** `spmm(a sparse M x K, b dense K x N, n)` -> M x N. */
export type SpmmFn = (a: SparseMatrix, b: Float32Array, n: number, options?: { out?: Float32Array }) => Float32Array;

/** `sparseConv2d(input NHWC, weights sparse cout x kh*kw*cin, { kernelSize, strides, padding })`. */
export type SparseConv2dFn = (
  input: FloatTensor,
  weights: SparseMatrix,
  options: Conv2dOptions & { kernelSize: readonly [number, number] },
) => FloatTensor;

/** `sparseDense(x batch x in, batch, weights sparse out x in)` -> batch x out. */
export type SparseDenseFn = (x: Float32Array, batch: number, weights: SparseMatrix, options?: { out?: Float32Array }) => Float32Array;

/** The optional families, each undefined when this build of @amc/kernels does not export it. */
export interface OptionalKernels {
  conv2d?: Conv2dFn;
  depthwiseConv2d?: DepthwiseConv2dFn;
  slicedConv2d?: SlicedConv2dFn;
  sliceConv2dWeights?: SliceConv2dWeightsFn;
  denseToCsr?: DenseToSparseFn;
  denseToBlockCsr?: DenseToSparseFn;
  spmm?: SpmmFn;
  sparseConv2d?: SparseConv2dFn;
  sparseDense?: SparseDenseFn;
}

const OPTIONAL_NAMES = [
  'conv2d',
  'depthwiseConv2d',
  'slicedConv2d',
  'sliceConv2dWeights',
  'denseToCsr',
  'denseToBlockCsr',
  'spmm',
  'sparseConv2d',
  'sparseDense',
] as const satisfies readonly (keyof OptionalKernels)[];

/** Our optional kernels found in @amc/kernels. */
export const amc: OptionalKernels = (() => {
  const exported = kernels as unknown as Record<string, unknown>;
  const found: Record<string, unknown> = {};
  for (const name of OPTIONAL_NAMES) if (typeof exported[name] === 'function') found[name] = exported[name];
  return found as OptionalKernels;
})();

/** Names of the optional kernels this build lacks. */
export function missingKernels(): string[] {
  return OPTIONAL_NAMES.filter((name) => amc[name] === undefined);
}
