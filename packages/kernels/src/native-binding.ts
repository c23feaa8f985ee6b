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
}

/** Instruction-set levels, lowest first. */
export type IsaName = 'scalar' | 'avx2' | 'avx512';

/** Native activation codes: 0 none, 1 relu, 2 relu6. */
export type NativeActivation = 0 | 1 | 2;

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

/** A sync op and its promise-returning twin, which runs on a libuv worker thread. */
type Op<T> = { (options: T): void };
type AsyncOp<T> = { (options: T): Promise<void> };

export interface NativeBinding {
  getInfo(): NativeInfo;
  setIsa(isa: IsaName): void;
  setNumThreads(n: number): void;
  gemm: Op<GemmNativeOptions>;
  gemmAsync: AsyncOp<GemmNativeOptions>;
}

/** Every function the addon must export, in one list (checked against the addon by a test). */
export const NATIVE_FUNCTION_NAMES = [
  'getInfo',
  'setIsa',
  'setNumThreads',
  'gemm',
  'gemmAsync',
] as const satisfies readonly (keyof NativeBinding)[];

// Compile-time check that the list covers the interface: a missing name makes this type `never`-incompatible.
type Missing = Exclude<keyof NativeBinding, (typeof NATIVE_FUNCTION_NAMES)[number]>;
const exhaustive: [Missing] extends [never] ? true : Missing = true;
void exhaustive;
