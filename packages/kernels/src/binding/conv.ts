import type { Conv2DGeometry } from '../conv-geometry.js';
import type { AsyncOp, NativeActivation, Op } from './types.js';

/** conv2d: NHWC input, HWIO filter [kh, kw, inChannels / groups, outChannels], NHWC out. */
export interface Conv2DNativeOptions extends Conv2DGeometry {
  input: Float32Array;
  filter: Float32Array;
  bias?: Float32Array;
  out: Float32Array;
  outChannels: number;
  groups?: number;
  activation?: NativeActivation;
}

/** depthwiseConv2d: filter [kh, kw, inChannels, multiplier], out channel c * multiplier + m. */
export interface DepthwiseConv2DNativeOptions extends Conv2DGeometry {
  input: Float32Array;
  filter: Float32Array;
  bias?: Float32Array;
  out: Float32Array;
  multiplier?: number;
  activation?: NativeActivation;
}

/** conv2dBackpropInput: `out` receives dx (the geometry is the forward conv's, its input is dx's shape). */
export interface Conv2DBackpropInputNativeOptions extends Conv2DGeometry {
  dy: Float32Array;
  filter: Float32Array;
  out: Float32Array;
  outChannels: number;
  groups?: number;
}

/** conv2dBackpropFilter: `out` receives dW [kh, kw, inChannels / groups, outChannels]. */
export interface Conv2DBackpropFilterNativeOptions extends Conv2DGeometry {
  input: Float32Array;
  dy: Float32Array;
  out: Float32Array;
  outChannels: number;
  groups?: number;
}

/** depthwiseConv2dBackpropInput: `out` receives dx. */
export interface DepthwiseBackpropInputNativeOptions extends Conv2DGeometry {
  dy: Float32Array;
  filter: Float32Array;
  out: Float32Array;
  multiplier?: number;
}

/** depthwiseConv2dBackpropFilter: `out` receives dW [kh, kw, inChannels, multiplier]. */
export interface DepthwiseBackpropFilterNativeOptions extends Conv2DGeometry {
  input: Float32Array;
  dy: Float32Array;
  out: Float32Array;
  multiplier?: number;
}

/**
 * slicedConv2d: the filter is the full [kh, kw, filterInChannels, filterOutChannels] one; `inChannels` of the
 * geometry is the input's channel count (filterInChannels, or inputChannels.length when compact).
 */
export interface SlicedConv2DNativeOptions extends Conv2DGeometry {
  input: Float32Array;
  filter: Float32Array;
  filterInChannels: number;
  filterOutChannels: number;
  inputChannels: Int32Array;
  outputChannels: Int32Array;
  compact?: boolean;
  bias?: Float32Array;
  out: Float32Array;
  activation?: NativeActivation;
}

/** sliceConv2dWeights: gathers the kept weights (and bias) into outFilter (and outBias). */
export interface SliceConv2DWeightsNativeOptions {
  filter: Float32Array;
  kernelHeight: number;
  kernelWidth: number;
  inChannels: number;
  outChannels: number;
  inputChannels: Int32Array;
  outputChannels: Int32Array;
  outFilter: Float32Array;
  bias?: Float32Array;
  outBias?: Float32Array;
}

/** The conv family's native functions. */
export interface ConvBinding {
  conv2d: Op<Conv2DNativeOptions>;
  conv2dAsync: AsyncOp<Conv2DNativeOptions>;
  depthwiseConv2d: Op<DepthwiseConv2DNativeOptions>;
  depthwiseConv2dAsync: AsyncOp<DepthwiseConv2DNativeOptions>;
  conv2dBackpropInput: Op<Conv2DBackpropInputNativeOptions>;
  conv2dBackpropInputAsync: AsyncOp<Conv2DBackpropInputNativeOptions>;
  conv2dBackpropFilter: Op<Conv2DBackpropFilterNativeOptions>;
  conv2dBackpropFilterAsync: AsyncOp<Conv2DBackpropFilterNativeOptions>;
  depthwiseConv2dBackpropInput: Op<DepthwiseBackpropInputNativeOptions>;
  depthwiseConv2dBackpropInputAsync: AsyncOp<DepthwiseBackpropInputNativeOptions>;
  depthwiseConv2dBackpropFilter: Op<DepthwiseBackpropFilterNativeOptions>;
  depthwiseConv2dBackpropFilterAsync: AsyncOp<DepthwiseBackpropFilterNativeOptions>;
  slicedConv2d: Op<SlicedConv2DNativeOptions>;
  slicedConv2dAsync: AsyncOp<SlicedConv2DNativeOptions>;
  sliceConv2dWeights: Op<SliceConv2DWeightsNativeOptions>;
  sliceConv2dWeightsAsync: AsyncOp<SliceConv2DWeightsNativeOptions>;
}

/** Every function of {@link ConvBinding} (checked against the addon's exports by binding.test.ts). */
export const CONV_FUNCTION_NAMES = [
  'conv2d',
  'conv2dAsync',
  'depthwiseConv2d',
  'depthwiseConv2dAsync',
  'conv2dBackpropInput',
  'conv2dBackpropInputAsync',
  'conv2dBackpropFilter',
  'conv2dBackpropFilterAsync',
  'depthwiseConv2dBackpropInput',
  'depthwiseConv2dBackpropInputAsync',
  'depthwiseConv2dBackpropFilter',
  'depthwiseConv2dBackpropFilterAsync',
  'slicedConv2d',
  'slicedConv2dAsync',
  'sliceConv2dWeights',
  'sliceConv2dWeightsAsync',
] as const satisfies readonly (keyof ConvBinding)[];
