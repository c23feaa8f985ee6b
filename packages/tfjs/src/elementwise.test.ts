import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BACKEND_NAME } from './backend.js';
import './index.js';
import { expectClose, onBoth, random } from './test-utils.js';

const BINARY = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'squaredDifference'] as const;
// [a shape, b shape]: same, scalar either side, trailing rows either side, a middle broadcast (global-pool
// gradient), a column broadcast, and an outer-product broadcast that takes tfjs's generic path.
const PAIRS: [number[], number[]][] = [
  [[3, 5, 7], [3, 5, 7]],
  [[64, 9, 9, 8], [64, 9, 9, 8]],
  [[4, 6, 6, 16], []],
  [[], [4, 6, 6, 16]],
  [[8, 7, 7, 16], [16]],
  [[1, 1, 16], [8, 7, 7, 16]],
  [[64, 1, 1, 32], [64, 7, 7, 32]],
  [[4, 3, 3, 8], [4, 1, 1, 8]],
  [[128, 10], [128, 1]],
  [[4, 1], [1, 5]],
];

describe('amc-native elementwise and reduction kernels', () => {
  for (const op of BINARY) {
    it(`${op} matches the cpu backend on every broadcast pattern`, async () => {
      for (const [sa, sb] of PAIRS) {
        const r = await onBoth(() => {
          const a = random(sa, 1);
          // keep divisors away from zero
          const b = op === 'div' ? tf.add(tf.abs(random(sb, 2)), 0.5) : random(sb, 2);
          return tf[op](a, b);
        });
        expectClose(r, 1e-6, `${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`);
      }
    });
  }

  it('unary ops and their NaN handling match the cpu backend (small JS path and large native path)', async () => {
    for (const shape of [[5, 3], [32, 9, 9, 4]]) {
      for (const op of ['relu', 'relu6', 'step', 'square', 'neg', 'abs', 'sqrt', 'rsqrt'] as const) {
        const r = await onBoth(() => {
          let x = tf.mul(random(shape, 3), 8);
          if (op === 'sqrt' || op === 'rsqrt') x = tf.add(tf.abs(x), 0.1);
          const withNaN = tf.concat([tf.reshape(x, [-1]), tf.tensor1d([Number.NaN, 0, 6])]);
          return op === 'step' ? tf.step(withNaN, 0.3) : tf[op](withNaN);
        });
        expectClose(r, 1e-6, `${op} ${JSON.stringify(shape)}`);
      }
    }
  });

  it('relu and relu6 gradients (one native pass) match tfjs', async () => {
    for (const op of ['relu', 'relu6'] as const) {
      const r = await onBoth(() => {
        const x = tf.mul(random([16, 9, 9, 8], 4), 8);
        const dy = random([16, 9, 9, 8], 5);
        return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf[op](t), dy)))(x);
      });
      expectClose(r, 1e-6, op);
    }
  });

  it('clipByValue and its gradient (one native pass) match tfjs, NaN and the bounds included, small and large', async () => {
    const bounds: [number, number][] = [[0, 6], [-1.5, 2], [0, Number.POSITIVE_INFINITY], [-3, -2.5]];
    for (const shape of [[5, 3], [16, 9, 9, 8]]) {
      for (const [lo, hi] of bounds) {
        const special = tf.tensor1d([Number.NaN, lo, hi, 0, Number.isFinite(hi) ? hi + 1 : 1e30, Number.isFinite(lo) ? lo - 1 : -1e30]);
        const forward = await onBoth(() => tf.clipByValue(tf.concat([tf.reshape(tf.mul(random(shape, 6), 8), [-1]), special]), lo, hi));
        expectClose(forward, 1e-6, `clipByValue [${lo}, ${hi}] ${JSON.stringify(shape)}`);
        const grad = await onBoth(() => {
          const x = tf.concat([tf.reshape(tf.mul(random(shape, 7), 8), [-1]), special]);
          const dy = random([x.size], 8);
          return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.clipByValue(t, lo, hi), dy)))(x);
        });
        expectClose(grad, 1e-6, `clipByValue gradient [${lo}, ${hi}] ${JSON.stringify(shape)}`);
      }
    }
  });

  it('comparisons, logical ops and select match the cpu backend on every broadcast pattern, NaN and ties included', async () => {
    const withSpecials = (shape: number[], seed: number): tf.Tensor => {
      // rounded to quarters so that equal values (ties) occur, plus NaN
      const t = tf.div(tf.round(tf.mul(random(shape, seed), 4)), 4);
      const size = t.size;
      if (size < 3) return t;
      const mask = tf.tensor(Array.from({ length: size }, (_, i) => (i % 7 === 3 ? 1 : 0)), t.shape, 'bool');
      return tf.where(mask, tf.fill(t.shape, Number.NaN), t);
    };
    for (const [sa, sb] of PAIRS) {
      for (const op of ['greater', 'greaterEqual', 'less', 'lessEqual', 'equal', 'notEqual'] as const) {
        const r = await onBoth(() => tf[op](withSpecials(sa, 11), withSpecials(sb, 12)));
        expectClose(r, 0, `${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`);
      }
      for (const op of ['logicalAnd', 'logicalOr'] as const) {
        const r = await onBoth(() => tf[op](tf.greater(random(sa, 13), 0), tf.less(random(sb, 14), 0.3)));
        expectClose(r, 0, `${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`);
      }
    }
    for (const shape of [[5, 3], [16, 9, 9, 8]]) {
      const r = await onBoth(() => tf.where(tf.greater(random(shape, 15), 0), withSpecials(shape, 16), random(shape, 17)));
      expectClose(r, 0, `where ${JSON.stringify(shape)}`);
    }
    // tf.where broadcasts a per-row condition before the kernel
    const rows = await onBoth(() => tf.where(tf.tensor2d([[1], [0], [1]], [3, 1], 'bool'), random([3, 4], 18), random([3, 4], 19)));
    expectClose(rows, 0, 'where by rows');
    await tf.setBackend(BACKEND_NAME);
    expect(tf.greaterEqual(tf.ones([3000]), 0).dtype).toBe('bool');
  });

  it('sum, mean, max and min over contiguous and non-contiguous axes, with keepDims, match the cpu backend', async () => {
    const axesList: (number | number[])[] = [[0, 1, 2], [3], [1, 2], 0, [2, 3], [0, 2], -1];
    for (const op of ['sum', 'mean', 'max', 'min'] as const) {
      for (const axis of axesList) {
        for (const keepDims of [false, true]) {
          const r = await onBoth(() => tf[op](random([6, 5, 4, 3], 6), axis, keepDims));
          expectClose(r, 1e-5, `${op} ${JSON.stringify(axis)} ${keepDims}`);
        }
      }
      expectClose(await onBoth(() => tf[op](random([6, 5, 4, 3], 7))), 1e-5, `${op} all`);
      // Reduced axis in the middle with 7 and 9 trailing columns: groups of four plus a tail.
      expectClose(await onBoth(() => [tf[op](random([3, 5, 7], 8), 1), tf[op](random([2, 6, 3, 3], 9), [1])]), 1e-5, `${op} middle axis`);
    }
  });

  it('int32 arithmetic falls back to the cpu kernels and stays exact', async () => {
    const r = await onBoth(() => [tf.add(tf.tensor1d([1, 2, 3], 'int32'), tf.scalar(4, 'int32')), tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), 0)]);
    expectClose(r, 0);
  });
});
