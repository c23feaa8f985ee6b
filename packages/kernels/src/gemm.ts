import { type Activation, ErrorCode, argumentError } from '@amc/core';
import { callNative, callNativeAsync } from './call.js';
import { loadNative } from './load.js';
import type { GemmNativeOptions } from './binding/gemm.js';
import { MAX_ELEMENTS, checkActivation, checkBool, checkDims, checkFloat32, checkInt, checkNumber, checkOptions, outputBuffer, type OptionKeys } from './validate.js';

const GEMM_OPTIONS_KEYS: OptionKeys<GemmOptions> = { transA: true, transB: true, alpha: true, beta: true, bias: true, activation: true, out: true };

/** Options of {@link gemm}. */
export interface GemmOptions {
  /** Use A transposed: `a` holds K x M. Default false. */
  transA?: boolean;
  /** Use B transposed: `b` holds N x K. Default false. */
  transB?: boolean;
  /** Scale of the product. Default 1. */
  alpha?: number;
  /** Scale of the existing `out` (only meaningful with `out`). Default 0. */
  beta?: number;
  /** N values added to every row. */
  bias?: Float32Array;
  /** Fused activation. Default `none`. */
  activation?: Activation;
  /** Output buffer of M x N (read first when beta != 0). Default: a new array. */
  out?: Float32Array;
}

/** The problem as [m, n, k]. */
export type GemmDims = readonly [m: number, n: number, k: number];

function prepare(op: string, a: unknown, b: unknown, dims: GemmDims, options: unknown): GemmNativeOptions {
  const o = checkOptions<GemmOptions>(op, options, GEMM_OPTIONS_KEYS);
  if (!Array.isArray(dims) || dims.length !== 3) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'dims', 'an array [m, n, k]', dims);
  }
  const [m, n, k] = dims;
  // Each dimension, then each matrix, is bounded; m * n * k (the work) is not an element count and may exceed 2^31.
  dims.forEach((d, i) => checkInt(op, `dims[${i}]`, d, 0, MAX_ELEMENTS));
  checkDims(op, 'a', [m, k]);
  checkDims(op, 'b', [k, n]);
  checkDims(op, 'out', [m, n]);
  const transA = checkBool(op, 'options.transA', o.transA, false);
  const transB = checkBool(op, 'options.transB', o.transB, false);
  const native: GemmNativeOptions = {
    a: checkFloat32(op, 'a', a, m * k),
    b: checkFloat32(op, 'b', b, k * n),
    c: outputBuffer(op, o.out, m * n),
    m,
    n,
    k,
    transA,
    transB,
    alpha: o.alpha === undefined ? 1 : checkNumber(op, 'options.alpha', o.alpha),
    beta: o.beta === undefined ? 0 : checkNumber(op, 'options.beta', o.beta),
    activation: checkActivation(op, 'options.activation', o.activation),
  };
  if (o.bias !== undefined) native.bias = checkFloat32(op, 'options.bias', o.bias, n);
  return native;
}

/**
 * Single-precision matrix product `out = act(alpha * op(A) * op(B) + beta * out + bias)`, row-major, with a
 * packed, register-blocked native kernel chosen for this CPU.
 *
 * @param a M x K values (K x M with `transA`).
 * @param b K x N values (N x K with `transB`).
 * @param dims `[m, n, k]`.
 * @returns the M x N result (`options.out` when given).
 * @throws AmcError AMC_INVALID_ARGUMENT, AMC_SHAPE_MISMATCH, AMC_NON_FINITE (alpha, beta).
 * @example
 * const c = gemm(a, b, [64, 32, 128], { activation: 'relu' });
 */
export function gemm(a: Float32Array, b: Float32Array, dims: GemmDims, options?: GemmOptions): Float32Array {
  const native = prepare('gemm', a, b, dims, options);
  const binding = loadNative();
  callNative('gemm', () => binding.gemm(native));
  return native.c;
}

/** {@link gemm} off the event loop. Do not touch the buffers until the promise settles. */
export async function gemmAsync(
  a: Float32Array,
  b: Float32Array,
  dims: GemmDims,
  options?: GemmOptions,
): Promise<Float32Array> {
  const native = prepare('gemmAsync', a, b, dims, options);
  const binding = loadNative();
  await callNativeAsync('gemmAsync', () => binding.gemmAsync(native));
  return native.c;
}
