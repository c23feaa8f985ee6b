/**
 * Sparse 2-D convolution over NHWC activations and the sparse dense layer, both on the SpMM machinery: a tile
 * of output pixels is gathered (im2col for k x k, a transpose for 1 x 1) into an L1/L2-sized panel, multiplied
 * by the sparse weights, and transposed back into the NHWC output; no whole-tensor transpose ever happens.
 */
import { type Activation, ErrorCode, type FloatTensor, argumentError } from '@amc/core';
import { callNative, callNativeAsync } from './call.js';
import { type Conv2DGeometryOptions, resolveConv2dGeometry } from './conv-geometry.js';
import { loadNative } from './load.js';
import type { SparseConv2dNativeOptions, SparseDenseNativeOptions } from './binding/sparse.js';
import { type SparseFormat, type SparseMatrix, denseToSparse, nativeSparse, validateSparseMatrix } from './sparse-format.js';
import { checkActivation, checkDims, checkFloat32, checkInt, checkOptions, outputBuffer, type OptionKeys } from './validate.js';

const SPARSE_DENSE_OPTIONS_KEYS: OptionKeys<SparseDenseOptions> = { bias: true, activation: true, out: true };

const SPARSE_CONV2D_OPTIONS_KEYS: OptionKeys<SparseConv2dOptions> = { kernelSize: true, bias: true, activation: true, out: true, strides: true, padding: true, dilations: true };

/** Options of {@link sparseConv2d}. */
export interface SparseConv2dOptions extends Conv2DGeometryOptions {
  /** `[kh, kw]` of the filter the sparse weights came from (see {@link filterToSparse}). */
  kernelSize: readonly [number, number];
  /** One value per output channel, added before the activation. */
  bias?: Float32Array;
  /** Fused activation. Default `none`. */
  activation?: Activation;
  /** Output buffer of batch x outH x outW x cout. Default: a new array. */
  out?: Float32Array;
}

/** Options of {@link sparseDense}. */
export interface SparseDenseOptions {
  /** One value per output feature. */
  bias?: Float32Array;
  /** Fused activation. Default `none`. */
  activation?: Activation;
  /** Output buffer of batch x out. Default: a new array. */
  out?: Float32Array;
}

function checkTensor(op: string, argument: string, value: unknown, rank: number): FloatTensor {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as FloatTensor).shape)) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, `a FloatTensor of rank ${rank}`, value);
  }
  const t = value as FloatTensor;
  if (t.shape.length !== rank) {
    throw argumentError(ErrorCode.InvalidArgument, op, `${argument}.shape`, `a shape of rank ${rank}`, t.shape);
  }
  const size = checkDims(op, `${argument}.shape`, t.shape);
  checkFloat32(op, `${argument}.data`, t.data, size);
  return t;
}

/**
 * Builds the sparse weights of a convolution from a dense HWIO filter `[kh, kw, cin, cout]`: a
 * `cout x (kh * kw * cin)` matrix whose column `(ky * kw + kx) * cin + ci` holds `filter[ky, kx, ci, co]` (the
 * filter flattened to `[kh * kw * cin, cout]` and transposed), in the given format. Zeros are dropped (for
 * `bcsr`: 4 x 1 blocks of 4 consecutive output channels that are all zero). For a dense layer, pass its
 * `[in, out]` kernel as a `[1, 1, in, out]` filter.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT (not a rank-4 tensor, unknown format), AMC_SHAPE_MISMATCH (data length).
 * @example
 * const weights = filterToSparse(prunedFilter, 'bcsr');
 * const y = sparseConv2d(x, weights, { kernelSize: [3, 3], padding: 'same' });
 */
export function filterToSparse(filter: FloatTensor, format: SparseFormat): SparseMatrix {
  const op = 'filterToSparse';
  const f = checkTensor(op, 'filter', filter, 4);
  if (format !== 'csr' && format !== 'bcsr') throw argumentError(ErrorCode.InvalidArgument, op, 'format', "'csr' or 'bcsr'", format);
  const [kh, kw, cin, cout] = f.shape as [number, number, number, number];
  const k = kh * kw * cin;
  const transposed = new Float32Array(cout * k);
  for (let p = 0; p < k; p++) {
    for (let co = 0; co < cout; co++) transposed[co * k + p] = f.data[p * cout + co] as number;
  }
  return denseToSparse(transposed, cout, k, format);
}

function prepareConv(op: string, input: unknown, weights: unknown, options: unknown): [SparseConv2dNativeOptions, number[]] {
  const o = checkOptions<SparseConv2dOptions>(op, options, SPARSE_CONV2D_OPTIONS_KEYS);
  const x = checkTensor(op, 'input', input, 4);
  const w = validateSparseMatrix(weights, 'weights', op);
  const size = o.kernelSize;
  if (!Array.isArray(size) || size.length !== 2) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.kernelSize', '[kh, kw]', size);
  }
  const kh = checkInt(op, 'options.kernelSize[0]', size[0], 1, 1 << 16);
  const kw = checkInt(op, 'options.kernelSize[1]', size[1], 1, 1 << 16);
  const g = resolveConv2dGeometry(op, x.shape, kh, kw, o);
  const k = kh * kw * g.inChannels;
  if (w.cols !== k) {
    throw argumentError(ErrorCode.ShapeMismatch, op, 'weights.cols', `kh * kw * inChannels = ${k}`, w.cols);
  }
  const outShape = [g.batch, g.outHeight, g.outWidth, w.rows];
  const outSize = checkDims(op, 'output shape', outShape);
  const native = {
    ...g,
    weights: nativeSparse(w),
    input: x.data,
    output: outputBuffer(op, o.out, outSize),
    activation: checkActivation(op, 'options.activation', o.activation),
  } as SparseConv2dNativeOptions;
  if (o.bias !== undefined) native.bias = checkFloat32(op, 'options.bias', o.bias, w.rows);
  return [native, outShape];
}

/**
 * Sparse 2-D convolution of an NHWC input: `out[b, oy, ox, co] = act(bias[co] + sum weights[co, (ky * kw + kx)
 * * cin + ci] * input[b, oy * sh - padTop + ky * dh, ox * sw - padLeft + kx * dw, ci])`, zero outside the
 * input. `weights` is `cout x (kh * kw * cin)` in CSR or 4 x 1 block CSR (see {@link filterToSparse}); 1 x 1
 * convolutions take a transpose-only fast path.
 *
 * @returns the NHWC output `[batch, outH, outW, cout]` (its data is `options.out` when given).
 * @throws AmcError AMC_INVALID_ARGUMENT, AMC_SHAPE_MISMATCH, AMC_INDEX_OUT_OF_RANGE.
 * @example
 * const y = sparseConv2d(x, filterToSparse(w, 'bcsr'), { kernelSize: [1, 1], bias, activation: 'relu6' });
 */
export function sparseConv2d(input: FloatTensor, weights: SparseMatrix, options: SparseConv2dOptions): FloatTensor {
  const [native, shape] = prepareConv('sparseConv2d', input, weights, options);
  const binding = loadNative();
  callNative('sparseConv2d', () => binding.sparseConv2d(native));
  return { data: native.output, shape };
}

/** {@link sparseConv2d} off the event loop. Do not touch the buffers until the promise settles. */
export async function sparseConv2dAsync(input: FloatTensor, weights: SparseMatrix, options: SparseConv2dOptions): Promise<FloatTensor> {
  const [native, shape] = prepareConv('sparseConv2dAsync', input, weights, options);
  const binding = loadNative();
  await callNativeAsync('sparseConv2dAsync', () => binding.sparseConv2dAsync(native));
  return { data: native.output, shape };
}

function prepareDense(op: string, x: unknown, batch: unknown, weights: unknown, options: unknown): SparseDenseNativeOptions {
  const o = checkOptions<SparseDenseOptions>(op, options, SPARSE_DENSE_OPTIONS_KEYS);
  const w = validateSparseMatrix(weights, 'weights', op);
  checkInt(op, 'batch', batch);
  const n = batch as number;
  checkDims(op, 'x', [n, w.cols]);
  checkDims(op, 'out', [n, w.rows]);
  const native: SparseDenseNativeOptions = {
    weights: nativeSparse(w),
    x: checkFloat32(op, 'x', x, n * w.cols),
    batch: n,
    y: outputBuffer(op, o.out, n * w.rows),
    activation: checkActivation(op, 'options.activation', o.activation),
  };
  if (o.bias !== undefined) native.bias = checkFloat32(op, 'options.bias', o.bias, w.rows);
  return native;
}

/**
 * Sparse dense (fully connected) layer: `out[b, o] = act(bias[o] + sum_i weights[o, i] * x[b, i])` for row-major
 * `x` of `batch x in` and sparse `weights` of `out x in` (a 1 x 1 convolution over `batch` pixels).
 *
 * @returns `batch x out` values (`options.out` when given).
 * @throws AmcError AMC_INVALID_ARGUMENT, AMC_SHAPE_MISMATCH, AMC_INDEX_OUT_OF_RANGE.
 * @example
 * const logits = sparseDense(features, 32, denseToCsr(kernelT, 10, 512), { bias });
 */
export function sparseDense(x: Float32Array, batch: number, weights: SparseMatrix, options?: SparseDenseOptions): Float32Array {
  const native = prepareDense('sparseDense', x, batch, weights, options);
  const binding = loadNative();
  callNative('sparseDense', () => binding.sparseDense(native));
  return native.y;
}

/** {@link sparseDense} off the event loop. Do not touch the buffers until the promise settles. */
export async function sparseDenseAsync(
  x: Float32Array,
  batch: number,
  weights: SparseMatrix,
  options?: SparseDenseOptions,
): Promise<Float32Array> {
  const native = prepareDense('sparseDenseAsync', x, batch, weights, options);
  const binding = loadNative();
  await callNativeAsync('sparseDenseAsync', () => binding.sparseDenseAsync(native));
  return native.y;
}
