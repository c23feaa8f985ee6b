/**
 * Convolution kernels of amc-native: Conv2D, FusedConv2D, DepthwiseConv2dNative, FusedDepthwiseConv2D and the
 * four backprops, on @amc/kernels' native indirect-GEMM / depthwise kernels. NHWC float32 only; NCHW and other
 * dtypes go to tfjs's cpu kernels.
 */
import {
  conv2d,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  depthwiseConv2d,
  depthwiseConv2dBackpropFilter,
  depthwiseConv2dBackpropInput,
} from '@amc/kernels';
import { type KernelConfig, type TensorInfo, backend_util } from '@tensorflow/tfjs-core';
import {
  type KernelArgs,
  NATIVE_ACTIVATIONS,
  alloc,
  allFloat32,
  applyFusedActivation,
  convGeometry,
  f32,
  fallback,
  kernelConfig,
  output,
  perChannel,
  sizeOf,
} from '../util.js';

type Shape4 = [number, number, number, number];

/** The attributes of every conv kernel tfjs sends (forward ones add the fused activation, backprops a shape). */
interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: backend_util.Activation;
  leakyreluAlpha?: number;
  inputShape?: Shape4;
  filterShape?: Shape4;
}

/** tfjs's conv info and our explicit geometry for it, or undefined when only tfjs's kernel can do it. */
function plan(attrs: ConvAttrs, inputShape: readonly number[], filterShape: readonly number[], depthwise: boolean) {
  if (attrs.dataFormat === 'NCHW' || inputShape.length !== 4) return undefined;
  const info = backend_util.computeConv2DInfo(
    inputShape as Shape4,
    filterShape as Shape4,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    'channelsLast',
  );
  const geometry = convGeometry(info);
  return geometry === undefined ? undefined : { info, geometry };
}

function forward(kernelName: string, depthwise: boolean, fused: boolean) {
  return (args: KernelArgs): TensorInfo => {
    const { backend } = args;
    const attrs = args.attrs as unknown as ConvAttrs;
    const x = args.inputs.x as TensorInfo;
    const filter = args.inputs.filter as TensorInfo;
    const bias = fused ? (args.inputs.bias as TensorInfo | undefined) : undefined;
    const p = allFloat32(x, filter, bias) ? plan(attrs, x.shape, filter.shape, depthwise) : undefined;
    const biasValues = p === undefined ? null : perChannel(backend, bias, p.info.outChannels);
    if (p === undefined || biasValues === null) return fallback(kernelName, args) as TensorInfo;
    const { info, geometry } = p;
    const input = { data: f32(backend, x), shape: x.shape };
    const w = { data: f32(backend, filter), shape: filter.shape };
    const options = {
      ...geometry,
      activation: fused ? (NATIVE_ACTIVATIONS[attrs.activation ?? 'linear'] ?? 'none') : ('none' as const),
      out: alloc(backend, info.batchSize * info.outHeight * info.outWidth * info.outChannels),
      ...(biasValues === undefined ? {} : { bias: biasValues }),
    };
    const y = depthwise ? depthwiseConv2d(input, w, options) : conv2d(input, w, options);
    const result = output(backend, y.shape, y.data);
    if (!fused) return result;
    return applyFusedActivation(backend, result, attrs.activation, args.inputs.preluActivationWeights as TensorInfo | undefined, attrs.leakyreluAlpha);
  };
}

/** The gradient of a conv with respect to its input (`dx` from dy and the filter) or its filter (from x and dy). */
function backprop(kernelName: string, depthwise: boolean, wrt: 'input' | 'filter') {
  return (args: KernelArgs): TensorInfo => {
    const { backend } = args;
    const attrs = args.attrs as unknown as ConvAttrs;
    const dy = args.inputs.dy as TensorInfo;
    const other = (wrt === 'input' ? args.inputs.filter : args.inputs.x) as TensorInfo;
    const inputShape = wrt === 'input' ? (attrs.inputShape as Shape4) : other.shape;
    const filterShape = wrt === 'input' ? other.shape : (attrs.filterShape as Shape4);
    const p = allFloat32(dy, other) ? plan(attrs, inputShape, filterShape, depthwise) : undefined;
    if (p === undefined) return fallback(kernelName, args) as TensorInfo;
    const dyT = { data: f32(backend, dy), shape: dy.shape };
    const otherT = { data: f32(backend, other), shape: other.shape };
    const resultShape = wrt === 'input' ? inputShape : filterShape;
    const options = { ...p.geometry, out: alloc(backend, sizeOf(resultShape)) };
    let r;
    if (wrt === 'input') {
      r = depthwise
        ? depthwiseConv2dBackpropInput(dyT, otherT, inputShape, options)
        : conv2dBackpropInput(dyT, otherT, inputShape, options);
    } else {
      r = depthwise
        ? depthwiseConv2dBackpropFilter(otherT, dyT, filterShape, options)
        : conv2dBackpropFilter(otherT, dyT, filterShape, options);
    }
    return output(backend, r.shape, r.data);
  };
}

/** The convolution kernels (backendName filled in at registration). */
export const convKernels: KernelConfig[] = [
  kernelConfig('Conv2D', forward('Conv2D', false, false)),
  kernelConfig('FusedConv2D', forward('FusedConv2D', false, true)),
  kernelConfig('DepthwiseConv2dNative', forward('DepthwiseConv2dNative', true, false)),
  kernelConfig('FusedDepthwiseConv2D', forward('FusedDepthwiseConv2D', true, true)),
  kernelConfig('Conv2DBackpropInput', backprop('Conv2DBackpropInput', false, 'input')),
  kernelConfig('Conv2DBackpropFilter', backprop('Conv2DBackpropFilter', false, 'filter')),
  kernelConfig('DepthwiseConv2dNativeBackpropInput', backprop('DepthwiseConv2dNativeBackpropInput', true, 'input')),
  kernelConfig('DepthwiseConv2dNativeBackpropFilter', backprop('DepthwiseConv2dNativeBackpropFilter', true, 'filter')),
];
