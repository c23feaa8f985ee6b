/**
 * Channel-sliced convolution for channel-pruned layers: a search evaluates many slicings of the same full
 * weights (slicedConv2d, no tensor built per call), and an exported model gathers its kept weights once
 * (sliceConv2dWeights) and runs plain conv2d.
 */
import { type Activation, ErrorCode, type FloatTensor, argumentError } from '@amc/core';
import type { SliceConv2DWeightsNativeOptions, SlicedConv2DNativeOptions } from './binding/conv.js';
import { callNative, callNativeAsync } from './call.js';
import { checkNoOverlap, checkTensor, shapeMismatch } from './conv-common.js';
import { type Conv2DGeometryOptions, resolveConv2dGeometry } from './conv-geometry.js';
import { loadNative } from './load.js';
import { checkActivation, checkFloat32, checkIndexList, checkOptions, outputBuffer, type OptionKeys } from './validate.js';

const SLICED_CONV2_D_OPTIONS_KEYS: OptionKeys<SlicedConv2DOptions> = { inputChannels: true, outputChannels: true, inputLayout: true, bias: true, activation: true, out: true, strides: true, padding: true, dilations: true };

/** How the input of {@link slicedConv2d} holds its channels. */
export type SlicedInputLayout = 'full' | 'compact';

/** Options of {@link slicedConv2d}. */
export interface SlicedConv2DOptions extends Conv2DGeometryOptions {
  /** Kept input channels: distinct indices into the filter's input-channel axis, in the order they are used. */
  inputChannels: Int32Array | readonly number[];
  /** Kept output channels: distinct indices into the filter's output-channel axis; output channel i is outputChannels[i]. */
  outputChannels: Int32Array | readonly number[];
  /**
   * `full` (default): the input has all of the filter's input channels and only the kept ones are read.
   * `compact`: the input has exactly inputChannels.length channels, in list order.
   */
  inputLayout?: SlicedInputLayout;
  /** The full layer's bias (one value per filter output channel); sliced by outputChannels. */
  bias?: Float32Array;
  /** Fused activation. Default `none`. */
  activation?: Activation;
  /** Output buffer of n * outHeight * outWidth * outputChannels.length floats. Default: a new array. */
  out?: Float32Array;
}

/** The compact weights of a pruned conv layer, from {@link sliceConv2dWeights}. */
export interface SlicedConv2DWeights {
  /** `[kh, kw, inputChannels.length, outputChannels.length]`. */
  filter: FloatTensor;
  /** `outputChannels.length` values, present when a bias was given. */
  bias?: Float32Array;
}

const LAYOUTS: readonly SlicedInputLayout[] = ['full', 'compact'];

function prepareSliced(op: string, input: unknown, filter: unknown, options: unknown) {
  const o = checkOptions<SlicedConv2DOptions>(op, options, SLICED_CONV2_D_OPTIONS_KEYS);
  const x = checkTensor(op, 'input', input, 4, 'an NHWC tensor');
  const f = checkTensor(op, 'filter', filter, 4, 'the full HWIO filter [kh, kw, inChannels, outChannels]');
  const [kernelHeight, kernelWidth, filterIn, filterOut] = f.shape as [number, number, number, number];
  const inputChannels = checkIndexList(op, 'options.inputChannels', o.inputChannels, filterIn);
  const outputChannels = checkIndexList(op, 'options.outputChannels', o.outputChannels, filterOut);
  const layout = o.inputLayout ?? 'full';
  if (!LAYOUTS.includes(layout)) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.inputLayout', "'full' or 'compact'", o.inputLayout);
  }
  const expectedChannels = layout === 'full' ? filterIn : inputChannels.length;
  if (x.shape[3] !== expectedChannels) {
    shapeMismatch(
      op,
      'input.shape',
      layout === 'full'
        ? `${filterIn} channels (the filter's input channels, inputLayout 'full')`
        : `${inputChannels.length} channels (the kept input channels, inputLayout 'compact')`,
      x.shape,
    );
  }
  const g = resolveConv2dGeometry(op, x.shape, kernelHeight, kernelWidth, o);
  const shape = [g.batch, g.outHeight, g.outWidth, outputChannels.length];
  const out = outputBuffer(op, o.out, g.batch * g.outHeight * g.outWidth * outputChannels.length);
  const bias = o.bias === undefined ? undefined : checkFloat32(op, 'options.bias', o.bias, filterOut);
  checkNoOverlap(op, 'options.out', out, [x.data, f.data, bias]);
  const native: SlicedConv2DNativeOptions = {
    ...g,
    input: x.data,
    filter: f.data,
    filterInChannels: filterIn,
    filterOutChannels: filterOut,
    inputChannels,
    outputChannels,
    compact: layout === 'compact',
    out,
    activation: checkActivation(op, 'options.activation', o.activation),
  };
  if (bias !== undefined) native.bias = bias;
  return { native, shape };
}

/**
 * Convolution of the kept input channels with the kept (input, output) weights of a full HWIO filter, for a
 * search that evaluates many slicings of the same weights: the kernel gathers the kept input channels and
 * weights itself, so no sliced tensor is built per call.
 *
 * @param input `[n, h, w, filterInChannels]` (`full`) or `[n, h, w, inputChannels.length]` (`compact`).
 * @param filter the full filter `[kh, kw, filterInChannels, filterOutChannels]`.
 * @returns `[n, outHeight, outWidth, outputChannels.length]`, channel i computed from filter channel outputChannels[i].
 * @throws AmcError AMC_INVALID_ARGUMENT (empty lists, bad layout or geometry), AMC_INDEX_OUT_OF_RANGE (an index
 * out of range or repeated), AMC_SHAPE_MISMATCH (input channels, bias or out length).
 * @example
 * const y = slicedConv2d(x, w, { padding: 'same', inputChannels: [0, 2, 5], outputChannels: keep });
 */
export function slicedConv2d(input: FloatTensor, filter: FloatTensor, options: SlicedConv2DOptions): FloatTensor {
  const { native, shape } = prepareSliced('slicedConv2d', input, filter, options);
  const binding = loadNative();
  callNative('slicedConv2d', () => binding.slicedConv2d(native));
  return { data: native.out, shape };
}

/** {@link slicedConv2d} off the event loop. Do not touch the buffers until the promise settles. */
export async function slicedConv2dAsync(input: FloatTensor, filter: FloatTensor, options: SlicedConv2DOptions): Promise<FloatTensor> {
  const { native, shape } = prepareSliced('slicedConv2dAsync', input, filter, options);
  const binding = loadNative();
  await callNativeAsync('slicedConv2dAsync', () => binding.slicedConv2dAsync(native));
  return { data: native.out, shape };
}

function prepareWeights(op: string, filter: unknown, inputChannels: unknown, outputChannels: unknown, bias: unknown) {
  const f = checkTensor(op, 'filter', filter, 4, 'an HWIO filter [kh, kw, inChannels, outChannels]');
  const [kernelHeight, kernelWidth, inChannels, outChannels] = f.shape as [number, number, number, number];
  const kept = checkIndexList(op, 'inputChannels', inputChannels, inChannels);
  const keptOut = checkIndexList(op, 'outputChannels', outputChannels, outChannels);
  const native: SliceConv2DWeightsNativeOptions = {
    filter: f.data,
    kernelHeight,
    kernelWidth,
    inChannels,
    outChannels,
    inputChannels: kept,
    outputChannels: keptOut,
    outFilter: new Float32Array(kernelHeight * kernelWidth * kept.length * keptOut.length),
  };
  if (bias !== undefined) {
    native.bias = checkFloat32(op, 'bias', bias, outChannels);
    native.outBias = new Float32Array(keptOut.length);
  }
  const shape = [kernelHeight, kernelWidth, kept.length, keptOut.length];
  return { native, shape };
}

function weightsResult(native: SliceConv2DWeightsNativeOptions, shape: number[]): SlicedConv2DWeights {
  const result: SlicedConv2DWeights = { filter: { data: native.outFilter, shape } };
  if (native.outBias !== undefined) result.bias = native.outBias;
  return result;
}

/**
 * Gathers the kept weights of a conv layer once, for an exported pruned model that then runs plain
 * {@link conv2d} on compact activations.
 *
 * @param filter the full filter `[kh, kw, inChannels, outChannels]`.
 * @param inputChannels kept input channels (distinct indices, in the order of the compact input).
 * @param outputChannels kept output channels (distinct indices).
 * @param bias the full bias (outChannels values), sliced too when given.
 * @throws AmcError AMC_INVALID_ARGUMENT, AMC_INDEX_OUT_OF_RANGE, AMC_SHAPE_MISMATCH.
 * @example
 * const { filter, bias } = sliceConv2dWeights(w, keptIn, keptOut, b);
 * const y = conv2d(compactX, filter, { padding: 'same', bias });
 */
export function sliceConv2dWeights(
  filter: FloatTensor,
  inputChannels: Int32Array | readonly number[],
  outputChannels: Int32Array | readonly number[],
  bias?: Float32Array,
): SlicedConv2DWeights {
  const { native, shape } = prepareWeights('sliceConv2dWeights', filter, inputChannels, outputChannels, bias);
  const binding = loadNative();
  callNative('sliceConv2dWeights', () => binding.sliceConv2dWeights(native));
  return weightsResult(native, shape);
}

/** {@link sliceConv2dWeights} off the event loop. Do not touch the buffers until the promise settles. */
export async function sliceConv2dWeightsAsync(
  filter: FloatTensor,
  inputChannels: Int32Array | readonly number[],
  outputChannels: Int32Array | readonly number[],
  bias?: Float32Array,
): Promise<SlicedConv2DWeights> {
  const { native, shape } = prepareWeights('sliceConv2dWeightsAsync', filter, inputChannels, outputChannels, bias);
  const binding = loadNative();
  await callNativeAsync('sliceConv2dWeightsAsync', () => binding.sliceConv2dWeightsAsync(native));
  return weightsResult(native, shape);
}
