/**
 * The convolution family: conv2d (dense and grouped) here; depthwise conv, the backprops and the channel-sliced
 * conv in their own files, re-exported from this one. Layouts follow TensorFlow.js: NHWC activations, HWIO
 * filters [kh, kw, inChannels / groups, outChannels].
 */
import type { Activation, FloatTensor } from '@amc/core';
import type { Conv2DNativeOptions } from './binding/conv.js';
import { callNative, callNativeAsync } from './call.js';
import { checkGroups, checkNoOverlap, checkTensor } from './conv-common.js';
import { type Conv2DGeometryOptions, resolveConv2dGeometry } from './conv-geometry.js';
import { loadNative } from './load.js';
import { checkActivation, checkFloat32, checkOptions, outputBuffer, type OptionKeys } from './validate.js';

const CONV2_D_OPTIONS_KEYS: OptionKeys<Conv2DOptions> = { groups: true, bias: true, activation: true, out: true, strides: true, padding: true, dilations: true };

export type { Conv2DGeometry, Conv2DGeometryOptions, Conv2DPadding } from './conv-geometry.js';
export * from './depthwise.js';
export * from './conv-backprop.js';
export * from './sliced-conv.js';

/** Options of {@link conv2d}. */
export interface Conv2DOptions extends Conv2DGeometryOptions {
  /**
   * Channel groups: the input channels and the output channels are split into `groups` equal parts and group g's
   * outputs see only group g's inputs. Both channel counts must be divisible by it. Default 1.
   */
  groups?: number;
  /** One value per output channel, added before the activation. */
  bias?: Float32Array;
  /** Fused activation. Default `none`. */
  activation?: Activation;
  /** Output buffer of n * outHeight * outWidth * outChannels floats (must not overlap the inputs). Default: a new array. */
  out?: Float32Array;
}

function prepare(op: string, input: unknown, filter: unknown, options: unknown): { native: Conv2DNativeOptions; shape: number[] } {
  const o = checkOptions<Conv2DOptions>(op, options, CONV2_D_OPTIONS_KEYS);
  const x = checkTensor(op, 'input', input, 4, 'an NHWC tensor');
  const f = checkTensor(op, 'filter', filter, 4, 'an HWIO filter [kh, kw, inChannels / groups, outChannels]');
  const [kernelHeight, kernelWidth, , outChannels] = f.shape as [number, number, number, number];
  const groups = checkGroups(op, o.groups, x.shape[3] as number, f.shape);
  const g = resolveConv2dGeometry(op, x.shape, kernelHeight, kernelWidth, o);
  const shape = [g.batch, g.outHeight, g.outWidth, outChannels];
  const out = outputBuffer(op, o.out, g.batch * g.outHeight * g.outWidth * outChannels);
  const bias = o.bias === undefined ? undefined : checkFloat32(op, 'options.bias', o.bias, outChannels);
  checkNoOverlap(op, 'options.out', out, [x.data, f.data, bias]);
  const native: Conv2DNativeOptions = {
    ...g,
    input: x.data,
    filter: f.data,
    out,
    outChannels,
    groups,
    activation: checkActivation(op, 'options.activation', o.activation),
  };
  if (bias !== undefined) native.bias = bias;
  return { native, shape };
}

/**
 * 2-D convolution of an NHWC input with an HWIO filter (tfjs `conv2d` semantics, plus groups, a fused bias and
 * activation). Runs as an indirect GEMM: the microkernel reads the input through row pointers (no im2col
 * buffer) and only the weights are packed.
 *
 * @param input `[n, h, w, inChannels]`.
 * @param filter `[kh, kw, inChannels / groups, outChannels]`.
 * @returns `[n, outHeight, outWidth, outChannels]` (its data is `options.out` when given).
 * @throws AmcError AMC_INVALID_ARGUMENT (types, strides, dilations, padding, groups), AMC_SHAPE_MISMATCH (filter
 * channels, bias or out length, a kernel larger than the padded input).
 * @example
 * const y = conv2d(x, w, { strides: 2, padding: 'same', bias, activation: 'relu' });
 */
export function conv2d(input: FloatTensor, filter: FloatTensor, options?: Conv2DOptions): FloatTensor {
  const { native, shape } = prepare('conv2d', input, filter, options);
  const binding = loadNative();
  callNative('conv2d', () => binding.conv2d(native));
  return { data: native.out, shape };
}

/** {@link conv2d} off the event loop. Do not touch the buffers until the promise settles. */
export async function conv2dAsync(input: FloatTensor, filter: FloatTensor, options?: Conv2DOptions): Promise<FloatTensor> {
  const { native, shape } = prepare('conv2dAsync', input, filter, options);
  const binding = loadNative();
  await callNativeAsync('conv2dAsync', () => binding.conv2dAsync(native));
  return { data: native.out, shape };
}
