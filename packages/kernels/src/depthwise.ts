import type { Activation, FloatTensor } from '@amc/core';
import type { DepthwiseConv2DNativeOptions } from './binding/conv.js';
import { callNative, callNativeAsync } from './call.js';
import { checkNoOverlap, checkTensor, shapeMismatch } from './conv-common.js';
import { type Conv2DGeometryOptions, resolveConv2dGeometry } from './conv-geometry.js';
import { loadNative } from './load.js';
import { checkActivation, checkFloat32, checkOptions, outputBuffer, type OptionKeys } from './validate.js';

const DEPTHWISE_CONV2_D_OPTIONS_KEYS: OptionKeys<DepthwiseConv2DOptions> = { bias: true, activation: true, out: true, strides: true, padding: true, dilations: true };

/** Options of {@link depthwiseConv2d}. */
export interface DepthwiseConv2DOptions extends Conv2DGeometryOptions {
  /** One value per output channel (inChannels * multiplier), added before the activation. */
  bias?: Float32Array;
  /** Fused activation. Default `none`. */
  activation?: Activation;
  /** Output buffer of n * outHeight * outWidth * inChannels * multiplier floats. Default: a new array. */
  out?: Float32Array;
}

function prepare(
  op: string,
  input: unknown,
  filter: unknown,
  options: unknown,
): { native: DepthwiseConv2DNativeOptions; shape: number[] } {
  const o = checkOptions<DepthwiseConv2DOptions>(op, options, DEPTHWISE_CONV2_D_OPTIONS_KEYS);
  const x = checkTensor(op, 'input', input, 4, 'an NHWC tensor');
  const f = checkTensor(op, 'filter', filter, 4, 'a depthwise filter [kh, kw, inChannels, multiplier]');
  const [kernelHeight, kernelWidth, channels, multiplier] = f.shape as [number, number, number, number];
  if (channels !== x.shape[3]) {
    shapeMismatch(op, 'filter.shape', `[kh, kw, ${x.shape[3]}, multiplier] (the input channels)`, f.shape);
  }
  if (multiplier < 1) shapeMismatch(op, 'filter.shape', 'a multiplier (last dimension) of at least 1', f.shape);
  const g = resolveConv2dGeometry(op, x.shape, kernelHeight, kernelWidth, o);
  const outChannels = channels * multiplier;
  const shape = [g.batch, g.outHeight, g.outWidth, outChannels];
  const out = outputBuffer(op, o.out, g.batch * g.outHeight * g.outWidth * outChannels);
  const bias = o.bias === undefined ? undefined : checkFloat32(op, 'options.bias', o.bias, outChannels);
  checkNoOverlap(op, 'options.out', out, [x.data, f.data, bias]);
  const native: DepthwiseConv2DNativeOptions = {
    ...g,
    input: x.data,
    filter: f.data,
    out,
    multiplier,
    activation: checkActivation(op, 'options.activation', o.activation),
  };
  if (bias !== undefined) native.bias = bias;
  return { native, shape };
}

/**
 * Depthwise 2-D convolution (tfjs `depthwiseConv2d` semantics, plus a fused bias and activation): every input
 * channel c is convolved with its own `multiplier` kernels, giving output channels c * multiplier + m. A direct
 * NHWC kernel vectorised along channels, parallel over output rows.
 *
 * @param input `[n, h, w, c]`.
 * @param filter `[kh, kw, c, multiplier]`.
 * @returns `[n, outHeight, outWidth, c * multiplier]`.
 * @throws AmcError AMC_INVALID_ARGUMENT, AMC_SHAPE_MISMATCH (filter channels, bias or out length).
 * @example
 * const y = depthwiseConv2d(x, w, { strides: 2, padding: 'same', activation: 'relu6' });
 */
export function depthwiseConv2d(input: FloatTensor, filter: FloatTensor, options?: DepthwiseConv2DOptions): FloatTensor {
  const { native, shape } = prepare('depthwiseConv2d', input, filter, options);
  const binding = loadNative();
  callNative('depthwiseConv2d', () => binding.depthwiseConv2d(native));
  return { data: native.out, shape };
}

/** {@link depthwiseConv2d} off the event loop. Do not touch the buffers until the promise settles. */
export async function depthwiseConv2dAsync(
  input: FloatTensor,
  filter: FloatTensor,
  options?: DepthwiseConv2DOptions,
): Promise<FloatTensor> {
  const { native, shape } = prepare('depthwiseConv2dAsync', input, filter, options);
  const binding = loadNative();
  await callNativeAsync('depthwiseConv2dAsync', () => binding.depthwiseConv2dAsync(native));
  return { data: native.out, shape };
}
