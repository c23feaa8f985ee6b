import type { AsyncOp, NativeActivation, Op } from './types.js';

/**
 * Native options of `batchNorm`: x viewed as [rows, channels] (channels innermost). With `training` the op
 * writes the batch mean and biased variance to `mean` / `variance`; without, it reads them.
 */
export interface BatchNormNativeOptions {
  x: Float32Array;
  rows: number;
  channels: number;
  gamma?: Float32Array;
  beta?: Float32Array;
  epsilon: number;
  training: boolean;
  mean: Float32Array;
  variance: Float32Array;
  activation?: NativeActivation;
  out: Float32Array;
}

/** Native options of `batchNormGrad` (training-mode batch norm: the statistics came from x). */
export interface BatchNormGradNativeOptions {
  dy: Float32Array;
  x: Float32Array;
  rows: number;
  channels: number;
  gamma?: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
  dx: Float32Array;
  dgamma: Float32Array;
  dbeta: Float32Array;
}

/** The norm family's native functions. */
export interface NormBinding {
  batchNorm: Op<BatchNormNativeOptions>;
  batchNormAsync: AsyncOp<BatchNormNativeOptions>;
  batchNormGrad: Op<BatchNormGradNativeOptions>;
  batchNormGradAsync: AsyncOp<BatchNormGradNativeOptions>;
}

/** The norm family's exported function names (checked against the addon by binding.test.ts). */
export const NORM_FUNCTION_NAMES = [
  'batchNorm',
  'batchNormAsync',
  'batchNormGrad',
  'batchNormGradAsync',
] as const satisfies readonly (keyof NormBinding)[];
