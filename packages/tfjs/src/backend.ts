/**
 * The `amc-native` TensorFlow.js backend: tfjs's cpu backend (same storage, same fallbacks) whose heavy kernels
 * run on amc's native addon. Registering copies every cpu kernel to `amc-native`, then overrides the ones in
 * `kernels/`.
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { type KernelConfig, findBackendFactory, getKernelsForBackend, registerBackend, registerKernel } from '@tensorflow/tfjs-core';
import { batchNormKernels } from './kernels/batch-norm.js';
import { convKernels } from './kernels/conv.js';
import { elementwiseKernels } from './kernels/elementwise.js';
import { matMulKernels } from './kernels/matmul.js';

/** The backend's name in tfjs's registry. */
export const BACKEND_NAME = 'amc-native';

/** Registry priority: above tfjs's `cpu` (1) and `wasm`/`webgl` (2), below `tensorflow` from tfjs-node (3). */
export const BACKEND_PRIORITY = 2.5;

/** tfjs's cpu backend whose kernels amc-native overrides. */
export class AmcNativeBackend extends MathBackendCPU {}

/** Every kernel amc-native runs natively (the rest are tfjs's cpu kernels). */
export const NATIVE_KERNELS: readonly KernelConfig[] = [...convKernels, ...matMulKernels, ...batchNormKernels, ...elementwiseKernels];

/** Names of the kernels amc-native runs natively. */
export function nativeKernelNames(): string[] {
  return NATIVE_KERNELS.map((k) => k.kernelName);
}

let registered = false;

/**
 * Registers the `amc-native` backend with tfjs (idempotent). Call `tf.setBackend('amc-native')` to use it; it also
 * wins tfjs's default choice over `cpu`. Loading the addon is deferred to the first kernel call.
 *
 * @returns true when this call registered it, false when it already was.
 */
export function registerAmcNativeBackend(): boolean {
  if (registered || findBackendFactory(BACKEND_NAME) !== null) {
    registered = true;
    return false;
  }
  const overridden = new Set(NATIVE_KERNELS.map((k) => k.kernelName));
  for (const k of getKernelsForBackend('cpu')) {
    if (!overridden.has(k.kernelName)) registerKernel({ ...k, backendName: BACKEND_NAME });
  }
  for (const k of NATIVE_KERNELS) registerKernel({ ...k, backendName: BACKEND_NAME });
  registerBackend(BACKEND_NAME, () => new AmcNativeBackend(), BACKEND_PRIORITY);
  registered = true;
  return true;
}
