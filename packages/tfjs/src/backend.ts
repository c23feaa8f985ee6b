/**
 * The `amc-native` TensorFlow.js backend: tfjs's cpu backend (same storage, same fallbacks) whose heavy kernels
 * run on amc's native addon. Registering copies every cpu kernel to `amc-native`, then overrides the ones in
 * `kernels/`.
 */
import os from 'node:os';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import {
  type BackendValues,
  type DataId,
  type DataType,
  type KernelConfig,
  findBackendFactory,
  getKernelsForBackend,
  registerBackend,
  registerKernel,
} from '@tensorflow/tfjs-core';
import { batchNormKernels } from './kernels/batch-norm.js';
import { convKernels } from './kernels/conv.js';
import { elementwiseKernels } from './kernels/elementwise.js';
import { matMulKernels } from './kernels/matmul.js';

/** The backend's name in tfjs's registry. */
export const BACKEND_NAME = 'amc-native';

/** Registry priority: above tfjs's `cpu` (1) and `wasm`/`webgl` (2), below `tensorflow` from tfjs-node (3). */
export const BACKEND_PRIORITY = 2.5;

/** Buffers below this many floats are not pooled (allocation is cheap; pooling would only hold memory). */
const POOL_MIN_FLOATS = 4096;
/** Buffers of one size kept for reuse (training keeps dozens of same-size activations alive until backprop). */
const POOL_PER_SIZE = 256;

/**
 * The pool's cap: AMC_TFJS_POOL_MB, else a quarter of the machine's memory (at least 1 GiB). The pool only holds
 * buffers a step freed and the next one reuses, so its size follows the peak of live activations: MobileNet-V2 at
 * 28x28, batch 128, frees ~2.5 GB per step; with a 1 GiB cap most of it was reallocated (page faults on every
 * first touch) and a step took 2.6x longer.
 */
function poolLimitBytes(): number {
  const fallback = Math.max(2 ** 30, Math.floor(os.totalmem() / 4));
  const raw = process.env.AMC_TFJS_POOL_MB;
  if (raw === undefined || raw === '') return fallback;
  const mb = Number(raw);
  return Number.isFinite(mb) && mb >= 0 ? mb * 2 ** 20 : fallback;
}

/**
 * tfjs's cpu backend whose kernels amc-native overrides, plus a buffer pool for the native kernels' outputs.
 *
 * A fresh multi-megabyte Float32Array costs ~1.5-2 ms in page faults and zeroing (tenfold the arithmetic of an
 * elementwise op on it), and training allocates hundreds per step, of the same few sizes every step. So native
 * kernels take their outputs from {@link allocFloat32}, and when tfjs disposes the last tensor that refers to such
 * a buffer (views included: a reference count per ArrayBuffer), it goes back to the pool. Only buffers this
 * backend allocated are recycled (never arrays a user passed to `tf.tensor`), and `dataSync()` / `data()` of a
 * pooled tensor return a copy, so no array handed out can be overwritten later.
 */
export class AmcNativeBackend extends MathBackendCPU {
  private readonly pool = new Map<number, Float32Array[]>();
  private readonly owned = new WeakMap<ArrayBufferLike, number>();
  private pooledBytes = 0;
  private readonly limitBytes = poolLimitBytes();
  /** Test hook: fill recycled buffers with NaN, so a kernel that relies on zeroed outputs fails loudly. */
  poisonRecycled = false;

  /** A float32 buffer of `n` elements for a kernel's output; its contents are unspecified (recycled). */
  allocFloat32(n: number): Float32Array {
    if (n < POOL_MIN_FLOATS) return new Float32Array(n);
    const recycled = this.pool.get(n)?.pop();
    const buffer = recycled ?? new Float32Array(n);
    if (recycled !== undefined) {
      this.pooledBytes -= recycled.byteLength;
      if (this.poisonRecycled) recycled.fill(Number.NaN);
    }
    this.owned.set(buffer.buffer, 0);
    return buffer;
  }

  /** Bytes held by the pool (freed buffers waiting for reuse). */
  pooledByteCount(): number {
    return this.pooledBytes;
  }

  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    const id = super.write(values, shape, dtype);
    this.retain(values);
    return id;
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    super.move(dataId, values, shape, dtype, refCount);
    this.retain(values);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.get(dataId)?.values;
    const disposed = super.disposeData(dataId, force);
    if (values instanceof Float32Array && !this.data.has(dataId)) this.release(values);
    return disposed;
  }

  override readSync(dataId: DataId): BackendValues {
    const values = super.readSync(dataId);
    return values instanceof Float32Array && this.owned.has(values.buffer) ? values.slice() : values;
  }

  override async read(dataId: DataId): Promise<BackendValues> {
    return this.readSync(dataId);
  }

  override dispose(): void {
    this.pool.clear();
    this.pooledBytes = 0;
    super.dispose();
  }

  private retain(values: BackendValues | null | undefined): void {
    if (!(values instanceof Float32Array)) return;
    const count = this.owned.get(values.buffer);
    if (count !== undefined) this.owned.set(values.buffer, count + 1);
  }

  private release(values: Float32Array): void {
    const buffer = values.buffer;
    const count = this.owned.get(buffer);
    if (count === undefined) return;
    if (count > 1) {
      this.owned.set(buffer, count - 1);
      return;
    }
    this.owned.delete(buffer);
    const whole = new Float32Array(buffer);
    let list = this.pool.get(whole.length);
    if (list === undefined) {
      list = [];
      this.pool.set(whole.length, list);
    }
    if (list.length >= POOL_PER_SIZE || this.pooledBytes + whole.byteLength > this.limitBytes) return;
    list.push(whole);
    this.pooledBytes += whole.byteLength;
  }
}

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
