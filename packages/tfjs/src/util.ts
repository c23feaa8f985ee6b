/**
 * Small helpers shared by the amc-native kernels: reading a tensor's Float32 values from the backend's data
 * store, wrapping results, and falling back to tfjs's own cpu kernel for cases the native kernels do not cover
 * (NCHW, non-float32, exotic broadcasts).
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import {
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
  backend_util,
  getKernel,
} from '@tensorflow/tfjs-core';

/** The arguments every kernel function receives. */
export interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: MathBackendCPU;
  attrs?: NamedAttrMap;
}

/** The Float32 values of `t` (a view of the backend's storage; copied only when the storage is not Float32). */
export function f32(backend: MathBackendCPU, t: TensorInfo): Float32Array {
  const values = backend.data.get(t.dataId).values;
  if (values instanceof Float32Array) return values;
  return Float32Array.from(values as ArrayLike<number>);
}

/** Wraps freshly computed float32 values as a tensor of this backend. */
export function output(backend: MathBackendCPU, shape: readonly number[], values: Float32Array): TensorInfo {
  return backend.makeTensorInfo(shape.slice(), 'float32', values);
}

/**
 * An output buffer for a native kernel: from amc-native's pool (contents unspecified; the kernel must overwrite
 * all of it), or a fresh array on another backend instance.
 */
export function alloc(backend: MathBackendCPU, n: number): Float32Array {
  const pooled = (backend as { allocFloat32?: (n: number) => Float32Array }).allocFloat32;
  return pooled === undefined ? new Float32Array(n) : pooled.call(backend, n);
}

/** True when every tensor is float32 (our kernels are FP32 only). */
export function allFloat32(...tensors: (TensorInfo | undefined | null)[]): boolean {
  return tensors.every((t) => t === undefined || t === null || t.dtype === 'float32');
}

const cpuKernels = new Map<string, KernelFunc>();

/** tfjs's own cpu implementation of `kernelName`, used for the cases the native kernels do not take. */
export function cpuKernel(kernelName: string): KernelFunc {
  let fn = cpuKernels.get(kernelName);
  if (fn === undefined) {
    const config = getKernel(kernelName, 'cpu');
    if (config === undefined) throw new Error(`amc-native: tfjs's cpu backend has no ${kernelName} kernel`);
    fn = config.kernelFunc;
    cpuKernels.set(kernelName, fn);
  }
  return fn;
}

/** Runs tfjs's cpu kernel on this backend (its storage is the cpu backend's, so the kernel works as is). */
export function fallback(kernelName: string, args: KernelArgs): TensorInfo | TensorInfo[] {
  return cpuKernel(kernelName)(args as unknown as Parameters<KernelFunc>[0]);
}

/**
 * The explicit geometry of a tfjs conv (strides, dilations and the resolved pads), or undefined when our
 * floor-rounded output size would differ from tfjs's (a `dimRoundingMode` of ceil/round with numeric padding).
 */
export function convGeometry(info: backend_util.Conv2DInfo):
  | { strides: [number, number]; dilations: [number, number]; padding: [number, number, number, number] }
  | undefined {
  const { top, bottom, left, right } = info.padInfo;
  const effH = (info.filterHeight - 1) * info.dilationHeight + 1;
  const effW = (info.filterWidth - 1) * info.dilationWidth + 1;
  const outH = Math.floor((info.inHeight + top + bottom - effH) / info.strideHeight) + 1;
  const outW = Math.floor((info.inWidth + left + right - effW) / info.strideWidth) + 1;
  if (outH !== info.outHeight || outW !== info.outWidth || top < 0 || bottom < 0 || left < 0 || right < 0) return undefined;
  return {
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    padding: [top, bottom, left, right],
  };
}

/** Product of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
