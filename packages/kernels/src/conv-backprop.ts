/**
 * Gradients of conv2d and depthwiseConv2d for training, with tfjs semantics (the same values as the gradients
 * tf.conv2d / tf.depthwiseConv2d register): given dy = dLoss/dOutput, the input gradient dx and the filter
 * gradient dW.
 */
import type { FloatTensor } from '@amc/core';
import type {
  Conv2DBackpropFilterNativeOptions,
  Conv2DBackpropInputNativeOptions,
  DepthwiseBackpropFilterNativeOptions,
  DepthwiseBackpropInputNativeOptions,
} from './binding/conv.js';
import { callNative, callNativeAsync } from './call.js';
import { checkGroups, checkNoOverlap, checkShape, checkTensor, shapeMismatch } from './conv-common.js';
import { type Conv2DGeometry, type Conv2DGeometryOptions, resolveConv2dGeometry } from './conv-geometry.js';
import { loadNative } from './load.js';
import { checkOptions, outputBuffer, type OptionKeys } from './validate.js';

const DEPTHWISE_CONV2_D_BACKPROP_OPTIONS_KEYS: OptionKeys<DepthwiseConv2DBackpropOptions> = { out: true, strides: true, padding: true, dilations: true };

const CONV2_D_BACKPROP_OPTIONS_KEYS: OptionKeys<Conv2DBackpropOptions> = { groups: true, out: true, strides: true, padding: true, dilations: true };

/** Options of {@link conv2dBackpropInput} and {@link conv2dBackpropFilter}: the forward conv's geometry and groups. */
export interface Conv2DBackpropOptions extends Conv2DGeometryOptions {
  /** The forward conv's channel groups. Default 1. */
  groups?: number;
  /** Output buffer (dx or dW; overwritten, must not overlap the inputs). Default: a new array. */
  out?: Float32Array;
}

/** Options of the depthwise gradients: the forward conv's geometry. */
export interface DepthwiseConv2DBackpropOptions extends Conv2DGeometryOptions {
  /** Output buffer (dx or dW; overwritten, must not overlap the inputs). Default: a new array. */
  out?: Float32Array;
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function checkDy(op: string, dy: unknown, g: Conv2DGeometry, outChannels: number): Float32Array {
  const t = checkTensor(op, 'dy', dy, 4, 'an NHWC tensor');
  const expected = [g.batch, g.outHeight, g.outWidth, outChannels];
  if (t.shape.some((d, i) => d !== expected[i])) {
    shapeMismatch(op, 'dy.shape', `[${expected.join(', ')}] (the forward conv's output shape)`, t.shape);
  }
  return t.data;
}

function prepareInput(op: string, dy: unknown, filter: unknown, inputShape: unknown, options: unknown) {
  const o = checkOptions<Conv2DBackpropOptions>(op, options, CONV2_D_BACKPROP_OPTIONS_KEYS);
  const f = checkTensor(op, 'filter', filter, 4, 'an HWIO filter [kh, kw, inChannels / groups, outChannels]');
  const shape = checkShape(op, 'inputShape', inputShape, 4, 'an NHWC shape [n, h, w, c]');
  const [kernelHeight, kernelWidth, , outChannels] = f.shape as [number, number, number, number];
  const groups = checkGroups(op, o.groups, shape[3] as number, f.shape);
  const g = resolveConv2dGeometry(op, shape, kernelHeight, kernelWidth, o);
  const dyData = checkDy(op, dy, g, outChannels);
  const out = outputBuffer(op, o.out, product(shape));
  checkNoOverlap(op, 'options.out', out, [dyData, f.data]);
  const native: Conv2DBackpropInputNativeOptions = { ...g, dy: dyData, filter: f.data, out, outChannels, groups };
  return { native, shape };
}

function prepareFilter(op: string, input: unknown, dy: unknown, filterShape: unknown, options: unknown) {
  const o = checkOptions<Conv2DBackpropOptions>(op, options, CONV2_D_BACKPROP_OPTIONS_KEYS);
  const x = checkTensor(op, 'input', input, 4, 'an NHWC tensor');
  const shape = checkShape(op, 'filterShape', filterShape, 4, 'an HWIO shape [kh, kw, inChannels / groups, outChannels]');
  const [kernelHeight, kernelWidth, , outChannels] = shape as [number, number, number, number];
  const groups = checkGroups(op, o.groups, x.shape[3] as number, shape);
  const g = resolveConv2dGeometry(op, x.shape, kernelHeight, kernelWidth, o);
  const dyData = checkDy(op, dy, g, outChannels);
  const out = outputBuffer(op, o.out, product(shape));
  checkNoOverlap(op, 'options.out', out, [dyData, x.data]);
  const native: Conv2DBackpropFilterNativeOptions = { ...g, input: x.data, dy: dyData, out, outChannels, groups };
  return { native, shape };
}

function prepareDepthwiseInput(op: string, dy: unknown, filter: unknown, inputShape: unknown, options: unknown) {
  const o = checkOptions<DepthwiseConv2DBackpropOptions>(op, options, DEPTHWISE_CONV2_D_BACKPROP_OPTIONS_KEYS);
  const f = checkTensor(op, 'filter', filter, 4, 'a depthwise filter [kh, kw, inChannels, multiplier]');
  const shape = checkShape(op, 'inputShape', inputShape, 4, 'an NHWC shape [n, h, w, c]');
  const [kernelHeight, kernelWidth, channels, multiplier] = f.shape as [number, number, number, number];
  if (channels !== shape[3] || multiplier < 1) {
    shapeMismatch(op, 'filter.shape', `[kh, kw, ${shape[3]}, multiplier >= 1] (the input channels)`, f.shape);
  }
  const g = resolveConv2dGeometry(op, shape, kernelHeight, kernelWidth, o);
  const dyData = checkDy(op, dy, g, channels * multiplier);
  const out = outputBuffer(op, o.out, product(shape));
  checkNoOverlap(op, 'options.out', out, [dyData, f.data]);
  const native: DepthwiseBackpropInputNativeOptions = { ...g, dy: dyData, filter: f.data, out, multiplier };
  return { native, shape };
}

function prepareDepthwiseFilter(op: string, input: unknown, dy: unknown, filterShape: unknown, options: unknown) {
  const o = checkOptions<DepthwiseConv2DBackpropOptions>(op, options, DEPTHWISE_CONV2_D_BACKPROP_OPTIONS_KEYS);
  const x = checkTensor(op, 'input', input, 4, 'an NHWC tensor');
  const shape = checkShape(op, 'filterShape', filterShape, 4, 'a depthwise shape [kh, kw, inChannels, multiplier]');
  const [kernelHeight, kernelWidth, channels, multiplier] = shape as [number, number, number, number];
  if (channels !== x.shape[3] || multiplier < 1) {
    shapeMismatch(op, 'filterShape', `[kh, kw, ${x.shape[3]}, multiplier >= 1] (the input channels)`, shape);
  }
  const g = resolveConv2dGeometry(op, x.shape, kernelHeight, kernelWidth, o);
  const dyData = checkDy(op, dy, g, channels * multiplier);
  const out = outputBuffer(op, o.out, product(shape));
  checkNoOverlap(op, 'options.out', out, [dyData, x.data]);
  const native: DepthwiseBackpropFilterNativeOptions = { ...g, input: x.data, dy: dyData, out, multiplier };
  return { native, shape };
}

/**
 * Gradient of {@link conv2d} with respect to its input: dx from dy. Runs as a forward indirect GEMM per stride
 * phase (no col2im scatter), parallel and race-free.
 *
 * @param dy `[n, outHeight, outWidth, outChannels]`, the gradient of the conv's output.
 * @param filter the forward filter `[kh, kw, inChannels / groups, outChannels]`.
 * @param inputShape the forward input's shape `[n, h, w, inChannels]`.
 * @param options the forward conv's strides, padding, dilations and groups.
 * @returns dx with shape `inputShape`.
 * @throws AmcError AMC_INVALID_ARGUMENT, AMC_SHAPE_MISMATCH (dy not the forward output shape, filter channels).
 * @example
 * const dx = conv2dBackpropInput(dy, w, x.shape, { strides: 2, padding: 'same' });
 */
export function conv2dBackpropInput(
  dy: FloatTensor,
  filter: FloatTensor,
  inputShape: readonly number[],
  options?: Conv2DBackpropOptions,
): FloatTensor {
  const { native, shape } = prepareInput('conv2dBackpropInput', dy, filter, inputShape, options);
  const binding = loadNative();
  callNative('conv2dBackpropInput', () => binding.conv2dBackpropInput(native));
  return { data: native.out, shape };
}

/** {@link conv2dBackpropInput} off the event loop. Do not touch the buffers until the promise settles. */
export async function conv2dBackpropInputAsync(
  dy: FloatTensor,
  filter: FloatTensor,
  inputShape: readonly number[],
  options?: Conv2DBackpropOptions,
): Promise<FloatTensor> {
  const { native, shape } = prepareInput('conv2dBackpropInputAsync', dy, filter, inputShape, options);
  const binding = loadNative();
  await callNativeAsync('conv2dBackpropInputAsync', () => binding.conv2dBackpropInputAsync(native));
  return { data: native.out, shape };
}

/**
 * Gradient of {@link conv2d} with respect to its filter: dW = im2col(input)^T * dy, a GEMM over the output
 * pixels with per-thread partial sums.
 *
 * @param input the forward input `[n, h, w, inChannels]`.
 * @param dy `[n, outHeight, outWidth, outChannels]`.
 * @param filterShape `[kh, kw, inChannels / groups, outChannels]`.
 * @returns dW with shape `filterShape`.
 * @throws AmcError AMC_INVALID_ARGUMENT, AMC_SHAPE_MISMATCH.
 * @example
 * const dw = conv2dBackpropFilter(x, dy, [3, 3, 16, 32], { padding: 'same' });
 */
export function conv2dBackpropFilter(
  input: FloatTensor,
  dy: FloatTensor,
  filterShape: readonly number[],
  options?: Conv2DBackpropOptions,
): FloatTensor {
  const { native, shape } = prepareFilter('conv2dBackpropFilter', input, dy, filterShape, options);
  const binding = loadNative();
  callNative('conv2dBackpropFilter', () => binding.conv2dBackpropFilter(native));
  return { data: native.out, shape };
}

/** {@link conv2dBackpropFilter} off the event loop. Do not touch the buffers until the promise settles. */
export async function conv2dBackpropFilterAsync(
  input: FloatTensor,
  dy: FloatTensor,
  filterShape: readonly number[],
  options?: Conv2DBackpropOptions,
): Promise<FloatTensor> {
  const { native, shape } = prepareFilter('conv2dBackpropFilterAsync', input, dy, filterShape, options);
  const binding = loadNative();
  await callNativeAsync('conv2dBackpropFilterAsync', () => binding.conv2dBackpropFilterAsync(native));
  return { data: native.out, shape };
}

/**
 * Gradient of {@link depthwiseConv2d} with respect to its input.
 *
 * @param dy `[n, outHeight, outWidth, c * multiplier]`.
 * @param filter `[kh, kw, c, multiplier]`.
 * @param inputShape `[n, h, w, c]`.
 * @returns dx with shape `inputShape`.
 * @throws AmcError AMC_INVALID_ARGUMENT, AMC_SHAPE_MISMATCH.
 * @example
 * const dx = depthwiseConv2dBackpropInput(dy, w, x.shape, { padding: 'same' });
 */
export function depthwiseConv2dBackpropInput(
  dy: FloatTensor,
  filter: FloatTensor,
  inputShape: readonly number[],
  options?: DepthwiseConv2DBackpropOptions,
): FloatTensor {
  const { native, shape } = prepareDepthwiseInput('depthwiseConv2dBackpropInput', dy, filter, inputShape, options);
  const binding = loadNative();
  callNative('depthwiseConv2dBackpropInput', () => binding.depthwiseConv2dBackpropInput(native));
  return { data: native.out, shape };
}

/** {@link depthwiseConv2dBackpropInput} off the event loop. Do not touch the buffers until the promise settles. */
export async function depthwiseConv2dBackpropInputAsync(
  dy: FloatTensor,
  filter: FloatTensor,
  inputShape: readonly number[],
  options?: DepthwiseConv2DBackpropOptions,
): Promise<FloatTensor> {
  const { native, shape } = prepareDepthwiseInput('depthwiseConv2dBackpropInputAsync', dy, filter, inputShape, options);
  const binding = loadNative();
  await callNativeAsync('depthwiseConv2dBackpropInputAsync', () => binding.depthwiseConv2dBackpropInputAsync(native));
  return { data: native.out, shape };
}

/**
 * Gradient of {@link depthwiseConv2d} with respect to its filter.
 *
 * @param input `[n, h, w, c]`.
 * @param dy `[n, outHeight, outWidth, c * multiplier]`.
 * @param filterShape `[kh, kw, c, multiplier]`.
 * @returns dW with shape `filterShape`.
 * @throws AmcError AMC_INVALID_ARGUMENT, AMC_SHAPE_MISMATCH.
 * @example
 * const dw = depthwiseConv2dBackpropFilter(x, dy, [3, 3, 32, 1], { strides: 2, padding: 'same' });
 */
export function depthwiseConv2dBackpropFilter(
  input: FloatTensor,
  dy: FloatTensor,
  filterShape: readonly number[],
  options?: DepthwiseConv2DBackpropOptions,
): FloatTensor {
  const { native, shape } = prepareDepthwiseFilter('depthwiseConv2dBackpropFilter', input, dy, filterShape, options);
  const binding = loadNative();
  callNative('depthwiseConv2dBackpropFilter', () => binding.depthwiseConv2dBackpropFilter(native));
  return { data: native.out, shape };
}

/** {@link depthwiseConv2dBackpropFilter} off the event loop. Do not touch the buffers until the promise settles. */
export async function depthwiseConv2dBackpropFilterAsync(
  input: FloatTensor,
  dy: FloatTensor,
  filterShape: readonly number[],
  options?: DepthwiseConv2DBackpropOptions,
): Promise<FloatTensor> {
  const { native, shape } = prepareDepthwiseFilter('depthwiseConv2dBackpropFilterAsync', input, dy, filterShape, options);
  const binding = loadNative();
  await callNativeAsync('depthwiseConv2dBackpropFilterAsync', () => binding.depthwiseConv2dBackpropFilterAsync(native));
  return { data: native.out, shape };
}
