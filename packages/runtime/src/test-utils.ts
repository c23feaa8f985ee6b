/**
 * Helpers of the runtime tests (not exported from the package); the shared ones are in `@amc/testing`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** `model.predict` on the current tfjs backend for an NHWC batch. */
export function tfPredict(model: tfl.LayersModel, input: Float32Array, batch: number): Float32Array {
  const shape = model.inputs[0]?.shape.slice(1) as number[];
  return tf.tidy(() => {
    const x = tf.tensor(input, [batch, ...shape]);
    const y = model.predict(x) as tf.Tensor;
    return y.dataSync() as Float32Array;
  }).slice();
}
