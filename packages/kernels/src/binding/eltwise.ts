import type { AsyncOp, Op } from './types.js';

/** Native options of `unary`: op codes 0 relu, 1 relu6, 2 step, 3 neg, 4 square, 5 abs, 6 sqrt, 7 rsqrt. */
export interface UnaryNativeOptions {
  op: number;
  x: Float32Array;
  alpha?: number;
  out: Float32Array;
}

/**
 * Native options of `binary`: op codes 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min, 6 squared difference; the
 * shorter of a and b repeats along the longer (its length must divide the longer's).
 */
export interface BinaryNativeOptions {
  op: number;
  a: Float32Array;
  b: Float32Array;
  out: Float32Array;
}

/**
 * Native options of `activationGrad`: out = dy where 0 < x <= upper, else 0 (NaN where x is NaN); with `clip`,
 * out = dy where lower <= x <= upper, else 0 (also where x is NaN).
 */
export interface ActivationGradNativeOptions {
  dy: Float32Array;
  x: Float32Array;
  upper: number;
  lower?: number;
  clip?: boolean;
  out: Float32Array;
}

/** The eltwise family's native functions. */
export interface EltwiseBinding {
  unary: Op<UnaryNativeOptions>;
  unaryAsync: AsyncOp<UnaryNativeOptions>;
  binary: Op<BinaryNativeOptions>;
  binaryAsync: AsyncOp<BinaryNativeOptions>;
  activationGrad: Op<ActivationGradNativeOptions>;
  activationGradAsync: AsyncOp<ActivationGradNativeOptions>;
}

/** The eltwise family's exported function names (checked against the addon by binding.test.ts). */
export const ELTWISE_FUNCTION_NAMES = [
  'unary',
  'unaryAsync',
  'binary',
  'binaryAsync',
  'activationGrad',
  'activationGradAsync',
] as const satisfies readonly (keyof EltwiseBinding)[];
