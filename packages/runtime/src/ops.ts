/**
 * The steps the native kernels of @amc/kernels do not have, in TypeScript: pooling, global pooling, zero padding,
 * concatenation and the activations other than relu / relu6. Internal to the runtime: the plan validates shapes
 * once at compile time, so these only loop. All are allocation-free and write into a caller-owned `out`.
 */
import { type ActivationName, TFJS_ACTIVATION_IDENTIFIERS } from '@amc/graph';

/** Geometry of a pool over an NHWC tensor. `pads` are [top, bottom, left, right]. */
export interface PoolGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  kernel: readonly [number, number];
  strides: readonly [number, number];
  pads: readonly [number, number, number, number];
}

/**
 * Max or average pooling, TensorFlow semantics: padded positions are ignored (max) or excluded from the divisor
 * (average). `out` holds batch * outHeight * outWidth * channels floats and must not alias `x`.
 */
export function pool2d(mode: 'max' | 'avg', x: Float32Array, g: PoolGeometry, out: Float32Array): void {
  const { batch, inHeight: H, inWidth: W, channels: C, outHeight: OH, outWidth: OW } = g;
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.strides;
  const top = g.pads[0];
  const left = g.pads[2];
  const isMax = mode === 'max';
  let o = 0;
  for (let n = 0; n < batch; n++) {
    const base = n * H * W * C;
    for (let oy = 0; oy < OH; oy++) {
      const y0 = Math.max(0, oy * sh - top);
      const y1 = Math.min(H, oy * sh - top + kh);
      for (let ox = 0; ox < OW; ox++) {
        const x0 = Math.max(0, ox * sw - left);
        const x1 = Math.min(W, ox * sw - left + kw);
        const count = (y1 - y0) * (x1 - x0);
        for (let c = 0; c < C; c++) out[o + c] = isMax ? -Infinity : 0;
        for (let y = y0; y < y1; y++) {
          for (let xx = x0; xx < x1; xx++) {
            const i = base + (y * W + xx) * C;
            if (isMax) {
              for (let c = 0; c < C; c++) {
                const v = x[i + c] as number;
                if (v > (out[o + c] as number) || Number.isNaN(v)) out[o + c] = v;
              }
            } else {
              for (let c = 0; c < C; c++) out[o + c] = (out[o + c] as number) + (x[i + c] as number);
            }
          }
        }
        if (!isMax) {
          const inv = count > 0 ? 1 / count : 0;
          for (let c = 0; c < C; c++) out[o + c] = (out[o + c] as number) * inv;
        } else if (count === 0) {
          for (let c = 0; c < C; c++) out[o + c] = 0;
        }
        o += C;
      }
    }
  }
}

/** Global max or average pooling of `[batch, pixels, channels]` to `[batch, channels]` (sums in double). */
export function globalPool2d(mode: 'max' | 'avg', x: Float32Array, batch: number, pixels: number, channels: number, out: Float32Array, scratch: Float64Array): void {
  for (let n = 0; n < batch; n++) {
    const base = n * pixels * channels;
    if (mode === 'avg') {
      scratch.fill(0, 0, channels);
      for (let p = 0; p < pixels; p++) {
        const i = base + p * channels;
        for (let c = 0; c < channels; c++) scratch[c] = (scratch[c] as number) + (x[i + c] as number);
      }
      for (let c = 0; c < channels; c++) out[n * channels + c] = (scratch[c] as number) / pixels;
    } else {
      for (let c = 0; c < channels; c++) out[n * channels + c] = x[base + c] as number;
      for (let p = 1; p < pixels; p++) {
        const i = base + p * channels;
        for (let c = 0; c < channels; c++) {
          const v = x[i + c] as number;
          if (v > (out[n * channels + c] as number) || Number.isNaN(v)) out[n * channels + c] = v;
        }
      }
    }
  }
}

/** Zero padding of the height and width of an NHWC tensor; `pads` are [top, bottom, left, right]. */
export function zeroPad2d(x: Float32Array, batch: number, h: number, w: number, c: number, pads: readonly [number, number, number, number], out: Float32Array): void {
  const [top, bottom, left, right] = pads;
  const OW = w + left + right;
  const OH = h + top + bottom;
  out.fill(0);
  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < h; y++) {
      const src = ((n * h + y) * w) * c;
      const dst = ((n * OH + y + top) * OW + left) * c;
      out.set(x.subarray(src, src + w * c), dst);
    }
  }
}

/**
 * Concatenation along one axis, seen as `outer` rows: operand k contributes `inner[k]` contiguous floats per row
 * (the product of its dims from the axis on). Channel concatenation is the case where the axis is the last one.
 */
export function concat(xs: readonly Float32Array[], inner: readonly number[], outer: number, out: Float32Array): void {
  let rowSize = 0;
  for (const s of inner) rowSize += s;
  let offset = 0;
  for (let k = 0; k < xs.length; k++) {
    const x = xs[k] as Float32Array;
    const size = inner[k] as number;
    for (let r = 0; r < outer; r++) {
      const src = r * size;
      const dst = r * rowSize + offset;
      for (let i = 0; i < size; i++) out[dst + i] = x[src + i] as number;
    }
    offset += size;
  }
}

/** An elementwise or last-axis activation computed in TypeScript, with its parameters. */
export interface TsActivation {
  name: ActivationName;
  /** relu cap (a ReLU layer's maxValue other than 6), or null. */
  maxValue: number | null;
  /** leakyRelu slope. */
  alpha: number;
}

/** The activations {@link applyActivation} computes: every tfjs identifier the IR accepts, plus the LeakyReLU layer (relu and relu6 run natively unless capped otherwise). */
export const TS_ACTIVATIONS: ReadonlySet<ActivationName> = new Set<ActivationName>([...TFJS_ACTIVATION_IDENTIFIERS, 'leakyRelu']);

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;

function softplus(v: number): number {
  return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** erf by Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7, below float32 resolution near 1). */
function erf(v: number): number {
  const s = v < 0 ? -1 : 1;
  const a = Math.abs(v);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/**
 * Applies `act` to `x` into `out` (which may be `x`). Softmax and logSoftmax normalise over the last axis of
 * `lastDim` elements; the others are elementwise (tfjs-layers' definitions).
 */
export function applyActivation(act: TsActivation, x: Float32Array, out: Float32Array, lastDim: number): void {
  const n = x.length;
  switch (act.name) {
    case 'relu': {
      const cap = act.maxValue ?? Infinity;
      for (let i = 0; i < n; i++) {
        const v = x[i] as number;
        out[i] = v < 0 ? 0 : v > cap ? cap : v;
      }
      return;
    }
    case 'relu6':
      for (let i = 0; i < n; i++) {
        const v = x[i] as number;
        out[i] = v < 0 ? 0 : v > 6 ? 6 : v;
      }
      return;
    case 'elu':
      for (let i = 0; i < n; i++) {
        const v = x[i] as number;
        out[i] = v > 0 ? v : Math.expm1(v);
      }
      return;
    case 'selu':
      for (let i = 0; i < n; i++) {
        const v = x[i] as number;
        out[i] = v > 0 ? SELU_SCALE * v : SELU_SCALE * SELU_ALPHA * Math.expm1(v);
      }
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) out[i] = sigmoid(x[i] as number);
      return;
    case 'hardSigmoid':
      for (let i = 0; i < n; i++) out[i] = Math.min(1, Math.max(0, 0.2 * (x[i] as number) + 0.5));
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i] as number);
      return;
    case 'softplus':
      for (let i = 0; i < n; i++) out[i] = softplus(x[i] as number);
      return;
    case 'softsign':
      for (let i = 0; i < n; i++) {
        const v = x[i] as number;
        out[i] = v / (1 + Math.abs(v));
      }
      return;
    case 'swish':
      for (let i = 0; i < n; i++) {
        const v = x[i] as number;
        out[i] = v * sigmoid(v);
      }
      return;
    case 'mish':
      for (let i = 0; i < n; i++) {
        const v = x[i] as number;
        out[i] = v * Math.tanh(softplus(v));
      }
      return;
    case 'gelu':
      for (let i = 0; i < n; i++) {
        const v = x[i] as number;
        out[i] = v * 0.5 * (1 + erf(v / Math.SQRT2));
      }
      return;
    case 'gelu_new': {
      const k = Math.sqrt(2 / Math.PI);
      for (let i = 0; i < n; i++) {
        const v = x[i] as number;
        out[i] = 0.5 * v * (1 + Math.tanh(k * (v + 0.044715 * v * v * v)));
      }
      return;
    }
    case 'leakyRelu':
      for (let i = 0; i < n; i++) {
        const v = x[i] as number;
        out[i] = v > 0 ? v : act.alpha * v;
      }
      return;
    case 'softmax':
    case 'logSoftmax':
      for (let r = 0; r < n; r += lastDim) {
        let max = -Infinity;
        for (let i = r; i < r + lastDim; i++) max = Math.max(max, x[i] as number);
        let sum = 0;
        for (let i = r; i < r + lastDim; i++) sum += Math.exp((x[i] as number) - max);
        if (act.name === 'softmax') {
          for (let i = r; i < r + lastDim; i++) out[i] = Math.exp((x[i] as number) - max) / sum;
        } else {
          const logSum = Math.log(sum) + max;
          for (let i = r; i < r + lastDim; i++) out[i] = (x[i] as number) - logSum;
        }
      }
      return;
    case 'none':
      if (out !== x) out.set(x);
      return;
  }
}
