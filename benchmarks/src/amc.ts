/** Our kernels as the suites use them: the typed functions of @amc/kernels, imported directly. */
export {
  activationGrad,
  conv2d,
  denseToBlockCsr,
  denseToCsr,
  depthwiseConv2d,
  gemm,
  getNativeInfo,
  setNumThreads,
  sliceConv2dWeights,
  slicedConv2d,
  sparseConv2d,
  sparseDense,
  spmm,
} from '@amc/kernels';
export type { SparseMatrix } from '@amc/kernels';
