/**
 * The prune family: the numerical helpers of channel pruning (importance, top-k channel lists, least-squares
 * reconstruction; AMC-SPEC section 4) and fine-grained pruning (magnitude threshold and prune; section 5).
 */
export {
  magnitudeKeepCount,
  magnitudePrune,
  magnitudePruneAsync,
  magnitudeThreshold,
  magnitudeThresholdAsync,
} from './prune-magnitude.js';
export type { MagnitudePruneOptions, MagnitudeThresholdResult } from './prune-magnitude.js';
export { channelImportance, channelImportanceAsync, topKIndices, topKIndicesAsync } from './prune-importance.js';
export type { ChannelImportanceOptions, ImportanceNorm } from './prune-importance.js';
export { DEFAULT_RELATIVE_RIDGE, leastSquares, leastSquaresAsync } from './prune-least-squares.js';
export type { LeastSquaresOptions, LeastSquaresResult, LeastSquaresSolver } from './prune-least-squares.js';
