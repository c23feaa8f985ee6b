import { ErrorCode, argumentError } from '@amc/core';
import { checkDims, checkInt } from './validate.js';

/** Padding of a 2-D convolution: tfjs's `same` / `valid`, or explicit `[top, bottom, left, right]`. */
export type Conv2DPadding = 'same' | 'valid' | readonly [number, number, number, number];

/** The geometry options every 2-D convolution accepts. */
export interface Conv2DGeometryOptions {
  /** `[strideH, strideW]` or one number for both. Default 1. */
  strides?: number | readonly [number, number];
  /** Default `valid`. `same` pads like tfjs: total = max((out - 1) * stride + effectiveKernel - in, 0), top/left get floor(total / 2). */
  padding?: Conv2DPadding;
  /** `[dilationH, dilationW]` or one number for both. Default 1. */
  dilations?: number | readonly [number, number];
}

/**
 * A fully resolved convolution geometry (NHWC input, output size computed). Native option objects spread it
 * (`{ ...geometry, input, ... }`); the native `ConvGeometry` struct (native/include/amc/conv-geometry.h) reads the
 * same camelCase keys into snake_case fields and validates them again.
 */
export interface Conv2DGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  outHeight: number;
  outWidth: number;
}

function pair(op: string, argument: string, value: unknown, min: number): [number, number] {
  if (value === undefined) return [1, 1];
  if (typeof value === 'number') {
    checkInt(op, argument, value, min, 1 << 16);
    return [value, value];
  }
  if (!Array.isArray(value) || value.length !== 2) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, 'a number or [height, width]', value);
  }
  return [checkInt(op, `${argument}[0]`, value[0], min, 1 << 16), checkInt(op, `${argument}[1]`, value[1], min, 1 << 16)];
}

/**
 * Validates an NHWC input shape, a kernel size and the geometry options, and computes the output size.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT (bad shape, stride, dilation or padding), AMC_SHAPE_MISMATCH (the
 * dilated kernel does not fit the padded input).
 */
export function resolveConv2dGeometry(
  op: string,
  inputShape: unknown,
  kernelHeight: number,
  kernelWidth: number,
  options: Conv2DGeometryOptions,
): Conv2DGeometry {
  if (!Array.isArray(inputShape) || inputShape.length !== 4) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'input.shape', 'an NHWC shape [n, h, w, c]', inputShape);
  }
  checkDims(op, 'input.shape', inputShape as number[]);
  const [batch, inHeight, inWidth, inChannels] = inputShape as [number, number, number, number];
  checkInt(op, 'kernel height', kernelHeight, 1, 1 << 16);
  checkInt(op, 'kernel width', kernelWidth, 1, 1 << 16);
  const [strideHeight, strideWidth] = pair(op, 'options.strides', options.strides, 1);
  const [dilationHeight, dilationWidth] = pair(op, 'options.dilations', options.dilations, 1);
  const effH = (kernelHeight - 1) * dilationHeight + 1;
  const effW = (kernelWidth - 1) * dilationWidth + 1;
  const padding = options.padding ?? 'valid';
  let padTop = 0;
  let padBottom = 0;
  let padLeft = 0;
  let padRight = 0;
  if (padding === 'same') {
    const outH = Math.ceil(inHeight / strideHeight);
    const outW = Math.ceil(inWidth / strideWidth);
    const totalH = Math.max((outH - 1) * strideHeight + effH - inHeight, 0);
    const totalW = Math.max((outW - 1) * strideWidth + effW - inWidth, 0);
    padTop = Math.floor(totalH / 2);
    padBottom = totalH - padTop;
    padLeft = Math.floor(totalW / 2);
    padRight = totalW - padLeft;
  } else if (padding !== 'valid') {
    if (!Array.isArray(padding) || padding.length !== 4) {
      throw argumentError(ErrorCode.InvalidArgument, op, 'options.padding', "'same', 'valid' or [top, bottom, left, right]", padding);
    }
    [padTop, padBottom, padLeft, padRight] = padding.map((p, i) => checkInt(op, `options.padding[${i}]`, p, 0, 1 << 16)) as [
      number,
      number,
      number,
      number,
    ];
  }
  const spanH = inHeight + padTop + padBottom - effH;
  const spanW = inWidth + padLeft + padRight - effW;
  if (spanH < 0 || spanW < 0) {
    throw argumentError(
      ErrorCode.ShapeMismatch,
      op,
      'filter',
      `a dilated kernel (${effH}x${effW}) no larger than the padded input (${inHeight + padTop + padBottom}x${inWidth + padLeft + padRight})`,
      [kernelHeight, kernelWidth],
    );
  }
  return {
    batch,
    inHeight,
    inWidth,
    inChannels,
    kernelHeight,
    kernelWidth,
    strideHeight,
    strideWidth,
    dilationHeight,
    dilationWidth,
    padTop,
    padBottom,
    padLeft,
    padRight,
    outHeight: Math.floor(spanH / strideHeight) + 1,
    outWidth: Math.floor(spanW / strideWidth) + 1,
  };
}
