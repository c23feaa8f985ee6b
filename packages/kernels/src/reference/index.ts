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
export {
  referenceConv2d,
  referenceConv2dBackpropFilter,
  referenceConv2dBackpropInput,
  referenceDepthwiseConv2d,
  referenceDepthwiseConv2dBackpropFilter,
  referenceDepthwiseConv2dBackpropInput,
  referenceSliceChannels,
  referenceSliceConv2dWeights,
} from './conv.js';
export type { ReferenceConvOptions } from './conv.js';
export { referenceBatchNorm, referenceBatchNormGrad } from './norm.js';
export { referenceActivationGrad, referenceBinary, referenceClipGrad, referenceUnary } from './eltwise.js';
