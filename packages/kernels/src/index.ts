export { loadNative } from './load.js';
export type { LoadAttempt } from './load.js';
export { getNativeInfo, getNumThreads, setIsa, setNumThreads, withIsa } from './runtime.js';
export type { IsaName, NativeInfo, NativeKernelInfo } from './native-binding.js';
export { gemm, gemmAsync } from './gemm.js';
export type { GemmDims, GemmOptions } from './gemm.js';
export * from './conv.js';
export * from './sparse.js';
export * from './prune.js';
