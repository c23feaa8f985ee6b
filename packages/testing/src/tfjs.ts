/**
 * Test helpers that need TensorFlow.js (`@tensorflow/tfjs-core` and `-layers`, peers of this package).
 */
import { Rng } from '@amc/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * Gives every BatchNormalization layer of `model` random gamma and moving variance in [0.5, 1.5) and random beta
 * and moving mean in [-0.3, 0.3), from `seed`: fresh layers are the identity, so folding and pruning through
 * them would otherwise go untested.
 */
export function randomizeBatchNorms(model: tfl.LayersModel, seed: number): void {
  const rng = new Rng(seed);
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const names = layer.weights.map((w) => w.originalName);
    const next = layer.getWeights().map((w, i) => {
      const data = new Float32Array(w.size);
      const name = names[i] ?? '';
      if (name.includes('moving_variance') || name.includes('gamma')) rng.fillUniform(data, 0.5, 1.5);
      else rng.fillUniform(data, -0.3, 0.3);
      return tf.tensor(data, w.shape);
    });
    layer.setWeights(next);
    for (const t of next) t.dispose();
  }
}
