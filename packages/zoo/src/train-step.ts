/**
 * The SGD-with-momentum training step of `trainModel`, exported so that the training benchmark times exactly this
 * code: inside one `tf.tidy`, the batch tensor and one-hot labels, `tf.variableGrads` of softmax cross-entropy over
 * the model's trainable weights (forward with `training: true`), weight decay on conv / dense kernels, the momentum
 * update `v = m v + g`, `w -= lr v` with tf ops, the accuracy count, and the read-back of loss and hits.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Whether weight decay applies to a variable (conv / dense kernels, not depthwise kernels, biases or BN). */
export function decays(v: tfl.LayerVariable): boolean {
  const name = v.originalName ?? v.name;
  return /(^|\/)kernel(_\d+)?$/.test(name);
}

/** The optimiser state of a model: its trainable weights, their momentum buffers and which of them decay. */
export interface SgdState {
  readonly trainable: tfl.LayerVariable[];
  readonly velocity: tf.Variable[];
  readonly decayMask: boolean[];
}

/** Zero momentum buffers for `model`'s trainable weights (dispose `velocity` when done). */
export function createSgdState(model: tfl.LayersModel): SgdState {
  const trainable = model.trainableWeights;
  return {
    trainable,
    velocity: trainable.map((w) => tf.tidy(() => tf.variable(tf.zerosLike(w.read()), false))),
    decayMask: trainable.map(decays),
  };
}

/** The hyper-parameters of one step. */
export interface SgdHyper {
  learningRate: number;
  momentum: number;
  weightDecay: number;
}

/**
 * One training step on `images` (NHWC, `labels.length` samples of `inputShape`); returns `[loss, correct]`.
 */
export function sgdMomentumStep(
  model: tfl.LayersModel,
  state: SgdState,
  images: Float32Array,
  labels: Int32Array,
  inputShape: readonly number[],
  numClasses: number,
  hyper: SgdHyper,
): [loss: number, correct: number] {
  return tf.tidy(() => {
    const x = tf.tensor4d(images, [labels.length, ...inputShape] as [number, number, number, number]);
    const labelTensor = tf.tensor1d(labels, 'int32');
    const y = tf.oneHot(labelTensor, numClasses);
    let logits: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      logits = tf.keep(model.apply(x, { training: true }) as tf.Tensor);
      return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
    }, state.trainable.map((w) => w.read() as tf.Variable));
    state.trainable.forEach((w, i) => {
      const variable = w.read() as tf.Variable;
      let g = grads[variable.name] as tf.Tensor;
      if (state.decayMask[i] === true && hyper.weightDecay > 0) g = tf.add(g, tf.mul(variable, hyper.weightDecay));
      const v = state.velocity[i] as tf.Variable;
      v.assign(tf.add(tf.mul(v, hyper.momentum), g));
      variable.assign(tf.sub(variable, tf.mul(v, hyper.learningRate)));
    });
    const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits as tf.Tensor, 1), labelTensor), 'int32'));
    (logits as tf.Tensor).dispose();
    return [value.dataSync()[0] as number, correct.dataSync()[0] as number];
  });
}
