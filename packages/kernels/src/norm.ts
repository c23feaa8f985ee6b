/**
 * Batch normalisation over the channels (last dimension) of a tensor, for training (statistics from the batch)
 * and inference (given statistics), with a fused relu/relu6, and the training-mode gradient. The kernels behind
 * the amc-native tfjs backend's batch-norm layers: two passes forward and two backward, where tfjs's composite
 * ops take about 25.
 */
import { type Activation, ErrorCode, type FloatTensor, argumentError } from '@amc/core';
import type { BatchNormGradNativeOptions, BatchNormNativeOptions } from './binding/norm.js';
import { callNative, callNativeAsync } from './call.js';
import { checkNoOverlap, checkTensor } from './conv-common.js';
import { loadNative } from './load.js';
import { allocateFloat32, checkActivation, checkBool, checkFloat32, checkNumber, checkOptions, outputBuffer, type OptionKeys } from './validate.js';

const BATCH_NORM_OPTIONS_KEYS: OptionKeys<BatchNormOptions> = { gamma: true, beta: true, epsilon: true, training: true, mean: true, variance: true, activation: true, out: true };

const BATCH_NORM_GRAD_OPTIONS_KEYS: OptionKeys<BatchNormGradOptions> = { gamma: true, mean: true, variance: true, epsilon: true, dx: true };

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Scale per channel. Default 1. */
  gamma?: Float32Array;
  /** Offset per channel. Default 0. */
  beta?: Float32Array;
  /** Added to the variance. Default 1e-3 (tfjs's default). */
  epsilon?: number;
  /**
   * True: normalise with the batch's own mean and biased variance (returned). False (default): normalise with
   * `mean` and `variance`, which are then required.
   */
  training?: boolean;
  /** Per-channel mean (inference). */
  mean?: Float32Array;
  /** Per-channel variance (inference). */
  variance?: Float32Array;
  /** Fused activation. Default `none`. */
  activation?: Activation;
  /** Output buffer (may be the input's own data, to normalise in place). Default: a new array. */
  out?: Float32Array;
}

/** Result of {@link batchNorm}: the output and the statistics used (computed ones in training). */
export interface BatchNormResult {
  y: FloatTensor;
  mean: Float32Array;
  variance: Float32Array;
}

function channelsOf(op: string, x: { shape: number[] }): { rows: number; channels: number } {
  const channels = x.shape.at(-1) as number;
  const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  if (channels < 1 || rows < 1) {
    throw argumentError(ErrorCode.ShapeMismatch, op, 'x.shape', 'a non-empty tensor with channels last', x.shape);
  }
  return { rows, channels };
}

function prepare(op: string, input: unknown, options: unknown): { native: BatchNormNativeOptions; shape: number[] } {
  const o = checkOptions<BatchNormOptions>(op, options, BATCH_NORM_OPTIONS_KEYS);
  const x = checkTensor(op, 'x', input, -1, 'a tensor with channels last');
  const { rows, channels } = channelsOf(op, x);
  const training = checkBool(op, 'options.training', o.training, false);
  const epsilon = o.epsilon === undefined ? 1e-3 : checkNumber(op, 'options.epsilon', o.epsilon);
  if (epsilon < 0) throw argumentError(ErrorCode.InvalidArgument, op, 'options.epsilon', 'a number >= 0', epsilon);
  let mean: Float32Array;
  let variance: Float32Array;
  if (training) {
    mean = o.mean === undefined ? allocateFloat32(op, 'options.mean', channels) : checkFloat32(op, 'options.mean', o.mean, channels);
    variance =
      o.variance === undefined ? allocateFloat32(op, 'options.variance', channels) : checkFloat32(op, 'options.variance', o.variance, channels);
  } else {
    if (o.mean === undefined || o.variance === undefined) {
      throw argumentError(ErrorCode.InvalidArgument, op, 'options.mean', 'mean and variance (or training: true)', o.mean);
    }
    mean = checkFloat32(op, 'options.mean', o.mean, channels);
    variance = checkFloat32(op, 'options.variance', o.variance, channels);
  }
  const out = outputBuffer(op, o.out, x.data.length);
  const gamma = o.gamma === undefined ? undefined : checkFloat32(op, 'options.gamma', o.gamma, channels);
  const beta = o.beta === undefined ? undefined : checkFloat32(op, 'options.beta', o.beta, channels);
  if (out !== x.data) checkNoOverlap(op, 'options.out', out, [x.data, gamma, beta, mean, variance]);
  if (training) {
    checkNoOverlap(op, 'options.mean', mean, [x.data, gamma, beta, variance]);
    checkNoOverlap(op, 'options.variance', variance, [x.data, gamma, beta]);
  }
  const native: BatchNormNativeOptions = {
    x: x.data,
    rows,
    channels,
    epsilon,
    training,
    mean,
    variance,
    activation: checkActivation(op, 'options.activation', o.activation),
    out,
  };
  if (gamma !== undefined) native.gamma = gamma;
  if (beta !== undefined) native.beta = beta;
  return { native, shape: x.shape };
}

/**
 * Batch normalisation over the last dimension: `y = act(gamma * (x - mean) / sqrt(variance + epsilon) + beta)`.
 * In training the mean and the biased variance (tfjs's convention) come from x, computed in double over fixed
 * row blocks, so the result is the same for any thread count.
 *
 * @param x any rank >= 1, channels last (NHWC activations, or [batch, features]).
 * @throws AmcError AMC_INVALID_ARGUMENT, AMC_SHAPE_MISMATCH, AMC_NON_FINITE (epsilon).
 * @example
 * const { y, mean, variance } = batchNorm(x, { training: true, gamma, beta, epsilon: 1e-5 });
 */
export function batchNorm(x: FloatTensor, options?: BatchNormOptions): BatchNormResult {
  const { native, shape } = prepare('batchNorm', x, options);
  callNative('batchNorm', () => loadNative().batchNorm(native));
  return { y: { data: native.out, shape }, mean: native.mean, variance: native.variance };
}

/** {@link batchNorm} off the event loop. */
export async function batchNormAsync(x: FloatTensor, options?: BatchNormOptions): Promise<BatchNormResult> {
  const { native, shape } = prepare('batchNormAsync', x, options);
  await callNativeAsync('batchNormAsync', () => loadNative().batchNormAsync(native));
  return { y: { data: native.out, shape }, mean: native.mean, variance: native.variance };
}

/** Options of {@link batchNormGrad}. */
export interface BatchNormGradOptions {
  /** The forward scale. Default 1. */
  gamma?: Float32Array;
  /** The batch mean of the forward pass. */
  mean: Float32Array;
  /** The batch (biased) variance of the forward pass. */
  variance: Float32Array;
  /** The forward epsilon. Default 1e-3. */
  epsilon?: number;
  /** Output buffer for dx (overwritten; must not overlap dy or x). Default: a new array. */
  dx?: Float32Array;
}

/** Gradients of training-mode batch norm. */
export interface BatchNormGradResult {
  dx: FloatTensor;
  dgamma: Float32Array;
  dbeta: Float32Array;
}

function prepareGrad(op: string, dyIn: unknown, xIn: unknown, options: unknown): { native: BatchNormGradNativeOptions; shape: number[] } {
  if (options === undefined) throw argumentError(ErrorCode.InvalidArgument, op, 'options', 'an object with mean and variance', options);
  const o = checkOptions<BatchNormGradOptions>(op, options, BATCH_NORM_GRAD_OPTIONS_KEYS);
  const x = checkTensor(op, 'x', xIn, -1, 'a tensor with channels last');
  const dy = checkTensor(op, 'dy', dyIn, -1, 'a tensor with the shape of x');
  if (dy.shape.length !== x.shape.length || dy.shape.some((d, i) => d !== x.shape[i])) {
    throw argumentError(ErrorCode.ShapeMismatch, op, 'dy.shape', `[${x.shape.join(', ')}] (the shape of x)`, dy.shape);
  }
  const { rows, channels } = channelsOf(op, x);
  const epsilon = o.epsilon === undefined ? 1e-3 : checkNumber(op, 'options.epsilon', o.epsilon);
  if (epsilon < 0) throw argumentError(ErrorCode.InvalidArgument, op, 'options.epsilon', 'a number >= 0', epsilon);
  const native: BatchNormGradNativeOptions = {
    dy: dy.data,
    x: x.data,
    rows,
    channels,
    mean: checkFloat32(op, 'options.mean', o.mean, channels),
    variance: checkFloat32(op, 'options.variance', o.variance, channels),
    epsilon,
    dx: outputBuffer(op, o.dx, x.data.length, 'options.dx'),
    dgamma: allocateFloat32(op, 'dgamma', channels),
    dbeta: allocateFloat32(op, 'dbeta', channels),
  };
  if (o.gamma !== undefined) native.gamma = checkFloat32(op, 'options.gamma', o.gamma, channels);
  checkNoOverlap(op, 'options.dx', native.dx, [dy.data, x.data, native.mean, native.variance, native.gamma]);
  return { native, shape: x.shape };
}

/**
 * Gradient of training-mode {@link batchNorm} (statistics computed from x, so dx includes their dependence on
 * x): given dy, returns dx, dgamma and dbeta. Two passes over the data.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT, AMC_SHAPE_MISMATCH.
 * @example
 * const { dx, dgamma, dbeta } = batchNormGrad(dy, x, { gamma, mean, variance, epsilon: 1e-5 });
 */
export function batchNormGrad(dy: FloatTensor, x: FloatTensor, options: BatchNormGradOptions): BatchNormGradResult {
  const { native, shape } = prepareGrad('batchNormGrad', dy, x, options);
  callNative('batchNormGrad', () => loadNative().batchNormGrad(native));
  return { dx: { data: native.dx, shape }, dgamma: native.dgamma, dbeta: native.dbeta };
}

/** {@link batchNormGrad} off the event loop. */
export async function batchNormGradAsync(dy: FloatTensor, x: FloatTensor, options: BatchNormGradOptions): Promise<BatchNormGradResult> {
  const { native, shape } = prepareGrad('batchNormGradAsync', dy, x, options);
  await callNativeAsync('batchNormGradAsync', () => loadNative().batchNormGradAsync(native));
  return { dx: { data: native.dx, shape }, dgamma: native.dgamma, dbeta: native.dbeta };
}
