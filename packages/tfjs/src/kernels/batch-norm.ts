/**
 * Batch norm on amc-native: tfjs's FusedBatchNorm kernel (normalisation with given statistics: inference, or
 * tf.batchNorm) on the native kernel, plus two kernels of our own behind the training-mode fast path of
 * tfjs-layers' BatchNormalization (see ../layers.ts): AmcBatchNormTraining (batch statistics + normalisation in
 * two passes) and AmcBatchNormTrainingGrad (dx, dgamma, dbeta in two passes).
 */
import { batchNorm, batchNormGrad } from '@amc/kernels';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { type KernelArgs, alloc, f32, fallback, kernelConfig, output, perChannel, sizeOf } from '../util.js';

/** Name of the training-mode batch-norm kernel (inputs x, gamma, beta; attrs epsilon; outputs y, mean, variance). */
export const BATCH_NORM_TRAINING = 'AmcBatchNormTraining';
/** Name of its gradient kernel (inputs dy, x, gamma, mean, variance; attrs epsilon; outputs dx, dgamma, dbeta). */
export const BATCH_NORM_TRAINING_GRAD = 'AmcBatchNormTrainingGrad';

function fusedBatchNorm(args: KernelArgs): TensorInfo {
  const x = args.inputs.x as TensorInfo;
  const epsilon = Number((args.attrs as { varianceEpsilon?: number } | undefined)?.varianceEpsilon ?? 1e-3);
  if (x.dtype !== 'float32' || x.shape.length === 0 || sizeOf(x.shape) === 0) return fallback('FusedBatchNorm', args) as TensorInfo;
  const channels = x.shape.at(-1) as number;
  const mean = perChannel(args.backend, args.inputs.mean as TensorInfo, channels);
  const variance = perChannel(args.backend, args.inputs.variance as TensorInfo, channels);
  const gamma = perChannel(args.backend, args.inputs.scale as TensorInfo | undefined, channels);
  const beta = perChannel(args.backend, args.inputs.offset as TensorInfo | undefined, channels);
  if (!mean || !variance || gamma === null || beta === null || !(epsilon >= 0)) return fallback('FusedBatchNorm', args) as TensorInfo;
  const { y } = batchNorm(
    { data: f32(args.backend, x), shape: x.shape },
    { mean, variance, epsilon, out: alloc(args.backend, sizeOf(x.shape)), ...(gamma ? { gamma } : {}), ...(beta ? { beta } : {}) },
  );
  return output(args.backend, x.shape, y.data);
}

function batchNormTraining(args: KernelArgs): TensorInfo[] {
  const { backend } = args;
  const x = args.inputs.x as TensorInfo;
  const channels = x.shape.at(-1) as number;
  const epsilon = Number((args.attrs as { epsilon: number }).epsilon);
  const gamma = f32(backend, args.inputs.gamma as TensorInfo);
  const beta = f32(backend, args.inputs.beta as TensorInfo);
  const r = batchNorm({ data: f32(backend, x), shape: x.shape }, { training: true, gamma, beta, epsilon, out: alloc(backend, sizeOf(x.shape)) });
  return [output(backend, x.shape, r.y.data), output(backend, [channels], r.mean), output(backend, [channels], r.variance)];
}

function batchNormTrainingGrad(args: KernelArgs): TensorInfo[] {
  const { backend } = args;
  const x = args.inputs.x as TensorInfo;
  const dy = args.inputs.dy as TensorInfo;
  const channels = x.shape.at(-1) as number;
  const epsilon = Number((args.attrs as { epsilon: number }).epsilon);
  const r = batchNormGrad({ data: f32(backend, dy), shape: dy.shape }, { data: f32(backend, x), shape: x.shape }, {
    gamma: f32(backend, args.inputs.gamma as TensorInfo),
    mean: f32(backend, args.inputs.mean as TensorInfo),
    variance: f32(backend, args.inputs.variance as TensorInfo),
    epsilon,
    dx: alloc(backend, sizeOf(x.shape)),
  });
  return [output(backend, x.shape, r.dx.data), output(backend, [channels], r.dgamma), output(backend, [channels], r.dbeta)];
}

/** The batch-norm kernels (backendName filled in at registration). */
export const batchNormKernels: KernelConfig[] = [
  kernelConfig('FusedBatchNorm', fusedBatchNorm),
  kernelConfig(BATCH_NORM_TRAINING, batchNormTraining),
  kernelConfig(BATCH_NORM_TRAINING_GRAD, batchNormTrainingGrad),
];
