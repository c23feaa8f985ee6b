import type { BinaryOpName, UnaryOpName } from '../eltwise.js';

const UNARY: Record<UnaryOpName, (x: number, alpha: number) => number> = {
  relu: (x) => (x < 0 ? 0 : x),
  relu6: (x) => (x < 0 ? 0 : x > 6 ? 6 : x),
  step: (x, alpha) => (Number.isNaN(x) ? x : x > 0 ? 1 : alpha),
  neg: (x) => -x,
  square: (x) => x * x,
  abs: (x) => Math.abs(x),
  sqrt: (x) => Math.sqrt(x),
  rsqrt: (x) => 1 / Math.sqrt(x),
};

const BINARY: Record<BinaryOpName, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: (a, b) => Math.max(a, b),
  min: (a, b) => Math.min(a, b),
  squaredDifference: (a, b) => (a - b) * (a - b),
};

/** Element-by-element unary op (float32 rounding via the output array). */
export function referenceUnary(op: UnaryOpName, x: Float32Array, alpha = 0): Float32Array {
  return Float32Array.from(x, (v) => UNARY[op](v, alpha));
}

/** Element-by-element binary op with the shorter operand repeating. */
export function referenceBinary(op: BinaryOpName, a: Float32Array, b: Float32Array): Float32Array {
  const n = Math.max(a.length, b.length);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = BINARY[op](Math.fround(a[i % a.length] as number), Math.fround(b[i % b.length] as number));
  }
  return out;
}

/** tfjs's relu / relu6 gradient: dy * step(x) (* (x <= 6)), a multiply (so Infinity * 0 is NaN). */
/** clipByValue's gradient as tfjs computes it: where(min <= x && x <= max, dy, 0). */
export function referenceClipGrad(dy: Float32Array, x: Float32Array, min: number, max: number): Float32Array {
  return Float32Array.from(dy, (d, i) => {
    const v = x[i] as number;
    return v >= min && v <= max ? d : 0;
  });
}

export function referenceActivationGrad(dy: Float32Array, x: Float32Array, activation: 'relu' | 'relu6'): Float32Array {
  return Float32Array.from(dy, (d, i) => {
    const v = x[i] as number;
    const mask = Number.isNaN(v) ? v : v > 0 && (activation === 'relu' || v <= 6) ? 1 : 0;
    return d * mask;
  });
}
