/**
 * Small helpers shared by the amc-native kernels: reading a tensor's Float32 values from the backend's data
 * store, wrapping results, and falling back to tfjs's own cpu kernel for cases the native kernels do not cover
 * (NCHW, non-float32, exotic broadcasts).
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import {
  type KernelConfig,
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

/** A kernel config for amc-native (the backend name is filled in at registration). */
export function kernelConfig(kernelName: string, kernelFunc: (args: KernelArgs) => TensorInfo | TensorInfo[]): KernelConfig {
  return { kernelName, backendName: '', kernelFunc: kernelFunc as unknown as KernelConfig['kernelFunc'] };
}

/**
 * The per-channel values of a parameter that broadcasts along the last axis (`channels` values, or one repeated),
 * undefined when absent, null when it is not float32 or broadcasts some other way (the caller falls back).
 */
export function perChannel(backend: MathBackendCPU, t: TensorInfo | undefined | null, channels: number): Float32Array | undefined | null {
  if (t === undefined || t === null) return undefined;
  if (t.dtype !== 'float32') return null;
  const size = sizeOf(t.shape);
  const values = f32(backend, t);
  if (size === channels && (t.shape.length === 0 || t.shape.at(-1) === channels)) return values;
  if (size === 1) return new Float32Array(channels).fill(values[0] as number);
  return null;
}

/** Fused activations the native kernels apply in their epilogue (tfjs name to ours). */
export const NATIVE_ACTIVATIONS: Readonly<Record<string, 'none' | 'relu' | 'relu6'>> = { linear: 'none', relu: 'relu', relu6: 'relu6' };

/**
 * Applies a fused activation the native kernels do not have (elu, sigmoid, leakyrelu, prelu) with tfjs's cpu
 * kernels, disposing `x`; returns `x` itself for the native ones (already applied).
 */
export function applyFusedActivation(
  backend: MathBackendCPU,
  x: TensorInfo,
  activation: string | undefined,
  preluWeights: TensorInfo | undefined,
  leakyreluAlpha: number | undefined,
): TensorInfo {
  const name = activation ?? 'linear';
  if (name in NATIVE_ACTIVATIONS) return x;
  let y: TensorInfo;
  switch (name) {
    case 'elu':
      y = cpuKernel('Elu')({ inputs: { x }, backend }) as TensorInfo;
      break;
    case 'sigmoid':
      y = cpuKernel('Sigmoid')({ inputs: { x }, backend }) as TensorInfo;
      break;
    case 'leakyrelu':
      y = cpuKernel('LeakyRelu')({ inputs: { x }, backend, attrs: { alpha: leakyreluAlpha ?? 0.2 } }) as TensorInfo;
      break;
    case 'prelu':
      y = cpuKernel('Prelu')({ inputs: { x, alpha: preluWeights as TensorInfo }, backend }) as TensorInfo;
      break;
    default:
      throw new Error(`amc-native: unknown fused activation ${name}`);
  }
  backend.disposeIntermediateTensorInfo(x);
  return y;
}
