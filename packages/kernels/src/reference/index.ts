export { applyActivation } from './activation.js';
export { referenceGemm } from './gemm.js';
export { referenceSparseConv2d, referenceSparseDense, referenceSpmm } from './sparse.js';
export {
  referenceChannelImportance,
  referenceLeastSquares,
  referenceMagnitudePrune,
  referenceMagnitudeThreshold,
  referenceResidual,
  referenceTopKIndices,
} from './prune.js';
export type { ReferenceLeastSquaresResult } from './prune.js';
