/**
 * BatchMatMul and _FusedMatMul on the native packed SGEMM: one GEMM per batch entry (a batch of 1 on either side
 * broadcasts), fused bias + relu/relu6 in the GEMM epilogue. Other broadcasts and dtypes go to tfjs's cpu kernels.
 */
import { gemm } from '@amc/kernels';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import {
  type KernelArgs,
  NATIVE_ACTIVATIONS,
  alloc,
  allFloat32,
  applyFusedActivation,
  f32,
  fallback,
  kernelConfig,
  output,
  perChannel,
  sizeOf,
} from '../util.js';

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
  leakyreluAlpha?: number;
}

interface Plan {
  batch: number;
  batchA: number;
  batchB: number;
  m: number;
  n: number;
  k: number;
  outShape: number[];
}

function plan(a: TensorInfo, b: TensorInfo, attrs: MatMulAttrs): Plan | undefined {
  if (a.shape.length < 2 || b.shape.length < 2) return undefined;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = attrs.transposeA ? (a.shape[ra - 1] as number) : (a.shape[ra - 2] as number);
  const ka = attrs.transposeA ? (a.shape[ra - 2] as number) : (a.shape[ra - 1] as number);
  const kb = attrs.transposeB ? (b.shape[rb - 1] as number) : (b.shape[rb - 2] as number);
  const n = attrs.transposeB ? (b.shape[rb - 2] as number) : (b.shape[rb - 1] as number);
  if (ka !== kb) return undefined;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = sizeOf(outerA);
  const batchB = sizeOf(outerB);
  let outer: number[];
  if (batchA === batchB && outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i])) outer = outerA;
  else if (batchB === 1) outer = outerA.length >= outerB.length ? outerA : [...outerB.slice(0, outerB.length - outerA.length), ...outerA];
  else if (batchA === 1) outer = outerB.length >= outerA.length ? outerB : [...outerA.slice(0, outerA.length - outerB.length), ...outerB];
  else return undefined;
  const batch = Math.max(batchA, batchB);
  if (m === 0 || n === 0 || ka === 0) return undefined;
  return { batch, batchA, batchB, m, n, k: ka, outShape: [...outer, m, n] };
}

function run(backend: MathBackendCPU, a: TensorInfo, b: TensorInfo, p: Plan, attrs: MatMulAttrs, bias?: Float32Array, activation: 'none' | 'relu' | 'relu6' = 'none'): TensorInfo {
  const av = f32(backend, a);
  const bv = f32(backend, b);
  const { m, n, k } = p;
  const out = alloc(backend, p.batch * m * n);
  for (let i = 0; i < p.batch; i++) {
    const ai = p.batchA === 1 ? 0 : i;
    const bi = p.batchB === 1 ? 0 : i;
    const options = {
      transA: attrs.transposeA,
      transB: attrs.transposeB,
      activation,
      out: p.batch === 1 ? out : out.subarray(i * m * n, (i + 1) * m * n),
      ...(bias === undefined ? {} : { bias }),
    };
    gemm(
      p.batchA === 1 ? av : av.subarray(ai * m * k, (ai + 1) * m * k),
      p.batchB === 1 ? bv : bv.subarray(bi * k * n, (bi + 1) * k * n),
      [m, n, k],
      options,
    );
  }
  return output(backend, p.outShape, out);
}

function batchMatMul(args: KernelArgs): TensorInfo {
  const a = args.inputs.a as TensorInfo;
  const b = args.inputs.b as TensorInfo;
  const attrs = args.attrs as unknown as MatMulAttrs;
  const p = allFloat32(a, b) ? plan(a, b, attrs) : undefined;
  if (p === undefined) return fallback('BatchMatMul', args) as TensorInfo;
  return run(args.backend, a, b, p, attrs);
}

function fusedMatMul(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const a = args.inputs.a as TensorInfo;
  const b = args.inputs.b as TensorInfo;
  const biasT = args.inputs.bias as TensorInfo | undefined;
  const attrs = args.attrs as unknown as MatMulAttrs;
  const p = allFloat32(a, b, biasT) ? plan(a, b, attrs) : undefined;
  if (p === undefined) return fallback('_FusedMatMul', args) as TensorInfo;
  const bias = perChannel(backend, biasT, p.n);
  if (bias === null) return fallback('_FusedMatMul', args) as TensorInfo;
  const activation = attrs.activation ?? 'linear';
  const y = run(backend, a, b, p, attrs, bias, NATIVE_ACTIVATIONS[activation] ?? 'none');
  return applyFusedActivation(backend, y, activation, args.inputs.preluActivationWeights as TensorInfo | undefined, attrs.leakyreluAlpha);
}

/** The matrix-product kernels (backendName filled in at registration). */
export const matMulKernels: KernelConfig[] = [kernelConfig('BatchMatMul', batchMatMul), kernelConfig('_FusedMatMul', fusedMatMul)];
