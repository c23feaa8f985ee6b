/**
 * The sparse family: CSR and 4 x 1 block-CSR weights, SpMM, and the sparse NHWC convolution and dense layer
 * (split by concept into sparse-format.ts, sparse-spmm.ts and sparse-conv.ts).
 */
export {
  blockCsrToDense,
  csrToDense,
  denseToBlockCsr,
  denseToBlockCsrAsync,
  denseToCsr,
  denseToCsrAsync,
  denseToSparse,
  sparseToDense,
  validateSparseMatrix,
} from './sparse-format.js';
export type { BlockCsrMatrix, CsrMatrix, SparseFormat, SparseMatrix } from './sparse-format.js';
export { spmm, spmmAsync } from './sparse-spmm.js';
export type { SpmmOptions } from './sparse-spmm.js';
export { filterToSparse, sparseConv2d, sparseConv2dAsync, sparseDense, sparseDenseAsync } from './sparse-conv.js';
export type { SparseConv2dOptions, SparseDenseOptions } from './sparse-conv.js';
