/**
 * Elementwise and reduction kernels of amc-native for the shapes training produces: same-shape and
 * channel-broadcast binary ops, unary activations and their gradients, and reductions over a contiguous block of
 * axes (the leading N,H,W of an NHWC tensor, or the trailing axes). tfjs's cpu backend runs these through
 * generic per-element index arithmetic and transposes, which costs 10-100x more than the arithmetic itself.
 * Layouts it does not cover (non-contiguous axes, general broadcasts, non-float32) go to the cpu kernels.
 */
import { type BinaryOpName, type UnaryOpName, activationGrad, binaryOp, clipGrad, unaryOp } from '@amc/kernels';
import { type KernelConfig, type TensorInfo, backend_util, util } from '@tensorflow/tfjs-core';
import { type KernelArgs, alloc, f32, fallback, kernelConfig, output, sizeOf } from '../util.js';

/**
 * Loops compiled once per op from an expression, so every kernel has its own monomorphic loop with the arithmetic
 * inlined (one shared loop calling a closure per element goes megamorphic in V8 and runs ~15x slower).
 */
type BinaryLoop = (a: Float32Array, b: Float32Array, out: Float32Array, kind: number) => void;
type UnaryLoop = (x: Float32Array, out: Float32Array, p: number) => void;

const SAME = 0;
const SCALAR_A = 1;
const SCALAR_B = 2;
const ROWS_A = 3;
const ROWS_B = 4;

function compileBinary(expr: string): BinaryLoop {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function(
    'A',
    'B',
    'O',
    'kind',
    `"use strict";
    const n = O.length;
    if (kind === ${SAME}) { for (let i = 0; i < n; i++) { const a = A[i], b = B[i]; O[i] = ${expr}; } return; }
    if (kind === ${SCALAR_A}) { const a = A[0]; for (let i = 0; i < n; i++) { const b = B[i]; O[i] = ${expr}; } return; }
    if (kind === ${SCALAR_B}) { const b = B[0]; for (let i = 0; i < n; i++) { const a = A[i]; O[i] = ${expr}; } return; }
    if (kind === ${ROWS_A}) { const m = A.length; for (let r = 0; r < n; r += m) for (let j = 0; j < m; j++) { const a = A[j], b = B[r + j]; O[r + j] = ${expr}; } return; }
    const m = B.length; for (let r = 0; r < n; r += m) for (let j = 0; j < m; j++) { const a = A[r + j], b = B[j]; O[r + j] = ${expr}; }`,
  ) as BinaryLoop;
}

function compileUnary(expr: string): UnaryLoop {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('X', 'O', 'p', `"use strict"; const n = O.length; for (let i = 0; i < n; i++) { const x = X[i]; O[i] = ${expr}; }`) as UnaryLoop;
}

/**
 * How b broadcasts against a: SAME (equal sizes), SCALAR_A / SCALAR_B, ROWS_A / ROWS_B (the small one is a
 * trailing block of the big one's shape, repeated over rows), or undefined when tfjs's generic path is needed.
 */
function broadcastKind(a: TensorInfo, b: TensorInfo, outShape: number[]): number | undefined {
  const na = sizeOf(a.shape);
  const nb = sizeOf(b.shape);
  const nOut = sizeOf(outShape);
  if (na === nOut && nb === nOut) return SAME;
  if (nb === 1 && na === nOut) return SCALAR_B;
  if (na === 1 && nb === nOut) return SCALAR_A;
  const trailing = (small: readonly number[]): boolean => {
    const s = small.slice();
    while (s.length > 0 && s[0] === 1) s.shift();
    if (s.length > outShape.length) return false;
    const tail = outShape.slice(outShape.length - s.length);
    return s.every((d, i) => d === tail[i]);
  };
  if (na === nOut && trailing(b.shape)) return ROWS_B;
  if (nb === nOut && trailing(a.shape)) return ROWS_A;
  return undefined;
}

/** Below this many output elements the JS loop wins over a native call (validation + N-API crossing). */
const NATIVE_MIN = 2048;

/**
 * The small operand's shape against the output as blocks [outer, mid, inner] where it is full along outer and
 * inner and broadcast (size 1) along mid, e.g. [128, 1, 1, 64] against [128, 7, 7, 64]: O=128, M=49, I=64.
 * Undefined when it is not of that form.
 */
function middleBroadcast(small: readonly number[], outShape: readonly number[]): { outer: number; mid: number; inner: number } | undefined {
  const rank = outShape.length;
  const s = [...new Array<number>(rank - small.length).fill(1), ...small];
  // per axis: 'f' full (equal to out), 'b' broadcast (1 where out > 1); out dims of 1 join either block
  let phase = 0; // 0 outer, 1 mid, 2 inner
  let outer = 1;
  let mid = 1;
  let inner = 1;
  for (let i = 0; i < rank; i++) {
    const o = outShape[i] as number;
    const d = s[i] as number;
    if (o === 1) continue;
    const full = d === o;
    if (!full && d !== 1) return undefined;
    if (phase === 0) {
      if (full) outer *= o;
      else {
        phase = 1;
        mid *= o;
      }
    } else if (phase === 1) {
      if (!full) mid *= o;
      else {
        phase = 2;
        inner *= o;
      }
    } else {
      if (!full) return undefined;
      inner *= o;
    }
  }
  return phase === 0 ? undefined : { outer, mid, inner };
}

function binaryMiddle(
  loop: BinaryLoop,
  nativeOp: BinaryOpName | undefined,
  big: Float32Array,
  small: Float32Array,
  smallIsA: boolean,
  b: { outer: number; mid: number; inner: number },
  out: Float32Array,
): void {
  const block = b.mid * b.inner;
  for (let o = 0; o < b.outer; o++) {
    const bigPart = big.subarray(o * block, (o + 1) * block);
    const smallPart = small.subarray(o * b.inner, (o + 1) * b.inner);
    const outPart = out.subarray(o * block, (o + 1) * block);
    if (nativeOp !== undefined && block >= NATIVE_MIN) {
      if (smallIsA) binaryOp(nativeOp, smallPart, bigPart, { out: outPart });
      else binaryOp(nativeOp, bigPart, smallPart, { out: outPart });
    } else if (smallIsA) {
      loop(smallPart, bigPart, outPart, b.inner === 1 ? SCALAR_A : ROWS_A);
    } else {
      loop(bigPart, smallPart, outPart, b.inner === 1 ? SCALAR_B : ROWS_B);
    }
  }
}

function binary(kernelName: string, expr: string, nativeOp?: BinaryOpName) {
  const loop = compileBinary(expr);
  return (args: KernelArgs): TensorInfo => {
    const { backend } = args;
    const a = args.inputs.a as TensorInfo;
    const b = args.inputs.b as TensorInfo;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(kernelName, args) as TensorInfo;
    const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const kind = broadcastKind(a, b, outShape);
    const n = sizeOf(outShape);
    if (kind === undefined) {
      const na = sizeOf(a.shape);
      const smallIsA = na !== n;
      const blocks = middleBroadcast(smallIsA ? a.shape : b.shape, outShape);
      if (blocks === undefined || (smallIsA ? sizeOf(b.shape) : na) !== n) return fallback(kernelName, args) as TensorInfo;
      const out = alloc(backend, n);
      const av = f32(backend, a);
      const bv = f32(backend, b);
      binaryMiddle(loop, nativeOp, smallIsA ? bv : av, smallIsA ? av : bv, smallIsA, blocks, out);
      return output(backend, outShape, out);
    }
    if (nativeOp !== undefined && n >= NATIVE_MIN) {
      return output(backend, outShape, binaryOp(nativeOp, f32(backend, a), f32(backend, b), { out: alloc(backend, n) }));
    }
    const out = new Float32Array(n);
    loop(f32(backend, a), f32(backend, b), out, kind);
    return output(backend, outShape, out);
  };
}

function unary(kernelName: string, expr: string, nativeOp?: UnaryOpName, param?: (attrs: Record<string, unknown>) => number) {
  const loop = compileUnary(expr);
  return (args: KernelArgs): TensorInfo => {
    const { backend } = args;
    const x = args.inputs.x as TensorInfo;
    if (x.dtype !== 'float32') return fallback(kernelName, args) as TensorInfo;
    const xv = f32(backend, x);
    const p = param === undefined ? 0 : param((args.attrs ?? {}) as Record<string, unknown>);
    if (nativeOp !== undefined && xv.length >= NATIVE_MIN && Number.isFinite(p)) {
      return output(backend, x.shape, unaryOp(nativeOp, xv, { alpha: p, out: alloc(backend, xv.length) }));
    }
    const out = new Float32Array(xv.length);
    loop(xv, out, p);
    return output(backend, x.shape, out);
  };
}

/** Reduction axes as [outer, reduce, inner] when they form one contiguous block, else undefined. */
function reductionPlan(shape: readonly number[], axes: number[]): { outer: number; reduce: number; inner: number } | undefined {
  const sorted = [...axes].sort((p, q) => p - q);
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== (sorted[i - 1] as number) + 1) return undefined;
  const first = sorted[0] ?? 0;
  const last = sorted.at(-1) ?? -1;
  return {
    outer: sizeOf(shape.slice(0, first)),
    reduce: sizeOf(shape.slice(first, last + 1)),
    inner: sizeOf(shape.slice(last + 1)),
  };
}

type ReduceKind = 'sum' | 'mean' | 'max' | 'min';

function reduceValues(x: Float32Array, outer: number, reduce: number, inner: number, kind: ReduceKind): Float32Array {
  const out = new Float32Array(outer * inner);
  if (kind === 'sum' || kind === 'mean') {
    // Each output is a double sum over r = 0 .. reduce - 1 in order. Four columns at a time down the reduced axis,
    // the sums held in locals: 2.8x faster than adding row by row into a Float64Array of column sums (a global
    // average pool over [128, 7, 7, 1280]: 18 -> 6.5 ms), with the same bits.
    const scale = kind === 'mean' ? 1 / reduce : 1;
    for (let o = 0; o < outer; o++) {
      const base = o * reduce * inner;
      const dst = o * inner;
      let j = 0;
      for (; j + 4 <= inner; j += 4) {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let r = 0, i = base + j; r < reduce; r++, i += inner) {
          s0 += x[i] as number;
          s1 += x[i + 1] as number;
          s2 += x[i + 2] as number;
          s3 += x[i + 3] as number;
        }
        out[dst + j] = s0 * scale;
        out[dst + j + 1] = s1 * scale;
        out[dst + j + 2] = s2 * scale;
        out[dst + j + 3] = s3 * scale;
      }
      for (; j < inner; j++) {
        let s = 0;
        for (let r = 0, i = base + j; r < reduce; r++, i += inner) s += x[i] as number;
        out[dst + j] = s * scale;
      }
    }
    return out;
  }
  const better = kind === 'max' ? (p: number, q: number) => p > q || Number.isNaN(p) : (p: number, q: number) => p < q || Number.isNaN(p);
  for (let o = 0; o < outer; o++) {
    const base = o * reduce * inner;
    for (let j = 0; j < inner; j++) {
      let best = x[base + j] as number;
      for (let r = 1; r < reduce; r++) {
        const v = x[base + r * inner + j] as number;
        if (better(v, best)) best = v;
      }
      out[o * inner + j] = best;
    }
  }
  return out;
}

function reduction(kernelName: string, kind: ReduceKind) {
  return (args: KernelArgs): TensorInfo => {
    const { backend } = args;
    const x = args.inputs.x as TensorInfo;
    const attrs = (args.attrs ?? {}) as { axis?: number | number[]; keepDims?: boolean; reductionIndices?: number | number[] };
    if (x.dtype !== 'float32' || sizeOf(x.shape) === 0) return fallback(kernelName, args) as TensorInfo;
    const axes = util.parseAxisParam((attrs.axis ?? attrs.reductionIndices) as number | number[], x.shape);
    const p = reductionPlan(x.shape, axes);
    if (p === undefined || p.reduce === 0) return fallback(kernelName, args) as TensorInfo;
    const values = reduceValues(f32(backend, x), p.outer, p.reduce, p.inner, kind);
    let [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    if (attrs.keepDims === true) outShape = backend_util.expandShapeToKeepDim(outShape, axes);
    return output(backend, outShape, values);
  };
}

/** Name of the one-pass relu / relu6 gradient kernel (inputs dy, x; attrs activation). */
export const ACTIVATION_GRAD = 'AmcActivationGrad';

function activationGradKernel(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const dy = args.inputs.dy as TensorInfo;
  const x = args.inputs.x as TensorInfo;
  const activation = (args.attrs as { activation: 'relu' | 'relu6' }).activation;
  const dyv = f32(backend, dy);
  return output(backend, dy.shape, activationGrad(dyv, f32(backend, x), activation, { out: alloc(backend, dyv.length) }));
}

/**
 * ClipByValue with tfjs's cpu semantics (`x > max ? max : x < min ? min : x`, NaN kept). tfjs-layers' ReLU with
 * `maxValue` (MobileNet-V2's ReLU6) runs Relu then ClipByValue(0, max); the cpu kernel costs ~30 ns an element.
 * [0, 6] and [0, inf) are exactly the native relu6 / relu.
 */
function clipByValueKernel(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const x = args.inputs.x as TensorInfo;
  const { clipValueMin: lo, clipValueMax: hi } = args.attrs as { clipValueMin: number; clipValueMax: number };
  if (x.dtype !== 'float32') return fallback('ClipByValue', args) as TensorInfo;
  const xv = f32(backend, x);
  if (lo === 0 && (hi === 6 || hi === Number.POSITIVE_INFINITY) && xv.length >= NATIVE_MIN) {
    return output(backend, x.shape, unaryOp(hi === 6 ? 'relu6' : 'relu', xv, { out: alloc(backend, xv.length) }));
  }
  const out = alloc(backend, xv.length);
  for (let i = 0; i < xv.length; i++) {
    const v = xv[i] as number;
    out[i] = v > hi ? hi : v < lo ? lo : v;
  }
  return output(backend, x.shape, out);
}

/** Name of the one-pass ClipByValue gradient kernel (inputs dy, x; attrs clipValueMin, clipValueMax). */
export const CLIP_GRAD = 'AmcClipGrad';

/** tfjs's ClipByValue gradient in one pass: `where(min <= x && x <= max, dy, 0)` (0 where x is NaN). */
function clipGradKernel(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const dy = args.inputs.dy as TensorInfo;
  const x = args.inputs.x as TensorInfo;
  const { clipValueMin: lo, clipValueMax: hi } = args.attrs as { clipValueMin: number; clipValueMax: number };
  const dyv = f32(backend, dy);
  const xv = f32(backend, x);
  const out = alloc(backend, dyv.length);
  if (dyv.length >= NATIVE_MIN && !(lo > hi)) return output(backend, dy.shape, clipGrad(dyv, xv, lo, hi, { out }));
  for (let i = 0; i < dyv.length; i++) {
    const v = xv[i] as number;
    out[i] = v >= lo && v <= hi ? (dyv[i] as number) : 0;
  }
  return output(backend, dy.shape, out);
}

/** A loop like {@link BinaryLoop} over any typed arrays (comparisons write 0/1 bytes, logical ops read them). */
type AnyBinaryLoop = (a: ArrayLike<number>, b: ArrayLike<number>, out: Uint8Array, kind: number) => void;

/**
 * Comparisons (float32 in, bool out) and logical ops (bool in and out), with tfjs's cpu semantics (NaN compares
 * false), on the same-shape, scalar and trailing-row broadcasts; other broadcasts and dtypes go to the cpu kernels,
 * which index every element through generic broadcasting (~30 ns an element).
 */
function boolBinary(kernelName: string, expr: string, inputDtype: 'float32' | 'bool') {
  // Branch-free: a number from the boolean (random masks make a conditional mispredict half the time).
  const loop = compileBinary(`+(${expr})`) as unknown as AnyBinaryLoop;
  return (args: KernelArgs): TensorInfo => {
    const { backend } = args;
    const a = args.inputs.a as TensorInfo;
    const b = args.inputs.b as TensorInfo;
    if (a.dtype !== inputDtype || b.dtype !== inputDtype) return fallback(kernelName, args) as TensorInfo;
    const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const kind = broadcastKind(a, b, outShape);
    if (kind === undefined) return fallback(kernelName, args) as TensorInfo;
    const values = (t: TensorInfo) => backend.data.get(t.dataId).values as ArrayLike<number>;
    const out = new Uint8Array(sizeOf(outShape));
    loop(values(a), values(b), out, kind);
    return backend.makeTensorInfo(outShape, 'bool', out);
  };
}

/** Select (tf.where) when the condition, t and e have one size and t / e are float32; otherwise the cpu kernel. */
function selectKernel(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const { condition, t, e } = args.inputs as { condition: TensorInfo; t: TensorInfo; e: TensorInfo };
  const n = sizeOf(t.shape);
  if (t.dtype !== 'float32' || e.dtype !== 'float32' || condition.dtype !== 'bool' || sizeOf(condition.shape) !== n || sizeOf(e.shape) !== n) {
    return fallback('Select', args) as TensorInfo;
  }
  const c = backend.data.get(condition.dataId).values as Uint8Array;
  const tv = f32(backend, t);
  const ev = f32(backend, e);
  const out = alloc(backend, n);
  for (let i = 0; i < n; i++) out[i] = c[i] !== 0 ? (tv[i] as number) : (ev[i] as number);
  return output(backend, t.shape, out);
}

/** The elementwise and reduction kernels (backendName filled in at registration). */
export const elementwiseKernels: KernelConfig[] = [
  kernelConfig('Add', binary('Add', 'a + b', 'add')),
  kernelConfig('Sub', binary('Sub', 'a - b', 'sub')),
  kernelConfig('Multiply', binary('Multiply', 'a * b', 'mul')),
  kernelConfig('RealDiv', binary('RealDiv', 'a / b', 'div')),
  kernelConfig('Maximum', binary('Maximum', 'Math.max(a, b)', 'max')),
  kernelConfig('Minimum', binary('Minimum', 'Math.min(a, b)', 'min')),
  kernelConfig('SquaredDifference', binary('SquaredDifference', '(a - b) * (a - b)', 'squaredDifference')),
  kernelConfig('Relu', unary('Relu', 'x < 0 ? 0 : x', 'relu')),
  kernelConfig('Relu6', unary('Relu6', 'x < 0 ? 0 : x > 6 ? 6 : x', 'relu6')),
  kernelConfig('Step', unary('Step', 'x !== x ? x : x > 0 ? 1 : p', 'step', (attrs) => Number(attrs.alpha ?? 0))),
  kernelConfig('Square', unary('Square', 'x * x', 'square')),
  kernelConfig('Neg', unary('Neg', '-x', 'neg')),
  kernelConfig('Abs', unary('Abs', 'Math.abs(x)', 'abs')),
  kernelConfig('Sqrt', unary('Sqrt', 'Math.sqrt(x)', 'sqrt')),
  kernelConfig('Rsqrt', unary('Rsqrt', '1 / Math.sqrt(x)', 'rsqrt')),
  kernelConfig('Sum', reduction('Sum', 'sum')),
  kernelConfig('Mean', reduction('Mean', 'mean')),
  kernelConfig('Max', reduction('Max', 'max')),
  kernelConfig('Min', reduction('Min', 'min')),
  kernelConfig('ClipByValue', clipByValueKernel),
  kernelConfig('Greater', boolBinary('Greater', 'a > b', 'float32')),
  kernelConfig('GreaterEqual', boolBinary('GreaterEqual', 'a >= b', 'float32')),
  kernelConfig('Less', boolBinary('Less', 'a < b', 'float32')),
  kernelConfig('LessEqual', boolBinary('LessEqual', 'a <= b', 'float32')),
  kernelConfig('Equal', boolBinary('Equal', 'a === b', 'float32')),
  kernelConfig('NotEqual', boolBinary('NotEqual', 'a !== b', 'float32')),
  kernelConfig('LogicalAnd', boolBinary('LogicalAnd', '(a & b) !== 0', 'bool')),
  kernelConfig('LogicalOr', boolBinary('LogicalOr', '(a | b) !== 0', 'bool')),
  kernelConfig('Select', selectKernel),
  kernelConfig(ACTIVATION_GRAD, activationGradKernel),
  kernelConfig(CLIP_GRAD, clipGradKernel),
];
