/**
 * End to end: a two-layer convolutional net trained with nothing but @amc/kernels (forward convs with fused
 * bias and ReLU, the input and filter gradients) — the path the tfjs backend will take for training. Its
 * analytic gradients match central finite differences, and plain SGD drives the loss down.
 */
import { type FloatTensor, Rng } from '@amc/core';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from '@amc/kernels';
import { describe, expect, it } from 'vitest';

interface Net {
  w1: FloatTensor; // [3, 3, 3, 8] 'same', ReLU
  b1: Float32Array;
  w2: FloatTensor; // [1, 1, 8, 2]
  b2: Float32Array;
}

function randomTensor(rng: Rng, shape: number[], scale: number): FloatTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return { data: rng.fillUniform(new Float32Array(size), -scale, scale), shape };
}

function forward(net: Net, x: FloatTensor) {
  const h = conv2d(x, net.w1, { padding: 'same', bias: net.b1, activation: 'relu' });
  const y = conv2d(h, net.w2, { bias: net.b2 });
  return { h, y };
}

/** Mean squared error, in double. */
function loss(y: FloatTensor, target: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < target.length; i++) {
    const d = (y.data[i] as number) - (target[i] as number);
    sum += d * d;
  }
  return sum / target.length;
}

function gradients(net: Net, x: FloatTensor, target: Float32Array) {
  const { h, y } = forward(net, x);
  const dy: FloatTensor = { data: y.data.map((v, i) => (2 * (v - (target[i] as number))) / target.length), shape: y.shape };
  const dw2 = conv2dBackpropFilter(h, dy, net.w2.shape as [number, number, number, number]);
  const db2 = new Float32Array(2);
  dy.data.forEach((v, i) => (db2[i % 2] = (db2[i % 2] as number) + v));
  const dh = conv2dBackpropInput(dy, net.w2, h.shape as [number, number, number, number]);
  // ReLU: gradient flows where the activation was positive.
  const dz: FloatTensor = { data: dh.data.map((v, i) => ((h.data[i] as number) > 0 ? v : 0)), shape: dh.shape };
  const dw1 = conv2dBackpropFilter(x, dz, net.w1.shape as [number, number, number, number], { padding: 'same' });
  const db1 = new Float32Array(8);
  dz.data.forEach((v, i) => (db1[i % 8] = (db1[i % 8] as number) + v));
  return { dw1, db1, dw2, db2, loss: loss(y, target) };
}

function makeProblem(seed: number) {
  const rng = new Rng(seed);
  const net: Net = {
    w1: randomTensor(rng, [3, 3, 3, 8], 0.4),
    b1: rng.fillUniform(new Float32Array(8), 0, 0.1),
    w2: randomTensor(rng, [1, 1, 8, 2], 0.5),
    b2: new Float32Array(2),
  };
  const x = randomTensor(rng, [4, 7, 7, 3], 1);
  // The target is what a hidden "teacher" net of the same shape produces: reachable, so the loss can fall.
  const teacher: Net = {
    w1: randomTensor(rng, [3, 3, 3, 8], 0.4),
    b1: rng.fillUniform(new Float32Array(8), 0, 0.1),
    w2: randomTensor(rng, [1, 1, 8, 2], 0.5),
    b2: rng.fillUniform(new Float32Array(2), -0.1, 0.1),
  };
  const target = forward(teacher, x).y.data;
  return { net, x, target };
}

describe('training a small conv net on the native kernels', () => {
  it('computes gradients that match central finite differences', () => {
    const { net, x, target } = makeProblem(7);
    const g = gradients(net, x, target);
    const eps = 1e-2;
    const checks: [Float32Array, Float32Array][] = [
      [net.w1.data, g.dw1.data],
      [net.b1, g.db1],
      [net.w2.data, g.dw2.data],
      [net.b2, g.db2],
    ];
    let compared = 0;
    for (const [param, grad] of checks) {
      for (let i = 0; i < param.length; i += Math.max(1, Math.floor(param.length / 12))) {
        const saved = param[i] as number;
        param[i] = saved + eps;
        const up = loss(forward(net, x).y, target);
        param[i] = saved - eps;
        const down = loss(forward(net, x).y, target);
        param[i] = saved;
        const numeric = (up - down) / (2 * eps);
        expect(grad[i] as number).toBeCloseTo(numeric, 2);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(30);
  });

  it('reduces the loss with plain SGD, and the same seed gives the same run', () => {
    const run = () => {
      const { net, x, target } = makeProblem(11);
      const losses: number[] = [];
      for (let step = 0; step < 60; step++) {
        const g = gradients(net, x, target);
        losses.push(g.loss);
        const lr = 0.05;
        const update = (p: Float32Array, d: Float32Array) => p.forEach((v, i) => (p[i] = v - lr * (d[i] as number)));
        update(net.w1.data, g.dw1.data);
        update(net.b1, g.db1);
        update(net.w2.data, g.dw2.data);
        update(net.b2, g.db2);
      }
      return losses;
    };
    const losses = run();
    expect(losses[losses.length - 1]).toBeLessThan((losses[0] as number) * 0.5);
    expect(run()).toEqual(losses);
  });
});
