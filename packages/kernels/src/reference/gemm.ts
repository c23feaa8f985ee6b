import type { GemmDims, GemmOptions } from '../gemm.js';
import { applyActivation } from './activation.js';

/** Pure-TS reference of {@link gemm} (float64 accumulation, no validation). */
export function referenceGemm(a: Float32Array, b: Float32Array, dims: GemmDims, options: GemmOptions = {}): Float32Array {
  const [m, n, k] = dims;
  const alpha = options.alpha ?? 1;
  const beta = options.beta ?? 0;
  const out = options.out ?? new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const av = options.transA ? (a[p * m + i] as number) : (a[i * k + p] as number);
        const bv = options.transB ? (b[j * k + p] as number) : (b[p * n + j] as number);
        sum += av * bv;
      }
      let v = alpha * sum + (beta === 0 ? 0 : beta * (out[i * n + j] as number)) + (options.bias?.[j] ?? 0);
      v = applyActivation(v, options.activation);
      out[i * n + j] = v;
    }
  }
  return out;
}
