import type { AsyncOp, Op } from './types.js';

/**
 * Native options of `magnitudePrune` (also behind magnitudeThreshold): keep the `keep` largest |w|, ties to
 * lower indices. Writes the k-th largest |w| (+Infinity when keep is 0) to `threshold[0]`, the pruned copy to
 * `out` (may be `weights` itself) and 1/0 to `mask`, each only when given.
 */
export interface MagnitudeNativeOptions {
  weights: Float32Array;
  keep: number;
  threshold?: Float32Array;
  out?: Float32Array;
  mask?: Uint8Array;
}

/** Native options of `topKIndices`: the `keep` largest scores' indices, ascending, into `out` (length keep). */
export interface TopKNativeOptions {
  scores: Float32Array;
  keep: number;
  out: Int32Array;
}

/**
 * Native options of `channelImportance`: `weights` viewed as [outer, channels, inner]; `out[c]` gets the L1
 * (`norm` 1) or L2 (`norm` 2) norm of slice c.
 */
export interface ChannelImportanceNativeOptions {
  weights: Float32Array;
  outer: number;
  channels: number;
  inner: number;
  norm?: 1 | 2;
  out: Float32Array;
}

/**
 * Native options of `leastSquares`: x [rows, cols], y [rows, outs] row-major; `weights` [cols, outs] out,
 * `intercept` [outs] out (required with fitIntercept); `ridge` absent for the default; `solver` 0 auto,
 * 1 cholesky, 2 eigen. `info` (length 4) receives [solver used (1 cholesky, 2 eigen), ridge, relative
 * residual, rank].
 */
export interface LeastSquaresNativeOptions {
  x: Float32Array;
  y: Float32Array;
  rows: number;
  cols: number;
  outs: number;
  ridge?: number;
  solver?: 0 | 1 | 2;
  fitIntercept?: boolean;
  weights: Float32Array;
  intercept?: Float32Array;
  info: Float64Array;
}

/** The prune family's native functions. */
export interface PruneBinding {
  magnitudePrune: Op<MagnitudeNativeOptions>;
  magnitudePruneAsync: AsyncOp<MagnitudeNativeOptions>;
  topKIndices: Op<TopKNativeOptions>;
  topKIndicesAsync: AsyncOp<TopKNativeOptions>;
  channelImportance: Op<ChannelImportanceNativeOptions>;
  channelImportanceAsync: AsyncOp<ChannelImportanceNativeOptions>;
  leastSquares: Op<LeastSquaresNativeOptions>;
  leastSquaresAsync: AsyncOp<LeastSquaresNativeOptions>;
}

/** The prune family's exported function names (checked against the addon by binding.test.ts). */
export const PRUNE_FUNCTION_NAMES = [
  'magnitudePrune',
  'magnitudePruneAsync',
  'topKIndices',
  'topKIndicesAsync',
  'channelImportance',
  'channelImportanceAsync',
  'leastSquares',
  'leastSquaresAsync',
] as const satisfies readonly (keyof PruneBinding)[];
