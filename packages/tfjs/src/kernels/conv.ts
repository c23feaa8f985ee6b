/**
 * Convolution kernels of amc-native: Conv2D, FusedConv2D, DepthwiseConv2dNative, FusedDepthwiseConv2D and the
 * four backprops, on @amc/kernels' native indirect-GEMM / depthwise kernels. NHWC float32 only; NCHW and other
 * dtypes go to tfjs's cpu kernels.
 */
import type { Activation } from '@amc/core';
import {
  conv2d,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  depthwiseConv2d,
  depthwiseConv2dBackpropFilter,
  depthwiseConv2dBackpropInput,
} from '@amc/kernels';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { type KernelConfig, type TensorInfo, backend_util } from '@tensorflow/tfjs-core';
import { type KernelArgs, alloc, allFloat32, convGeometry, cpuKernel, f32, fallback, output, sizeOf } from '../util.js';

type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Shape4 = [number, number, number, number];

interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: Rounding;
  activation?: backend_util.Activation;
  leakyreluAlpha?: number;
}

const NATIVE_ACTIVATIONS: Record<string, Activation> = { linear: 'none', relu: 'relu', relu6: 'relu6' };

/** A per-output-channel bias for the native kernel, or undefined when `bias` broadcasts some other way. */
function channelBias(backend: MathBackendCPU, bias: TensorInfo | undefined, channels: number): Float32Array | undefined | null {
  if (bias === undefined || bias === null) return undefined;
  const size = sizeOf(bias.shape);
  const values = f32(backend, bias);
  if (size === channels && bias.shape.slice(0, -1).every((d) => d === 1) && (bias.shape.length === 0 || bias.shape.at(-1) === channels)) {
    return values;
  }
  if (size === 1) return new Float32Array(channels).fill(values[0] as number);
  return null;
}

/** Applies a non-native fused activation with tfjs's cpu kernels, disposing the intermediate. */
function applyActivation(backend: MathBackendCPU, x: TensorInfo, args: KernelArgs, attrs: ConvAttrs): TensorInfo {
  const activation = attrs.activation ?? 'linear';
  if (activation in NATIVE_ACTIVATIONS) return x;
  let y: TensorInfo;
  switch (activation) {
    case 'elu':
      y = cpuKernel('Elu')({ inputs: { x }, backend }) as TensorInfo;
      break;
    case 'sigmoid':
      y = cpuKernel('Sigmoid')({ inputs: { x }, backend }) as TensorInfo;
      break;
    case 'leakyrelu':
      y = cpuKernel('LeakyRelu')({ inputs: { x }, backend, attrs: { alpha: attrs.leakyreluAlpha ?? 0.2 } }) as TensorInfo;
      break;
    case 'prelu':
      y = cpuKernel('Prelu')({ inputs: { x, alpha: args.inputs.preluActivationWeights as TensorInfo }, backend }) as TensorInfo;
      break;
    default:
      throw new Error(`amc-native: unknown fused activation ${String(activation)}`);
  }
  backend.disposeIntermediateTensorInfo(x);
  return y;
}

function nativeActivation(attrs: ConvAttrs): Activation {
  return NATIVE_ACTIVATIONS[attrs.activation ?? 'linear'] ?? 'none';
}

function forward(kernelName: string, depthwise: boolean, fused: boolean) {
  return (args: KernelArgs): TensorInfo => {
    const { backend } = args;
    const attrs = args.attrs as unknown as ConvAttrs;
    const x = args.inputs.x as TensorInfo;
    const filter = args.inputs.filter as TensorInfo;
    const bias = fused ? (args.inputs.bias as TensorInfo | undefined) : undefined;
    if (attrs.dataFormat === 'NCHW' || !allFloat32(x, filter, bias) || x.shape.length !== 4) {
      return fallback(kernelName, args) as TensorInfo;
    }
    const info = backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filter.shape as Shape4,
      attrs.strides,
      attrs.dilations ?? 1,
      attrs.pad,
      attrs.dimRoundingMode,
      depthwise,
      'channelsLast',
    );
    const geometry = convGeometry(info);
    const biasValues = channelBias(backend, bias, info.outChannels);
    if (geometry === undefined || biasValues === null) return fallback(kernelName, args) as TensorInfo;
    const input = { data: f32(backend, x), shape: x.shape };
    const w = { data: f32(backend, filter), shape: filter.shape };
    const options = {
      ...geometry,
      activation: fused ? nativeActivation(attrs) : ('none' as const),
      out: alloc(backend, info.batchSize * info.outHeight * info.outWidth * info.outChannels),
    };
    const y = depthwise
      ? depthwiseConv2d(input, w, biasValues === undefined ? options : { ...options, bias: biasValues })
      : conv2d(input, w, biasValues === undefined ? options : { ...options, bias: biasValues });
    const result = output(backend, y.shape, y.data);
    return fused ? applyActivation(backend, result, args, attrs) : result;
  };
}

interface BackpropAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: Rounding;
  inputShape?: Shape4;
  filterShape?: Shape4;
}

function backpropInput(kernelName: string, depthwise: boolean) {
  return (args: KernelArgs): TensorInfo => {
    const { backend } = args;
    const attrs = args.attrs as unknown as BackpropAttrs;
    const dy = args.inputs.dy as TensorInfo;
    const filter = args.inputs.filter as TensorInfo;
    const inputShape = attrs.inputShape as Shape4;
    if (attrs.dataFormat === 'NCHW' || !allFloat32(dy, filter)) return fallback(kernelName, args) as TensorInfo;
    const info = backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as Shape4,
      attrs.strides,
      attrs.dilations ?? 1,
      attrs.pad,
      attrs.dimRoundingMode,
      depthwise,
      'channelsLast',
    );
    const geometry = convGeometry(info);
    if (geometry === undefined) return fallback(kernelName, args) as TensorInfo;
    const dyT = { data: f32(backend, dy), shape: dy.shape };
    const w = { data: f32(backend, filter), shape: filter.shape };
    const options = { ...geometry, out: alloc(backend, sizeOf(inputShape)) };
    const dx = depthwise
      ? depthwiseConv2dBackpropInput(dyT, w, inputShape, options)
      : conv2dBackpropInput(dyT, w, inputShape, options);
    return output(backend, dx.shape, dx.data);
  };
}

function backpropFilter(kernelName: string, depthwise: boolean) {
  return (args: KernelArgs): TensorInfo => {
    const { backend } = args;
    const attrs = args.attrs as unknown as BackpropAttrs;
    const x = args.inputs.x as TensorInfo;
    const dy = args.inputs.dy as TensorInfo;
    const filterShape = attrs.filterShape as Shape4;
    if (attrs.dataFormat === 'NCHW' || !allFloat32(x, dy)) return fallback(kernelName, args) as TensorInfo;
    const info = backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filterShape,
      attrs.strides,
      attrs.dilations ?? 1,
      attrs.pad,
      attrs.dimRoundingMode,
      depthwise,
      'channelsLast',
    );
    const geometry = convGeometry(info);
    if (geometry === undefined) return fallback(kernelName, args) as TensorInfo;
    const input = { data: f32(backend, x), shape: x.shape };
    const dyT = { data: f32(backend, dy), shape: dy.shape };
    const options = { ...geometry, out: alloc(backend, sizeOf(filterShape)) };
    const dw = depthwise
      ? depthwiseConv2dBackpropFilter(input, dyT, filterShape, options)
      : conv2dBackpropFilter(input, dyT, filterShape, options);
    return output(backend, dw.shape, dw.data);
  };
}

function config(kernelName: string, kernelFunc: (args: KernelArgs) => TensorInfo): KernelConfig {
  return { kernelName, backendName: '', kernelFunc: kernelFunc as unknown as KernelConfig['kernelFunc'] };
}

/** The convolution kernels (backendName filled in at registration). */
export const convKernels: KernelConfig[] = [
  config('Conv2D', forward('Conv2D', false, false)),
  config('FusedConv2D', forward('FusedConv2D', false, true)),
  config('DepthwiseConv2dNative', forward('DepthwiseConv2dNative', true, false)),
  config('FusedDepthwiseConv2D', forward('FusedDepthwiseConv2D', true, true)),
  config('Conv2DBackpropInput', backpropInput('Conv2DBackpropInput', false)),
  config('Conv2DBackpropFilter', backpropFilter('Conv2DBackpropFilter', false)),
  config('DepthwiseConv2dNativeBackpropInput', backpropInput('DepthwiseConv2dNativeBackpropInput', true)),
  config('DepthwiseConv2dNativeBackpropFilter', backpropFilter('DepthwiseConv2dNativeBackpropFilter', true)),
];
