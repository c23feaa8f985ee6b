/**
 * The three matrix products of a dense layer's training step, behind one interface with two engines:
 *
 * - `js`: the Float64 loops of `dense-kernels.ts` (no native code; bit-reproducible anywhere).
 * - `native`: `@amc/kernels`' packed SGEMM on Float32 copies of the operands, results added back into the Float64
 *   buffers. Parameters, optimiser moments and activations stay Float64 (the serialised state is unchanged);
 *   only the products round to float32. On the reference 300-300 networks at batch 64, one `DdpgAgent.update()`
 *   goes from 32-50 ms to 9-13 ms on two Zen 3 cores (the update was half of an AMC episode).
 *
 * Both are deterministic for a given machine: the native GEMM sums every output in the same order whatever the
 * thread count, but its order may differ from the JS loops' (and between ISAs) in the last bits.
 */
import { gemm } from '@amc/kernels';
import { addMatMul, addWeightGradient, matMulTransposed } from './dense-kernels.js';

/** Which implementation runs the products: `native` (default) or `js`. */
export type DenseEngineName = 'native' | 'js';

/** The products, with the signatures of `dense-kernels.ts`. */
export interface DenseEngine {
  readonly name: DenseEngineName;
  /** `y[b, j] += sum_k x[b, k] * W[k, j]`. */
  addMatMul(x: Float64Array, rows: number, inSize: number, w: Float64Array, wOffset: number, outSize: number, y: Float64Array): void;
  /** `out[b, k - kFrom] = sum_j d[b, j] * W[k, j]` for `kFrom <= k < kTo`. */
  matMulTransposed(d: Float64Array, rows: number, outSize: number, w: Float64Array, wOffset: number, kFrom: number, kTo: number, out: Float64Array): void;
  /** `g[gOffset + k * outSize + j] += sum_b x[b, k] * d[b, j]`. */
  addWeightGradient(x: Float64Array, d: Float64Array, rows: number, inSize: number, outSize: number, g: Float64Array, gOffset: number): void;
}

const JS_ENGINE: DenseEngine = Object.freeze({ name: 'js' as const, addMatMul, matMulTransposed, addWeightGradient });

/** Float32 scratch buffers, grown on demand and reused across calls (the engine is synchronous). */
class Scratch {
  private buffers: Float32Array[] = [];

  /** Buffer `slot` with at least `n` elements, as a view of exactly `n`. */
  get(slot: number, n: number): Float32Array {
    let b = this.buffers[slot];
    if (b === undefined || b.length < n) {
      b = new Float32Array(Math.max(n, Math.ceil((b?.length ?? 0) * 1.5)));
      this.buffers[slot] = b;
    }
    return b.subarray(0, n);
  }

  /** `src[from .. from + n)` rounded to float32 into slot `slot`. */
  copy(slot: number, src: Float64Array, from: number, n: number): Float32Array {
    const out = this.get(slot, n);
    out.set(src.subarray(from, from + n));
    return out;
  }
}

function nativeEngine(): DenseEngine {
  const s = new Scratch();
  return Object.freeze({
    name: 'native' as const,
    addMatMul(x: Float64Array, rows: number, inSize: number, w: Float64Array, wOffset: number, outSize: number, y: Float64Array): void {
      const n = rows * outSize;
      if (n === 0) return;
      const out = gemm(s.copy(0, x, 0, rows * inSize), s.copy(1, w, wOffset, inSize * outSize), [rows, outSize, inSize], { out: s.get(2, n) });
      for (let i = 0; i < n; i++) y[i] = (y[i] as number) + (out[i] as number);
    },
    matMulTransposed(d: Float64Array, rows: number, outSize: number, w: Float64Array, wOffset: number, kFrom: number, kTo: number, out: Float64Array): void {
      const width = kTo - kFrom;
      const n = rows * width;
      if (n === 0) return;
      // W rows kFrom .. kTo - 1 are `width x outSize` row-major: op(B) = that block transposed.
      const wBlock = s.copy(1, w, wOffset + kFrom * outSize, width * outSize);
      const r = gemm(s.copy(0, d, 0, rows * outSize), wBlock, [rows, width, outSize], { transB: true, out: s.get(2, n) });
      for (let i = 0; i < n; i++) out[i] = r[i] as number;
    },
    addWeightGradient(x: Float64Array, d: Float64Array, rows: number, inSize: number, outSize: number, g: Float64Array, gOffset: number): void {
      const n = inSize * outSize;
      if (n === 0 || rows === 0) return;
      // x is rows x inSize: op(A) = x^T is inSize x rows.
      const r = gemm(s.copy(0, x, 0, rows * inSize), s.copy(1, d, 0, rows * outSize), [inSize, outSize, rows], { transA: true, out: s.get(2, n) });
      for (let i = 0; i < n; i++) g[gOffset + i] = (g[gOffset + i] as number) + (r[i] as number);
    },
  });
}

/** A dense engine by name; `native` has its own scratch buffers, so give each network (or agent) its own. */
export function createDenseEngine(name: DenseEngineName): DenseEngine {
  return name === 'js' ? JS_ENGINE : nativeEngine();
}
