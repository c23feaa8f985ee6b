/**
 * Training-mode fast path for tfjs-layers' BatchNormalization on amc-native. In training the layer computes
 * `tf.moments` and `tf.batchNorm` with composite ops whose gradient takes ~25 full passes over the activations
 * (tiles, broadcasts, several reductions); on amc-native it instead runs one custom-gradient op: native statistics
 * + normalisation forward (2 passes) and a native dx/dgamma/dbeta backward (2 passes). The values are the same
 * (tfjs's biased batch variance, the same moving-average update); other backends, inference, and layouts other
 * than channels-last run tfjs's original code.
 *
 * It patches the layer class's `call` of the tfjs-layers copy this package resolves (tfjs-layers registers one
 * class per process, so models built or loaded through it are covered). Installed on import; idempotent.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { BACKEND_NAME } from './backend.js';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD } from './kernels/batch-norm.js';

interface LayerVariableLike {
  read(): tf.Tensor;
  write(value: tf.Tensor): void;
}

interface BatchNormLayerLike {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma?: LayerVariableLike;
  beta?: LayerVariableLike;
  movingMean: LayerVariableLike;
  movingVariance: LayerVariableLike;
}

type CallFn = (this: BatchNormLayerLike, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

const ORIGINAL = Symbol.for('amc.tfjs.batchNormOriginalCall');

type Prototype = Record<string | symbol, unknown>;

function prototypeOf(): Prototype {
  return Object.getPrototypeOf(tfl.layers.batchNormalization({})) as Prototype;
}

/**
 * Replaces `proto.call` with `make(original)`, keeping the original under `key` (idempotent: false when already
 * patched).
 */
function patchCall<F>(proto: Prototype, key: symbol, make: (original: F) => F): boolean {
  if (proto[key] !== undefined) return false;
  const original = proto.call as F;
  proto[key] = original;
  proto.call = make(original);
  return true;
}

/** Puts back the `call` that {@link patchCall} kept under `key` (false when it was not patched). */
function unpatchCall(proto: Prototype, key: symbol): boolean {
  const original = proto[key];
  if (original === undefined) return false;
  proto.call = original;
  delete proto[key];
  return true;
}

/**
 * Training-mode batch norm over the last axis as one op with a native gradient. Returns [y, mean, variance]; the
 * caller owns (and must dispose) mean and variance.
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): [tf.Tensor, tf.Tensor, tf.Tensor] {
  let stats: tf.Tensor[] = [];
  const op = tf.customGrad((...args: unknown[]) => {
    const [xs, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAINING, { x: xs, gamma: g, beta: b }, { epsilon }) as tf.Tensor[];
    save([xs, g, mean as tf.Tensor, variance as tf.Tensor]);
    stats = [tf.keep(mean as tf.Tensor), tf.keep(variance as tf.Tensor)];
    return {
      value: y as tf.Tensor,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sg, sm, sv] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return tf.engine().runKernel(
          BATCH_NORM_TRAINING_GRAD,
          { dy: dy as tf.Tensor, x: sx, gamma: sg, mean: sm, variance: sv },
          { epsilon },
        ) as tf.Tensor[];
      },
    };
  });
  const y = (op as unknown as (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor)(x, gamma, beta);
  return [y, stats[0] as tf.Tensor, stats[1] as tf.Tensor];
}

/** Installs the fast path (idempotent). Returns false when it was already installed. */
export function installBatchNormFastPath(): boolean {
  return patchCall<CallFn>(prototypeOf(), ORIGINAL, (original) => function (this: BatchNormLayerLike, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) {
    const training = kwargs?.training === true;
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!training || input === undefined || (Array.isArray(inputs) && inputs.length !== 1) || tf.getBackend() !== BACKEND_NAME) {
      return original.call(this, inputs, kwargs);
    }
    const ndim = input.rank;
    const axis = this.axis >= 0 ? this.axis : this.axis + ndim;
    const channels = input.shape[ndim - 1] as number;
    if (ndim < 2 || axis !== ndim - 1 || input.dtype !== 'float32' || input.size === 0) return original.call(this, inputs, kwargs);
    return tf.tidy(() => {
      const gamma = this.gamma === undefined ? tf.ones([channels]) : this.gamma.read();
      const beta = this.beta === undefined ? tf.zeros([channels]) : this.beta.read();
      const [y, mean, variance] = batchNormTraining(input, gamma, beta, this.epsilon);
      try {
        // the layer's own moving-average update: v -= (v - batch) * (1 - momentum)
        for (const [variable, value] of [[this.movingMean, mean], [this.movingVariance, variance]] as const) {
          tf.tidy(() => {
            const current = variable.read();
            variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - this.momentum)));
          });
        }
      } finally {
        mean.dispose();
        variance.dispose();
      }
      return y;
    });
  });
}

/** Restores tfjs's original BatchNormalization.call. Returns false when the fast path was not installed. */
export function uninstallBatchNormFastPath(): boolean {
  return unpatchCall(prototypeOf(), ORIGINAL);
}

/**
 * tfjs-layers' ReLU layer with `maxValue: 6` (MobileNet-V2's ReLU6) runs `relu` then `clipByValue(0, 6)`: two full
 * passes forward and two backward over some of the largest activations of the net. On amc-native the patched call
 * runs the one native `relu6` (whose gradient is one native pass). The values and the gradient masks are the same
 * (forward `min(max(x, 0), 6)`; gradient dy where 0 < x <= 6), and the layer and its saved config do not change,
 * so a model trained with the fast path loads anywhere. Other caps, other backends and non-float inputs run tfjs's
 * original code.
 */
interface ReluLayerLike {
  maxValue?: number | null;
}

const RELU_ORIGINAL = Symbol.for('amc.tfjs.reluOriginalCall');

function reluPrototype(): Prototype {
  return Object.getPrototypeOf(tfl.layers.reLU({})) as Prototype;
}

type ReluCallFn = (this: ReluLayerLike, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

/** Installs the ReLU6 fast path (idempotent). Returns false when it was already installed. */
export function installRelu6FastPath(): boolean {
  return patchCall<ReluCallFn>(reluPrototype(), RELU_ORIGINAL, (original) => function (this: ReluLayerLike, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) {
    const input = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
    if (this.maxValue !== 6 || input === undefined || input.dtype !== 'float32' || tf.getBackend() !== BACKEND_NAME) {
      return original.call(this, inputs, kwargs);
    }
    return tf.relu6(input);
  });
}

/** Restores tfjs's original ReLU.call. Returns false when the fast path was not installed. */
export function uninstallRelu6FastPath(): boolean {
  return unpatchCall(reluPrototype(), RELU_ORIGINAL);
}
