import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import './index.js';
import { type AmcNativeBackend, BACKEND_NAME } from './backend.js';
import { random } from './test-utils.js';

describe('amc-native output buffer pool', () => {
  let backend: AmcNativeBackend;
  beforeAll(async () => {
    await tf.setBackend(BACKEND_NAME);
    backend = tf.backend() as AmcNativeBackend;
    backend.poisonRecycled = true;
  });

  it('recycles the outputs of native kernels once disposed', () => {
    const x = random([8, 16, 16, 8], 1);
    tf.relu(x).dispose();
    const before = backend.pooledByteCount();
    expect(before).toBeGreaterThanOrEqual(8 * 16 * 16 * 8 * 4);
    const y = tf.relu(x); // takes the pooled buffer
    expect(backend.pooledByteCount()).toBe(before - 8 * 16 * 16 * 8 * 4);
    tf.dispose([x, y]);
  });

  it('hands out copies from dataSync / data, so a recycled buffer never changes what a caller holds', async () => {
    const x = random([4, 32, 32, 4], 2);
    const y = tf.relu(x);
    const held = y.dataSync();
    const heldAsync = await y.data();
    const expected = Float32Array.from(held);
    y.dispose();
    const z = tf.neg(x); // reuses y's buffer
    expect(Array.from(held)).toEqual(Array.from(expected));
    expect(Array.from(heldAsync as Float32Array)).toEqual(Array.from(expected));
    tf.dispose([x, z]);
  });

  it('keeps a buffer alive while a view of it (a contiguous slice) is alive', () => {
    const x = random([4, 32, 32, 4], 3);
    const y = tf.relu(x);
    const view = tf.slice(y, [1], [2]); // cpu slice returns a subarray of y's buffer
    const expected = Array.from(view.dataSync());
    y.dispose();
    const others = [tf.neg(x), tf.neg(x), tf.neg(x)];
    expect(Array.from(view.dataSync())).toEqual(expected);
    tf.dispose([x, view, ...others]);
  });

  it('never recycles arrays the user passed in', () => {
    const mine = new Float32Array(64 * 64).fill(3);
    const t = tf.tensor(mine, [64, 64]);
    const y = tf.add(t, t);
    t.dispose();
    y.dispose();
    const z = tf.neg(tf.ones([64, 64]));
    expect(mine.every((v) => v === 3)).toBe(true);
    z.dispose();
  });
});
