/**
 * The TypeScript side of the native addon's contract. Every exported native function takes one plain options
 * object built by a wrapper in this package (never a user's object), writes its results into typed arrays the
 * wrapper allocated, and throws (sync) or rejects (async) with an Error carrying a stable `code`.
 *
 * Families add their option types and function names here; `binding.test.ts` checks that this list and the
 * addon's exports name exactly the same functions.
 */

/** Runtime information reported by the addon. */
export interface NativeInfo {
  supportedIsas: IsaName[];
  detectedIsa: IsaName;
  isaCap: IsaName;
  numThreads: number;
  napiVersion: number;
  kernels: Record<string, NativeKernelInfo[]>;
}

/** One microkernel variant compiled into the addon. */
export interface NativeKernelInfo {
  name: string;
  isa: IsaName;
  available: boolean;
  mr?: number;
  nr?: number;
  /** Sparse variants: the weight format they take. */
  format?: 'csr' | 'bcsr';
}

/** Instruction-set levels, lowest first. */
export type IsaName = 'scalar' | 'avx2' | 'avx512';

export type { AsyncOp, NativeActivation, Op } from './binding/types.js';
export type { GemmNativeOptions } from './binding/gemm.js';

import { type ConvBinding, CONV_FUNCTION_NAMES } from './binding/conv.js';
import { type EltwiseBinding, ELTWISE_FUNCTION_NAMES } from './binding/eltwise.js';
import { type GemmBinding, GEMM_FUNCTION_NAMES } from './binding/gemm.js';
import { type NormBinding, NORM_FUNCTION_NAMES } from './binding/norm.js';
import { type PruneBinding, PRUNE_FUNCTION_NAMES } from './binding/prune.js';
import { type SparseBinding, SPARSE_FUNCTION_NAMES } from './binding/sparse.js';

/** Runtime functions every build exports. */
export interface RuntimeBinding {
  getInfo(): NativeInfo;
  setIsa(isa: IsaName): void;
  setNumThreads(n: number): void;
}

/** The whole addon: one interface per family, each in binding/<family>.ts with its list of names. */
export interface NativeBinding extends RuntimeBinding, GemmBinding, ConvBinding, SparseBinding, PruneBinding, NormBinding, EltwiseBinding {}

/** Every function the addon must export (checked against the addon by binding.test.ts). */
export const NATIVE_FUNCTION_NAMES: readonly (keyof NativeBinding)[] = [
  'getInfo',
  'setIsa',
  'setNumThreads',
  ...GEMM_FUNCTION_NAMES,
  ...CONV_FUNCTION_NAMES,
  ...SPARSE_FUNCTION_NAMES,
  ...PRUNE_FUNCTION_NAMES,
  ...NORM_FUNCTION_NAMES,
  ...ELTWISE_FUNCTION_NAMES,
];
