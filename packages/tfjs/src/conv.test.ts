import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import './index.js';
import { BACKEND_NAME, nativeKernelNames } from './backend.js';
import { expectClose, onBoth, random } from './test-utils.js';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
const CASES: { name: string; x: number[]; f: number[]; strides: number; pad: Pad; dilations?: number }[] = [
  { name: '3x3 same', x: [2, 9, 9, 5], f: [3, 3, 5, 7], strides: 1, pad: 'same' },
  { name: '3x3 stride 2 same', x: [3, 8, 8, 4], f: [3, 3, 4, 6], strides: 2, pad: 'same' },
  { name: '1x1 stride 2 valid', x: [2, 7, 7, 8], f: [1, 1, 8, 16], strides: 2, pad: 'valid' },
  { name: '5x5 valid', x: [1, 11, 10, 3], f: [5, 5, 3, 4], strides: 1, pad: 'valid' },
  { name: 'dilated', x: [1, 12, 12, 3], f: [3, 3, 3, 5], strides: 1, pad: 'same', dilations: 2 },
  { name: 'explicit', x: [2, 6, 7, 3], f: [3, 2, 3, 4], strides: 1, pad: [[0, 0], [2, 1], [0, 1], [0, 0]] },
];

describe('amc-native backend', () => {
  it('is registered, wins over cpu by default, and lists its native kernels', async () => {
    expect(tf.engine().registryFactory[BACKEND_NAME]).toBeDefined();
    expect(nativeKernelNames()).toEqual(expect.arrayContaining(['Conv2D', 'FusedConv2D', 'BatchMatMul', 'Conv2DBackpropFilter']));
    await tf.setBackend(BACKEND_NAME);
    expect(tf.getBackend()).toBe(BACKEND_NAME);
    // every cpu kernel exists on amc-native too
    const cpu = tf.getKernelsForBackend('cpu').map((k) => k.kernelName);
    const ours = new Set(tf.getKernelsForBackend(BACKEND_NAME).map((k) => k.kernelName));
    expect(cpu.filter((k) => !ours.has(k))).toEqual([]);
  });

  for (const c of CASES) {
    it(`conv2d ${c.name}: forward and both gradients match the cpu backend`, async () => {
      const r = await onBoth(() => {
        const x = random(c.x, 1);
        const f = random(c.f, 2);
        const conv = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, c.strides, c.pad, 'NHWC', c.dilations ?? 1);
        const y = conv(x as tf.Tensor4D, f as tf.Tensor4D);
        // tfjs has no gradient for dilated convs
        if ((c.dilations ?? 1) > 1) return [y];
        const dy = random(y.shape, 3);
        const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), dy)))([x, f]);
        return [y, dx as tf.Tensor, df as tf.Tensor];
      });
      expectClose(r);
    });
  }

  it('fused conv2d with bias and each activation matches the cpu backend', async () => {
    for (const activation of ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const) {
      const r = await onBoth(() => {
        const x = random([2, 6, 6, 3], 4);
        const f = random([3, 3, 3, 8], 5);
        const bias = random([8], 6);
        const prelu = activation === 'prelu' ? random([8], 7) : undefined;
        const y = tf.fused.conv2d({ x: x as tf.Tensor4D, filter: f as tf.Tensor4D, strides: 1, pad: 'same', bias, activation, leakyreluAlpha: 0.1, ...(prelu ? { preluActivationWeights: prelu } : {}) });
        return tf.mul(y, 4);
      });
      expectClose(r, 1e-4, activation);
    }
  });

  it('depthwise conv2d (multiplier 1 and 2, stride 2, dilation): forward and gradients match the cpu backend', async () => {
    for (const [mult, strides, dilations] of [[1, 1, 1], [2, 2, 1], [1, 1, 2]] as const) {
      const r = await onBoth(() => {
        const x = random([2, 9, 8, 6], 8);
        const f = random([3, 3, 6, mult], 9);
        const conv = (a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, 'same', 'NHWC', dilations);
        const y = conv(x, f);
        if (dilations > 1) return [y];
        const dy = random(y.shape, 10);
        const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), dy)))([x, f]);
        return [y, dx as tf.Tensor, df as tf.Tensor];
      });
      expectClose(r);
    }
    const fused = await onBoth(() =>
      tf.fused.depthwiseConv2d({ x: random([1, 5, 5, 4], 11) as tf.Tensor4D, filter: random([3, 3, 4, 1], 12) as tf.Tensor4D, strides: 1, pad: 'valid', bias: random([4], 13), activation: 'relu6' }),
    );
    expectClose(fused);
  });

  it('NCHW convs fall back to the cpu kernels and still agree', async () => {
    // tfjs's cpu conv2d supports NCHW; amc-native must hand it over rather than compute garbage
    const r = await onBoth(() => tf.conv2d(random([1, 3, 6, 6], 14) as tf.Tensor4D, random([3, 3, 3, 4], 15) as tf.Tensor4D, 1, 'same', 'NCHW'));
    expectClose(r);
  });

  it('matMul (transposes, batches, broadcast batch) and fused matMul match the cpu backend, gradients included', async () => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const r = await onBoth(() => {
        const a = random(ta ? [3, 17, 5] : [3, 5, 17], 16);
        const b = random(tb ? [3, 9, 17] : [3, 17, 9], 17);
        const y = tf.matMul(a, b, ta, tb);
        const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p, q, ta, tb))))([a, b]);
        return [y, da as tf.Tensor, db as tf.Tensor];
      });
      expectClose(r);
    }
    const broadcast = await onBoth(() => tf.matMul(random([4, 6, 7], 18), random([1, 7, 3], 19)));
    expectClose(broadcast);
    for (const activation of ['linear', 'relu', 'relu6', 'elu', 'leakyrelu'] as const) {
      const fused = await onBoth(() => tf.fused.matMul({ a: random([8, 33], 20) as tf.Tensor2D, b: random([33, 10], 21) as tf.Tensor2D, bias: random([10], 22), activation, leakyreluAlpha: 0.1 }));
      expectClose(fused);
    }
  });

  it('int32 matMul falls back and stays exact', async () => {
    await tf.setBackend(BACKEND_NAME);
    const y = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), tf.tensor2d([5, 6, 7, 8], [2, 2], 'int32'));
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.dataSync())).toEqual([19, 22, 43, 50]);
    y.dispose();
  });
});
