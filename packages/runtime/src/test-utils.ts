/**
 * Helpers of the runtime tests (not exported from the package): random batch-norm statistics for a tfjs model,
 * random inputs, and the relative error used against tfjs.
 */
import { Rng } from '@amc/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * Gives every BatchNormalization layer of `model` random gamma, beta, moving mean and moving variance, so that
 * folding is actually exercised (fresh layers have the identity statistics).
 */
export function randomizeBatchNorms(model: tfl.LayersModel, seed: number): void {
  const rng = new Rng(seed);
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const weights = layer.getWeights();
    const names = layer.weights.map((w) => w.originalName);
    const next = weights.map((w, i) => {
      const n = w.size;
      const data = new Float32Array(n);
      const name = names[i] ?? '';
      if (name.includes('moving_variance')) rng.fillUniform(data, 0.5, 1.5);
      else if (name.includes('gamma')) rng.fillUniform(data, 0.5, 1.5);
      else rng.fillUniform(data, -0.3, 0.3);
      return tf.tensor(data, w.shape);
    });
    layer.setWeights(next);
    for (const t of next) t.dispose();
  }
}

/** `n` floats uniform in [-1, 1) from `seed`. */
export function randomInput(n: number, seed: number): Float32Array {
  return new Rng(seed).fillUniform(new Float32Array(n), -1, 1);
}

/** max |a - b| / max |b|. */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return diff / (scale === 0 ? 1 : scale);
}

/** `model.predict` on the current tfjs backend for an NHWC batch. */
export function tfPredict(model: tfl.LayersModel, input: Float32Array, batch: number): Float32Array {
  const shape = model.inputs[0]?.shape.slice(1) as number[];
  return tf.tidy(() => {
    const x = tf.tensor(input, [batch, ...shape]);
    const y = model.predict(x) as tf.Tensor;
    return y.dataSync() as Float32Array;
  }).slice();
}
