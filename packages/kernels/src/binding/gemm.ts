import type { AsyncOp, NativeActivation, Op } from './types.js';

export interface GemmNativeOptions {
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
  bias?: Float32Array;
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
  activation?: NativeActivation;
}

export interface GemmBinding {
  gemm: Op<GemmNativeOptions>;
  gemmAsync: AsyncOp<GemmNativeOptions>;
}

export const GEMM_FUNCTION_NAMES = ['gemm', 'gemmAsync'] as const satisfies readonly (keyof GemmBinding)[];
