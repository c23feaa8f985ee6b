/**
 * SpMM: sparse weights times dense feature-major activations, with a fused bias and activation.
 */
import type { Activation } from '@amc/core';
import { callNative, callNativeAsync } from './call.js';
import { loadNative } from './load.js';
import type { SpmmNativeOptions } from './binding/sparse.js';
import { type SparseMatrix, nativeSparse, validateSparseMatrix } from './sparse-format.js';
import { checkActivation, checkDims, checkFloat32, checkInt, checkOptions, outputBuffer, type OptionKeys } from './validate.js';

const SPMM_OPTIONS_KEYS: OptionKeys<SpmmOptions> = { bias: true, activation: true, out: true };

/** Options of {@link spmm}. */
export interface SpmmOptions {
  /** One value per output row (M), added before the activation. */
  bias?: Float32Array;
  /** Fused activation. Default `none`. */
  activation?: Activation;
  /** Output buffer of M x N. Default: a new array. */
  out?: Float32Array;
}

function prepare(op: string, a: unknown, b: unknown, n: unknown, options: unknown): SpmmNativeOptions {
  const o = checkOptions<SpmmOptions>(op, options, SPMM_OPTIONS_KEYS);
  const weights = validateSparseMatrix(a, 'a', op);
  checkInt(op, 'n', n);
  const cols = n as number;
  checkDims(op, 'b', [weights.cols, cols]);
  checkDims(op, 'out', [weights.rows, cols]);
  const native: SpmmNativeOptions = {
    weights: nativeSparse(weights),
    b: checkFloat32(op, 'b', b, weights.cols * cols),
    n: cols,
    c: outputBuffer(op, o.out, weights.rows * cols),
    activation: checkActivation(op, 'options.activation', o.activation),
  };
  if (o.bias !== undefined) native.bias = checkFloat32(op, 'options.bias', o.bias, weights.rows);
  return native;
}

/**
 * Sparse times dense: `out[M x N] = act(a[M x K] * b[K x N] + bias)`, with `b` row-major and feature-major (the
 * CHW layout: the N pixels or batch rows of each input feature contiguous). The native kernel packs tiles of
 * pixels and runs a register-blocked CSR or 4 x 1 block-CSR microkernel chosen for this CPU, in parallel.
 * Empty rows give `act(bias)`.
 *
 * @param a sparse M x K weights (validated: see {@link validateSparseMatrix}).
 * @param b K x N dense values.
 * @param n the number of columns N.
 * @returns the M x N result (`options.out` when given).
 * @throws AmcError AMC_INVALID_ARGUMENT, AMC_SHAPE_MISMATCH, AMC_INDEX_OUT_OF_RANGE.
 * @example
 * const y = spmm(denseToBlockCsr(w, 256, 256), x, 56 * 56, { bias, activation: 'relu' });
 */
export function spmm(a: SparseMatrix, b: Float32Array, n: number, options?: SpmmOptions): Float32Array {
  const native = prepare('spmm', a, b, n, options);
  const binding = loadNative();
  callNative('spmm', () => binding.spmm(native));
  return native.c;
}

/** {@link spmm} off the event loop. Do not touch the buffers until the promise settles. */
export async function spmmAsync(a: SparseMatrix, b: Float32Array, n: number, options?: SpmmOptions): Promise<Float32Array> {
  const native = prepare('spmmAsync', a, b, n, options);
  const binding = loadNative();
  await callNativeAsync('spmmAsync', () => binding.spmmAsync(native));
  return native.c;
}
