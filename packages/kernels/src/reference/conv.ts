/**
 * Pure-TS references of the conv family (float64 accumulation, no validation beyond geometry resolution):
 * the definitions the native kernels are tested against. Layouts as in conv.ts: NHWC activations, HWIO filters
 * [kh, kw, inChannels / groups, outChannels], depthwise filters [kh, kw, c, multiplier].
 */
import type { Activation, FloatTensor } from '@amc/core';
import { type Conv2DGeometry, type Conv2DGeometryOptions, resolveConv2dGeometry } from '../conv-geometry.js';
import { applyActivation } from './activation.js';

/** Options of the reference convs (the union of what conv2d and depthwiseConv2d accept). */
export interface ReferenceConvOptions extends Conv2DGeometryOptions {
  groups?: number;
  bias?: Float32Array;
  activation?: Activation;
}

function at(array: Float32Array | Float64Array, index: number): number {
  return array[index] as number;
}

function geometry(op: string, inputShape: readonly number[], kh: number, kw: number, options: Conv2DGeometryOptions): Conv2DGeometry {
  return resolveConv2dGeometry(op, [...inputShape], kh, kw, options);
}

/** Calls fn(kh, kw, ih, iw) for every tap of output pixel (oh, ow) that falls inside the input. */
function forEachTap(g: Conv2DGeometry, oh: number, ow: number, fn: (i: number, j: number, ih: number, iw: number) => void): void {
  for (let i = 0; i < g.kernelHeight; i++) {
    const ih = oh * g.strideHeight + i * g.dilationHeight - g.padTop;
    if (ih < 0 || ih >= g.inHeight) continue;
    for (let j = 0; j < g.kernelWidth; j++) {
      const iw = ow * g.strideWidth + j * g.dilationWidth - g.padLeft;
      if (iw < 0 || iw >= g.inWidth) continue;
      fn(i, j, ih, iw);
    }
  }
}

/** Reference of conv2d (with groups, bias and activation). */
export function referenceConv2d(input: FloatTensor, filter: FloatTensor, options: ReferenceConvOptions = {}): FloatTensor {
  const [kh, kw, cinG, cout] = filter.shape as [number, number, number, number];
  const g = geometry('referenceConv2d', input.shape, kh, kw, options);
  const groups = options.groups ?? 1;
  const cin = g.inChannels;
  const coutG = cout / groups;
  const out = new Float32Array(g.batch * g.outHeight * g.outWidth * cout);
  const acc = new Float64Array(cout);
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++) {
        for (let co = 0; co < cout; co++) acc[co] = options.bias === undefined ? 0 : at(options.bias, co);
        forEachTap(g, oh, ow, (i, j, ih, iw) => {
          const xBase = ((n * g.inHeight + ih) * g.inWidth + iw) * cin;
          const wBase = (i * kw + j) * cinG * cout;
          for (let co = 0; co < cout; co++) {
            const group = Math.floor(co / coutG);
            let sum = 0;
            for (let ci = 0; ci < cinG; ci++) {
              sum += at(input.data, xBase + group * cinG + ci) * at(filter.data, wBase + ci * cout + co);
            }
            acc[co] = at(acc, co) + sum;
          }
        });
        const oBase = ((n * g.outHeight + oh) * g.outWidth + ow) * cout;
        for (let co = 0; co < cout; co++) out[oBase + co] = applyActivation(at(acc, co), options.activation);
      }
    }
  }
  return { data: out, shape: [g.batch, g.outHeight, g.outWidth, cout] };
}

/** Reference of depthwiseConv2d: output channel c * multiplier + m. */
export function referenceDepthwiseConv2d(input: FloatTensor, filter: FloatTensor, options: ReferenceConvOptions = {}): FloatTensor {
  const [kh, kw, channels, mult] = filter.shape as [number, number, number, number];
  const g = geometry('referenceDepthwiseConv2d', input.shape, kh, kw, options);
  const cout = channels * mult;
  const out = new Float32Array(g.batch * g.outHeight * g.outWidth * cout);
  const acc = new Float64Array(cout);
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++) {
        for (let o = 0; o < cout; o++) acc[o] = options.bias === undefined ? 0 : at(options.bias, o);
        forEachTap(g, oh, ow, (i, j, ih, iw) => {
          const xBase = ((n * g.inHeight + ih) * g.inWidth + iw) * channels;
          const wBase = (i * kw + j) * cout;
          for (let o = 0; o < cout; o++) {
            acc[o] = at(acc, o) + at(input.data, xBase + Math.floor(o / mult)) * at(filter.data, wBase + o);
          }
        });
        const oBase = ((n * g.outHeight + oh) * g.outWidth + ow) * cout;
        for (let o = 0; o < cout; o++) out[oBase + o] = applyActivation(at(acc, o), options.activation);
      }
    }
  }
  return { data: out, shape: [g.batch, g.outHeight, g.outWidth, cout] };
}

/** Reference of conv2dBackpropInput: dx[input pixel] += dy[output pixel] * W over every tap. */
export function referenceConv2dBackpropInput(
  dy: FloatTensor,
  filter: FloatTensor,
  inputShape: readonly number[],
  options: ReferenceConvOptions = {},
): FloatTensor {
  const [kh, kw, cinG, cout] = filter.shape as [number, number, number, number];
  const g = geometry('referenceConv2dBackpropInput', inputShape, kh, kw, options);
  const coutG = cout / (options.groups ?? 1);
  const cin = g.inChannels;
  const dx = new Float64Array(g.batch * g.inHeight * g.inWidth * cin);
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++) {
        const dyBase = ((n * g.outHeight + oh) * g.outWidth + ow) * cout;
        forEachTap(g, oh, ow, (i, j, ih, iw) => {
          const xBase = ((n * g.inHeight + ih) * g.inWidth + iw) * cin;
          const wBase = (i * kw + j) * cinG * cout;
          for (let co = 0; co < cout; co++) {
            const d = at(dy.data, dyBase + co);
            const group = Math.floor(co / coutG);
            for (let ci = 0; ci < cinG; ci++) {
              const index = xBase + group * cinG + ci;
              dx[index] = at(dx, index) + d * at(filter.data, wBase + ci * cout + co);
            }
          }
        });
      }
    }
  }
  return { data: Float32Array.from(dx), shape: [...inputShape] };
}

/** Reference of conv2dBackpropFilter: dW[tap, ci, co] = sum over output pixels of x * dy. */
export function referenceConv2dBackpropFilter(
  input: FloatTensor,
  dy: FloatTensor,
  filterShape: readonly number[],
  options: ReferenceConvOptions = {},
): FloatTensor {
  const [kh, kw, cinG, cout] = filterShape as [number, number, number, number];
  const g = geometry('referenceConv2dBackpropFilter', input.shape, kh, kw, options);
  const coutG = cout / (options.groups ?? 1);
  const cin = g.inChannels;
  const dw = new Float64Array(kh * kw * cinG * cout);
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++) {
        const dyBase = ((n * g.outHeight + oh) * g.outWidth + ow) * cout;
        forEachTap(g, oh, ow, (i, j, ih, iw) => {
          const xBase = ((n * g.inHeight + ih) * g.inWidth + iw) * cin;
          const wBase = (i * kw + j) * cinG * cout;
          for (let co = 0; co < cout; co++) {
            const d = at(dy.data, dyBase + co);
            const group = Math.floor(co / coutG);
            for (let ci = 0; ci < cinG; ci++) {
              const index = wBase + ci * cout + co;
              dw[index] = at(dw, index) + d * at(input.data, xBase + group * cinG + ci);
            }
          }
        });
      }
    }
  }
  return { data: Float32Array.from(dw), shape: [...filterShape] };
}

/** Reference of depthwiseConv2dBackpropInput. */
export function referenceDepthwiseConv2dBackpropInput(
  dy: FloatTensor,
  filter: FloatTensor,
  inputShape: readonly number[],
  options: Conv2DGeometryOptions = {},
): FloatTensor {
  const [kh, kw, channels, mult] = filter.shape as [number, number, number, number];
  const g = geometry('referenceDepthwiseConv2dBackpropInput', inputShape, kh, kw, options);
  const cout = channels * mult;
  const dx = new Float64Array(g.batch * g.inHeight * g.inWidth * channels);
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++) {
        const dyBase = ((n * g.outHeight + oh) * g.outWidth + ow) * cout;
        forEachTap(g, oh, ow, (i, j, ih, iw) => {
          const xBase = ((n * g.inHeight + ih) * g.inWidth + iw) * channels;
          const wBase = (i * kw + j) * cout;
          for (let o = 0; o < cout; o++) {
            const index = xBase + Math.floor(o / mult);
            dx[index] = at(dx, index) + at(dy.data, dyBase + o) * at(filter.data, wBase + o);
          }
        });
      }
    }
  }
  return { data: Float32Array.from(dx), shape: [...inputShape] };
}

/** Reference of depthwiseConv2dBackpropFilter. */
export function referenceDepthwiseConv2dBackpropFilter(
  input: FloatTensor,
  dy: FloatTensor,
  filterShape: readonly number[],
  options: Conv2DGeometryOptions = {},
): FloatTensor {
  const [kh, kw, channels, mult] = filterShape as [number, number, number, number];
  const g = geometry('referenceDepthwiseConv2dBackpropFilter', input.shape, kh, kw, options);
  const cout = channels * mult;
  const dw = new Float64Array(kh * kw * cout);
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++) {
        const dyBase = ((n * g.outHeight + oh) * g.outWidth + ow) * cout;
        forEachTap(g, oh, ow, (i, j, ih, iw) => {
          const xBase = ((n * g.inHeight + ih) * g.inWidth + iw) * channels;
          const wBase = (i * kw + j) * cout;
          for (let o = 0; o < cout; o++) {
            dw[wBase + o] = at(dw, wBase + o) + at(input.data, xBase + Math.floor(o / mult)) * at(dy.data, dyBase + o);
          }
        });
      }
    }
  }
  return { data: Float32Array.from(dw), shape: [...filterShape] };
}

/** Reference of sliceConv2dWeights: filter[.., inputChannels[k], outputChannels[j]] and bias[outputChannels[j]]. */
export function referenceSliceConv2dWeights(
  filter: FloatTensor,
  inputChannels: ArrayLike<number>,
  outputChannels: ArrayLike<number>,
  bias?: Float32Array,
): { filter: FloatTensor; bias?: Float32Array } {
  const [kh, kw, cin, cout] = filter.shape as [number, number, number, number];
  const ki = inputChannels.length;
  const ko = outputChannels.length;
  const data = new Float32Array(kh * kw * ki * ko);
  for (let t = 0; t < kh * kw; t++) {
    for (let k = 0; k < ki; k++) {
      for (let j = 0; j < ko; j++) {
        data[(t * ki + k) * ko + j] = at(filter.data, (t * cin + (inputChannels[k] as number)) * cout + (outputChannels[j] as number));
      }
    }
  }
  const result: { filter: FloatTensor; bias?: Float32Array } = { filter: { data, shape: [kh, kw, ki, ko] } };
  if (bias !== undefined) result.bias = Float32Array.from(outputChannels, (j) => at(bias, j));
  return result;
}

/** Gathers the listed channels of an NHWC tensor (the compact input of a sliced layer). */
export function referenceSliceChannels(input: FloatTensor, channels: ArrayLike<number>): FloatTensor {
  const [n, h, w, c] = input.shape as [number, number, number, number];
  const k = channels.length;
  const data = new Float32Array(n * h * w * k);
  for (let p = 0; p < n * h * w; p++) {
    for (let i = 0; i < k; i++) data[p * k + i] = at(input.data, p * c + (channels[i] as number));
  }
  return { data, shape: [n, h, w, k] };
}
