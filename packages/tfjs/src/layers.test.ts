import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import './index.js';
import { BACKEND_NAME } from './backend.js';
import { installRelu6FastPath, uninstallRelu6FastPath } from './layers.js';
import { expectClose, onBoth, random } from './test-utils.js';

describe('batch norm on amc-native', () => {
  it('tf.batchNorm (given statistics, broadcast parameters) matches the cpu backend, gradients included', async () => {
    const r = await onBoth(() => {
      const x = random([4, 5, 5, 6], 1);
      const mean = random([6], 2);
      const variance = tf.add(tf.abs(random([6], 3)), 0.2);
      const scale = random([6], 4);
      const offset = random([6], 5);
      const y = tf.batchNorm(x, mean, variance, offset, scale, 1e-3);
      const broadcast = tf.batchNorm(x, tf.reshape(mean, [1, 1, 1, 6]), tf.reshape(variance, [1, 1, 1, 6]), undefined, tf.reshape(scale, [1, 1, 1, 6]), 1e-3);
      const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.batchNorm(t, mean, variance, offset, scale, 1e-3), random([4, 5, 5, 6], 6))))(x);
      return [y, broadcast, dx];
    });
    expectClose(r, 1e-5);
  });

  it('the BatchNormalization layer in training mode: output, gradients and moving statistics match the cpu backend', async () => {
    for (const [shape, options] of [
      [[8, 6, 6, 5], { momentum: 0.9, epsilon: 1e-5 }],
      [[16, 7], {}],
      // (center: false / scale: false cannot be compared: tfjs's own training path reads the missing gamma/beta)
      // axis 1 (not channels-last) runs tfjs's original code; its gradient is broken in tfjs itself
      [[4, 3, 3, 4], { axis: 1 }],
    ] as const) {
      const withGradients = !('axis' in options);
      const r = await onBoth(() => {
        const layer = tfl.layers.batchNormalization({ ...options, gammaInitializer: tfl.initializers.randomUniform({ minval: 0.5, maxval: 2, seed: 1 }), betaInitializer: tfl.initializers.randomUniform({ minval: -1, maxval: 1, seed: 2 }) });
        const x = tf.add(tf.mul(random(shape, 7), 3), 1);
        layer.build(x.shape);
        const dy = random(shape, 8);
        const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
        const f = (...args: tf.Tensor[]) => tf.sum(tf.mul(layer.apply(args[0] as tf.Tensor, { training: true }) as tf.Tensor, dy));
        const grads = withGradients ? tf.variableGrads(() => f(x) as tf.Scalar, weights).grads : {};
        const dx = withGradients ? tf.grad((t: tf.Tensor) => f(t))(x) : tf.scalar(0);
        const y = layer.apply(x, { training: true }) as tf.Tensor;
        // moving statistics after three training calls
        const stats = layer.getWeights().slice(-2);
        return [y, dx, ...(withGradients ? weights.map((w) => grads[w.name] as tf.Tensor) : []), ...stats];
      });
      expectClose(r, 2e-4, `${JSON.stringify(shape)} ${JSON.stringify(options)}`);
    }
  });
});

describe('ReLU6 fast path on amc-native', () => {
  // Values at and around both kinks (0 and 6), negatives, large values.
  const inputs = () => tf.tensor4d([-3, -1e-7, 0, 1e-7, 0.5, 3, 5.999999, 6, 6.000001, 7, 100, -100, 2, 4, 6, 0], [2, 2, 2, 2]);
  const dy = () => tf.tensor4d([1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12, 13, -14, 15, -16], [2, 2, 2, 2]);

  it('gives exactly tfjs\'s ReLU(maxValue 6) output and gradient, and runs one kernel each way instead of two', async () => {
    const layer = tfl.layers.reLU({ maxValue: 6 });
    const r = await onBoth(() => {
      const x = inputs();
      const y = layer.apply(x) as tf.Tensor;
      const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t) as tf.Tensor, dy())))(x);
      return [y, dx];
    });
    // Bit-identical up to the sign of masked zeros (the native mask multiplies, tfjs's selects).
    const plain = (arrays: Float32Array[]) => arrays.map((a) => Array.from(a, (v) => v + 0));
    expect(plain(r.native)).toEqual(plain(r.cpu));
    await tf.setBackend(BACKEND_NAME);
    const x = inputs();
    const names = async () => (await tf.profile(() => tf.grad((t: tf.Tensor) => tf.sum(layer.apply(t) as tf.Tensor))(x))).kernelNames;
    const fast = await names();
    expect(fast).toContain('Relu6');
    expect(fast).not.toContain('ClipByValue');
    expect(uninstallRelu6FastPath()).toBe(true);
    try {
      const slow = await names();
      expect(slow).toContain('ClipByValue');
      expect(slow).not.toContain('Relu6');
    } finally {
      expect(installRelu6FastPath()).toBe(true);
      expect(installRelu6FastPath()).toBe(false);
    }
    x.dispose();
  });

  it('leaves other caps and the plain ReLU to tfjs\'s code', async () => {
    await tf.setBackend(BACKEND_NAME);
    const x = inputs();
    for (const [options, expected] of [[{ maxValue: 4 }, 'ClipByValue'], [{}, 'Relu']] as const) {
      const kernels = (await tf.profile(() => tfl.layers.reLU(options).apply(x) as tf.Tensor)).kernelNames;
      expect(kernels).toContain(expected);
      expect(kernels).not.toContain('Relu6');
    }
    x.dispose();
  });
});

describe('training on amc-native', () => {
  function smallNet(): tfl.LayersModel {
    const input = tfl.input({ shape: [12, 12, 2] });
    let x = tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ epsilon: 1e-5 }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU().apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthwiseInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU({ maxValue: 6 }).apply(x) as tfl.SymbolicTensor;
    const skip = x;
    x = tfl.layers.conv2d({ filters: 8, kernelSize: 1, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.add().apply([x, skip]) as tfl.SymbolicTensor;
    x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.dense({ units: 5, kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }).apply(x) as tfl.SymbolicTensor;
    return tfl.model({ inputs: input, outputs: x });
  }

  async function train(backend: string, steps: number): Promise<{ losses: number[]; tensors: number[] }> {
    await tf.setBackend(backend);
    if (backend === BACKEND_NAME) (tf.backend() as { poisonRecycled?: boolean }).poisonRecycled = true;
    const model = smallNet();
    const optimizer = tf.train.momentum(0.05, 0.9);
    const x = random([16, 12, 12, 2], 11);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0], 'int32'), 5);
    const losses: number[] = [];
    const tensors: number[] = [];
    for (let i = 0; i < steps; i++) {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true);
      losses.push((loss as tf.Scalar).dataSync()[0] as number);
      loss?.dispose();
      tensors.push(tf.memory().numTensors);
    }
    tf.dispose([x, labels]);
    optimizer.dispose();
    model.dispose();
    return { losses, tensors };
  }

  it('a small conv/BN/depthwise/residual net gives the same losses as the cpu backend for 6 steps, without leaking tensors', async () => {
    const cpu = await train('cpu', 6);
    const native = await train(BACKEND_NAME, 6);
    expect(native.losses[5] as number).toBeLessThan(native.losses[0] as number);
    native.losses.forEach((l, i) => expect(Math.abs(l - (cpu.losses[i] as number)), `step ${i}: ${l} vs ${cpu.losses[i]}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(l))));
    // after the first step (optimizer slots created) the tensor count stays flat
    expect(new Set(native.tensors.slice(1)).size).toBe(1);
  });
});
