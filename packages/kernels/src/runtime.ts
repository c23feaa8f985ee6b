import { ErrorCode, argumentError } from '@amc/core';
import { callNative } from './call.js';
import { loadNative } from './load.js';
import type { IsaName, NativeInfo } from './native-binding.js';
import { checkInt } from './validate.js';

const ISAS: readonly IsaName[] = ['scalar', 'avx2', 'avx512'];

/**
 * What the addon found on this machine: supported ISAs, the ISA cap in force, threads, and every compiled
 * microkernel variant per family.
 */
export function getNativeInfo(): NativeInfo {
  return loadNative().getInfo();
}

/**
 * Caps the instruction set the kernels may use (for tests and comparisons); `avx512` on a CPU without it
 * throws AMC_UNSUPPORTED_ISA. The cap is process-wide. `AMC_ISA` sets it at load time.
 */
export function setIsa(isa: IsaName): void {
  if (!ISAS.includes(isa)) throw argumentError(ErrorCode.InvalidArgument, 'setIsa', 'isa', `one of ${ISAS.join(', ')}`, isa);
  const native = loadNative();
  const supported = native.getInfo().supportedIsas;
  if (!supported.includes(isa)) {
    throw argumentError(ErrorCode.UnsupportedIsa, 'setIsa', 'isa', `an ISA this CPU supports (${supported.join(', ')})`, isa);
  }
  callNative('setIsa', () => native.setIsa(isa));
}

/** Runs `fn` with the ISA capped at `isa`, restoring the previous cap afterwards (also on error). */
export function withIsa<T>(isa: IsaName, fn: () => T): T {
  if (typeof fn !== 'function') throw argumentError(ErrorCode.InvalidArgument, 'withIsa', 'fn', 'a function', fn);
  const previous = getNativeInfo().isaCap;
  setIsa(isa);
  try {
    return fn();
  } finally {
    setIsa(previous);
  }
}

/** Sets the size of the native thread pool (the calling thread included); `AMC_NUM_THREADS` sets the default. */
export function setNumThreads(n: number): void {
  checkInt('setNumThreads', 'n', n, 1, 256);
  const native = loadNative();
  callNative('setNumThreads', () => native.setNumThreads(n));
}

/** The native thread pool size. */
export function getNumThreads(): number {
  return getNativeInfo().numThreads;
}
