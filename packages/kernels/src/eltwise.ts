/**
 * Elementwise float32 ops on flat arrays: activations and their gradients, and arithmetic with "row"
 * broadcasting (the shorter operand repeats along the longer one: a scalar, or a per-channel vector against
 * channels-last data). Vectorised per ISA and split over the native thread pool; the tfjs backend's elementwise
 * kernels run on these.
 */
import { ErrorCode, argumentError } from '@amc/core';
import type { BinaryNativeOptions, UnaryNativeOptions } from './binding/eltwise.js';
import { callNative, callNativeAsync } from './call.js';
import { loadNative } from './load.js';
import { checkFloat32, checkNumber, checkOptions, outputBuffer, type OptionKeys } from './validate.js';

const UNARY_OP_OPTIONS_KEYS: OptionKeys<UnaryOpOptions> = { alpha: true, out: true };

const ELTWISE_OUT_OPTIONS_KEYS: OptionKeys<EltwiseOutOptions> = { out: true };

/** Unary ops: `step` is tfjs's step (1 for x > 0, `alpha` otherwise, NaN kept). */
export const UNARY_OPS = ['relu', 'relu6', 'step', 'neg', 'square', 'abs', 'sqrt', 'rsqrt'] as const;
export type UnaryOpName = (typeof UNARY_OPS)[number];
/** Binary ops: `max` / `min` propagate NaN (as Math.max / Math.min). */
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'max', 'min', 'squaredDifference'] as const;
export type BinaryOpName = (typeof BINARY_OPS)[number];

/** Options of {@link unaryOp}. */
export interface UnaryOpOptions {
  /** `step`'s value for x <= 0. Default 0. */
  alpha?: number;
  /** Output buffer (may be `x` itself). Default: a new array. */
  out?: Float32Array;
}

/** Options of {@link binaryOp} and {@link activationGrad}. */
export interface EltwiseOutOptions {
  /** Output buffer (may be the longer input). Default: a new array. */
  out?: Float32Array;
}

function opCode<T extends readonly string[]>(op: string, list: T, value: unknown): number {
  const code = typeof value === 'string' ? list.indexOf(value) : -1;
  if (code < 0) throw argumentError(ErrorCode.InvalidArgument, op, 'op', `one of ${list.join(', ')}`, value);
  return code;
}

function prepareUnary(op: string, name: unknown, x: unknown, options: unknown): UnaryNativeOptions {
  const o = checkOptions<UnaryOpOptions>(op, options, UNARY_OP_OPTIONS_KEYS);
  const code = opCode(op, UNARY_OPS, name);
  const xs = checkFloat32(op, 'x', x);
  const native: UnaryNativeOptions = { op: code, x: xs, out: outputBuffer(op, o.out, xs.length) };
  if (o.alpha !== undefined) native.alpha = checkNumber(op, 'options.alpha', o.alpha);
  return native;
}

/**
 * Applies a unary op to every element.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT (op, types), AMC_SHAPE_MISMATCH (out length), AMC_NON_FINITE (alpha).
 * @example
 * const y = unaryOp('relu', x);
 */
export function unaryOp(name: UnaryOpName, x: Float32Array, options?: UnaryOpOptions): Float32Array {
  const native = prepareUnary('unaryOp', name, x, options);
  callNative('unaryOp', () => loadNative().unary(native));
  return native.out;
}

/** {@link unaryOp} off the event loop. */
export async function unaryOpAsync(name: UnaryOpName, x: Float32Array, options?: UnaryOpOptions): Promise<Float32Array> {
  const native = prepareUnary('unaryOpAsync', name, x, options);
  await callNativeAsync('unaryOpAsync', () => loadNative().unaryAsync(native));
  return native.out;
}

function prepareBinary(op: string, name: unknown, a: unknown, b: unknown, options: unknown): BinaryNativeOptions {
  const o = checkOptions<EltwiseOutOptions>(op, options, ELTWISE_OUT_OPTIONS_KEYS);
  const code = opCode(op, BINARY_OPS, name);
  const as = checkFloat32(op, 'a', a);
  const bs = checkFloat32(op, 'b', b);
  const n = Math.max(as.length, bs.length);
  const m = Math.min(as.length, bs.length);
  if ((m === 0 && n !== 0) || (m > 0 && n % m !== 0)) {
    throw argumentError(
      ErrorCode.ShapeMismatch,
      op,
      'b',
      `a length that divides or is a multiple of a's (${as.length})`,
      bs,
    );
  }
  return { op: code, a: as, b: bs, out: outputBuffer(op, o.out, n) };
}

/**
 * `out[i] = a[i] op b[i]`, the shorter operand repeating along the longer one (its length must divide the
 * longer's): a scalar, or one row of a row-major matrix.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT (op, types), AMC_SHAPE_MISMATCH (lengths).
 * @example
 * const y = binaryOp('add', activations, biasPerChannel);
 */
export function binaryOp(name: BinaryOpName, a: Float32Array, b: Float32Array, options?: EltwiseOutOptions): Float32Array {
  const native = prepareBinary('binaryOp', name, a, b, options);
  callNative('binaryOp', () => loadNative().binary(native));
  return native.out;
}

/** {@link binaryOp} off the event loop. */
export async function binaryOpAsync(name: BinaryOpName, a: Float32Array, b: Float32Array, options?: EltwiseOutOptions): Promise<Float32Array> {
  const native = prepareBinary('binaryOpAsync', name, a, b, options);
  await callNativeAsync('binaryOpAsync', () => loadNative().binaryAsync(native));
  return native.out;
}

function prepareGrad(op: string, dy: unknown, x: unknown, activation: unknown, options: unknown) {
  const o = checkOptions<EltwiseOutOptions>(op, options, ELTWISE_OUT_OPTIONS_KEYS);
  const dys = checkFloat32(op, 'dy', dy);
  const xs = checkFloat32(op, 'x', x, dys.length);
  if (activation !== 'relu' && activation !== 'relu6') {
    throw argumentError(ErrorCode.InvalidArgument, op, 'activation', 'relu or relu6', activation);
  }
  return { dy: dys, x: xs, upper: activation === 'relu' ? Number.POSITIVE_INFINITY : 6, out: outputBuffer(op, o.out, dys.length) };
}

/**
 * Gradient of relu / relu6 given the forward input x, in one pass, with tfjs's semantics exactly: dy * mask, mask 1
 * where 0 < x (<= 6 for relu6), 0 elsewhere, NaN where x is NaN (so an infinite dy over a zero mask gives NaN).
 *
 * @throws AmcError AMC_INVALID_ARGUMENT, AMC_SHAPE_MISMATCH.
 */
export function activationGrad(dy: Float32Array, x: Float32Array, activation: 'relu' | 'relu6', options?: EltwiseOutOptions): Float32Array {
  const native = prepareGrad('activationGrad', dy, x, activation, options);
  callNative('activationGrad', () => loadNative().activationGrad(native));
  return native.out;
}

function prepareClipGrad(op: string, dy: unknown, x: unknown, min: unknown, max: unknown, options: unknown) {
  const o = checkOptions<EltwiseOutOptions>(op, options, ELTWISE_OUT_OPTIONS_KEYS);
  const dys = checkFloat32(op, 'dy', dy);
  const xs = checkFloat32(op, 'x', x, dys.length);
  // Infinite bounds are allowed (a one-sided clip); NaN is not.
  for (const [name, v] of [['min', min], ['max', max]] as const) {
    if (typeof v !== 'number' || Number.isNaN(v)) throw argumentError(ErrorCode.InvalidArgument, op, name, 'a number (not NaN)', v);
  }
  if ((min as number) > (max as number)) throw argumentError(ErrorCode.InvalidArgument, op, 'min', `at most max (${max as number})`, min);
  return { dy: dys, x: xs, lower: min as number, upper: max as number, clip: true, out: outputBuffer(op, o.out, dys.length) };
}

/**
 * Gradient of clipByValue(x, min, max) given its input x, in one pass, with tfjs's semantics exactly:
 * `where(min <= x && x <= max, dy, 0)`, so 0 where x is NaN or outside the range, whatever dy is there.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT (types, NaN bounds, min > max), AMC_SHAPE_MISMATCH.
 * @example
 * const dx = clipGrad(dy, x, 0, 6);
 */
export function clipGrad(dy: Float32Array, x: Float32Array, min: number, max: number, options?: EltwiseOutOptions): Float32Array {
  const native = prepareClipGrad('clipGrad', dy, x, min, max, options);
  callNative('clipGrad', () => loadNative().activationGrad(native));
  return native.out;
}

/** {@link clipGrad} off the event loop. */
export async function clipGradAsync(dy: Float32Array, x: Float32Array, min: number, max: number, options?: EltwiseOutOptions): Promise<Float32Array> {
  const native = prepareClipGrad('clipGradAsync', dy, x, min, max, options);
  await callNativeAsync('clipGradAsync', () => loadNative().activationGradAsync(native));
  return native.out;
}

/** {@link activationGrad} off the event loop. */
export async function activationGradAsync(
  dy: Float32Array,
  x: Float32Array,
  activation: 'relu' | 'relu6',
  options?: EltwiseOutOptions,
): Promise<Float32Array> {
  const native = prepareGrad('activationGradAsync', dy, x, activation, options);
  await callNativeAsync('activationGradAsync', () => loadNative().activationGradAsync(native));
  return native.out;
}
