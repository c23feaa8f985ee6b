import { type FloatTensor, Rng } from '@amc/core';
import { describe, expect, it } from 'vitest';
import {
  type Conv2DBackpropOptions,
  conv2dBackpropFilter,
  conv2dBackpropFilterAsync,
  conv2dBackpropInput,
  conv2dBackpropInputAsync,
  depthwiseConv2dBackpropFilter,
  depthwiseConv2dBackpropFilterAsync,
  depthwiseConv2dBackpropInput,
  depthwiseConv2dBackpropInputAsync,
} from './conv-backprop.js';
import {
  referenceConv2d,
  referenceConv2dBackpropFilter,
  referenceConv2dBackpropInput,
  referenceDepthwiseConv2d,
  referenceDepthwiseConv2dBackpropFilter,
  referenceDepthwiseConv2dBackpropInput,
} from './reference/conv.js';
import { expectCode } from '@amc/testing';
import { TEST_SEED, expectClose, forEachIsa, randomArray } from './test-utils.js';

function tensor(rng: Rng, shape: number[]): FloatTensor {
  return { data: randomArray(rng, shape.reduce((a, b) => a * b, 1)), shape };
}

function forwardShape(inputShape: number[], filterShape: number[], options: Conv2DBackpropOptions, depthwise = false): number[] {
  const x = { data: new Float32Array(inputShape.reduce((a, b) => a * b, 1)), shape: inputShape };
  const w = { data: new Float32Array(filterShape.reduce((a, b) => a * b, 1)), shape: filterShape };
  return depthwise ? referenceDepthwiseConv2d(x, w, options).shape as number[] : referenceConv2d(x, w, options).shape as number[];
}

type Case = [input: number[], filter: number[], options: Conv2DBackpropOptions];

// Strides 1-3 (stride phases with no contributing tap included), dilation, asymmetric and over-sized padding,
// groups 1/2/4 and one input channel per group (the depthwise route), odd channel counts.
const DENSE: Case[] = [
  [[2, 7, 8, 16], [3, 3, 16, 16], { padding: 'same' }],
  [[1, 9, 9, 5], [3, 3, 5, 17], { padding: 'same', strides: 2 }],
  [[1, 10, 11, 3], [1, 1, 3, 8], { strides: 2 }],
  [[2, 11, 10, 4], [5, 5, 4, 6], { strides: 3 }],
  [[1, 8, 9, 7], [3, 3, 7, 9], { padding: 'same', dilations: 2 }],
  [[1, 6, 9, 4], [1, 7, 4, 24], { padding: [1, 2, 3, 0] }],
  [[1, 5, 5, 3], [3, 3, 3, 4], { padding: [4, 1, 0, 4] }],
  [[3, 6, 6, 33], [3, 3, 33, 15], { padding: 'same', strides: [2, 1] }],
  [[2, 6, 7, 16], [3, 3, 8, 16], { padding: 'same', groups: 2 }],
  [[1, 7, 6, 16], [3, 3, 4, 8], { padding: 'valid', groups: 4, strides: 2 }],
  [[1, 6, 6, 8], [3, 3, 1, 16], { padding: 'same', groups: 8 }],
  [[1, 7, 7, 6], [3, 3, 1, 6], { padding: 'same', groups: 6, strides: 2 }],
  // Out channels a multiple of 256: the filter gradient copies dy's column slices (whole and, with 16 groups,
  // narrower than the AVX-512 tile) into a contiguous buffer.
  [[1, 5, 5, 6], [1, 1, 6, 256], {}],
  [[2, 4, 4, 8], [3, 3, 8, 512], { padding: 'same' }],
  [[1, 4, 5, 32], [3, 3, 2, 256], { padding: 'same', groups: 16 }],
];

const DEPTHWISE: Case[] = [
  [[2, 8, 9, 16], [3, 3, 16, 1], { padding: 'same' }],
  [[1, 9, 8, 17], [3, 3, 17, 2], { padding: 'same', strides: 2 }],
  [[1, 10, 10, 3], [5, 5, 3, 1], { padding: 'valid', strides: 3 }],
  [[1, 9, 9, 8], [3, 3, 8, 2], { padding: 'same', dilations: 2 }],
  [[1, 6, 9, 5], [1, 7, 5, 1], { padding: [1, 2, 3, 0] }],
  [[1, 5, 6, 33], [2, 2, 33, 1], { padding: [3, 0, 0, 3] }],
];

describe('conv2d gradients', () => {
  it('conv2dBackpropInput and conv2dBackpropFilter match the reference on every ISA', () => {
    const rng = new Rng(TEST_SEED + 20);
    forEachIsa((isa) => {
      for (const [inputShape, filterShape, options] of DENSE) {
        const x = tensor(rng, inputShape);
        const w = tensor(rng, filterShape);
        const dy = tensor(rng, forwardShape(inputShape, filterShape, options));
        const context = `${isa} ${JSON.stringify([inputShape, filterShape, options])}`;
        const dx = conv2dBackpropInput(dy, w, inputShape, options);
        expect(dx.shape).toEqual(inputShape);
        expectClose(dx.data, referenceConv2dBackpropInput(dy, w, inputShape, options).data, `dx ${context}`);
        const dw = conv2dBackpropFilter(x, dy, filterShape, options);
        expect(dw.shape).toEqual(filterShape);
        expectClose(dw.data, referenceConv2dBackpropFilter(x, dy, filterShape, options).data, `dW ${context}`, 1e-4, 3e-4);
      }
    });
  });

  it('handles empty channel counts and batches', () => {
    // No output channels: dx is all zeros (it overwrites the buffer), dW is empty.
    const out = new Float32Array(18).fill(Number.NaN);
    const dy = { data: new Float32Array(0), shape: [1, 3, 3, 0] };
    const w = { data: new Float32Array(0), shape: [3, 3, 1, 0] };
    const dx = conv2dBackpropInput(dy, w, [1, 3, 3, 2], { padding: 'same', groups: 2, out });
    expect(Array.from(dx.data)).toEqual(new Array(18).fill(0));
    const x = { data: new Float32Array(18), shape: [1, 3, 3, 2] };
    expect(conv2dBackpropFilter(x, dy, [3, 3, 1, 0], { padding: 'same', groups: 2 }).data.length).toBe(0);
    // No images: dW is all zeros.
    const empty = conv2dBackpropFilter({ data: new Float32Array(0), shape: [0, 3, 3, 2] }, { data: new Float32Array(0), shape: [0, 3, 3, 4] }, [3, 3, 2, 4], {
      padding: 'same',
      out: new Float32Array(72).fill(Number.NaN),
    });
    expect(empty.data.every((v) => v === 0)).toBe(true);
  });

  it('splits the filter gradient over threads on large problems', () => {
    const rng = new Rng(TEST_SEED + 21);
    const options: Conv2DBackpropOptions = { padding: 'same' };
    const x = tensor(rng, [4, 16, 16, 8]);
    const dy = tensor(rng, [4, 16, 16, 12]);
    const dw = conv2dBackpropFilter(x, dy, [3, 3, 8, 12], options);
    expectClose(dw.data, referenceConv2dBackpropFilter(x, dy, [3, 3, 8, 12], options).data, 'dW large', 1e-4, 1e-3);
  });

  it('depthwise gradients match the reference on every ISA', () => {
    const rng = new Rng(TEST_SEED + 22);
    forEachIsa((isa) => {
      for (const [inputShape, filterShape, options] of DEPTHWISE) {
        const x = tensor(rng, inputShape);
        const w = tensor(rng, filterShape);
        const dy = tensor(rng, forwardShape(inputShape, filterShape, options, true));
        const context = `${isa} ${JSON.stringify([inputShape, filterShape, options])}`;
        const dx = depthwiseConv2dBackpropInput(dy, w, inputShape, options);
        expectClose(dx.data, referenceDepthwiseConv2dBackpropInput(dy, w, inputShape, options).data, `dx ${context}`);
        const dw = depthwiseConv2dBackpropFilter(x, dy, filterShape, options);
        expectClose(dw.data, referenceDepthwiseConv2dBackpropFilter(x, dy, filterShape, options).data, `dW ${context}`, 1e-4, 3e-4);
      }
    });
  });

  it('the references agree with finite differences of the reference forward convs', () => {
    // Both convs are linear in x and in w, so the central difference of L = sum(conv(x, w) * r) is exact up to
    // rounding: dL/dx = backpropInput(r), dL/dw = backpropFilter(x, r).
    const rng = new Rng(TEST_SEED + 23);
    const loss = (y: FloatTensor, r: FloatTensor): number => y.data.reduce((s, v, i) => s + v * (r.data[i] as number), 0);
    const eps = 0.125;
    for (const depthwise of [false, true]) {
      const options: Conv2DBackpropOptions = { padding: 'same', strides: 2, dilations: 1, groups: depthwise ? 1 : 2 };
      const inputShape = [1, 5, 4, 4];
      const filterShape = depthwise ? [3, 2, 4, 2] : [3, 2, 2, 6];
      const x = tensor(rng, inputShape);
      const w = tensor(rng, filterShape);
      const forward = (xx: FloatTensor, ww: FloatTensor): FloatTensor =>
        depthwise ? referenceDepthwiseConv2d(xx, ww, options) : referenceConv2d(xx, ww, options);
      const r = tensor(rng, forward(x, w).shape as number[]);
      const dx = depthwise
        ? referenceDepthwiseConv2dBackpropInput(r, w, inputShape, options)
        : referenceConv2dBackpropInput(r, w, inputShape, options);
      const dw = depthwise
        ? referenceDepthwiseConv2dBackpropFilter(x, r, filterShape, options)
        : referenceConv2dBackpropFilter(x, r, filterShape, options);
      for (const [which, target, grad] of [
        ['x', x, dx],
        ['w', w, dw],
      ] as const) {
        for (let i = 0; i < target.data.length; i++) {
          const saved = target.data[i] as number;
          target.data[i] = saved + eps;
          const plus = loss(forward(x, w), r);
          target.data[i] = saved - eps;
          const minus = loss(forward(x, w), r);
          target.data[i] = saved;
          expect((plus - minus) / (2 * eps), `${depthwise ? 'depthwise' : 'dense'} d${which}[${i}]`).toBeCloseTo(grad.data[i] as number, 4);
        }
      }
    }
  });

  it('run asynchronously with the same results', async () => {
    const rng = new Rng(TEST_SEED + 24);
    const options: Conv2DBackpropOptions = { padding: 'same', strides: 2 };
    const x = tensor(rng, [2, 8, 8, 8]);
    const w = tensor(rng, [3, 3, 8, 16]);
    const dy = tensor(rng, [2, 4, 4, 16]);
    const dx = await conv2dBackpropInputAsync(dy, w, x.shape, options);
    expectClose(dx.data, referenceConv2dBackpropInput(dy, w, x.shape, options).data, 'dx async');
    const dw = await conv2dBackpropFilterAsync(x, dy, w.shape, options);
    expectClose(dw.data, referenceConv2dBackpropFilter(x, dy, w.shape, options).data, 'dW async', 1e-4, 3e-4);
    const wd = tensor(rng, [3, 3, 8, 2]);
    const dyd = tensor(rng, [2, 4, 4, 16]);
    const dxd = await depthwiseConv2dBackpropInputAsync(dyd, wd, x.shape, options);
    expectClose(dxd.data, referenceDepthwiseConv2dBackpropInput(dyd, wd, x.shape, options).data, 'depthwise dx async');
    const dwd = await depthwiseConv2dBackpropFilterAsync(x, dyd, wd.shape, options);
    expectClose(dwd.data, referenceDepthwiseConv2dBackpropFilter(x, dyd, wd.shape, options).data, 'depthwise dW async');
  });

  it('reject bad arguments with coded errors', async () => {
    const x = { data: new Float32Array(1 * 6 * 6 * 4), shape: [1, 6, 6, 4] };
    const w = { data: new Float32Array(3 * 3 * 4 * 8), shape: [3, 3, 4, 8] };
    const dy = { data: new Float32Array(1 * 6 * 6 * 8), shape: [1, 6, 6, 8] };
    const same = { padding: 'same' } as const;
    const cases: [() => unknown, string, RegExp][] = [
      [() => conv2dBackpropInput(dy, w, x.shape), 'AMC_SHAPE_MISMATCH', /dy\.shape/],
      [() => conv2dBackpropInput(dy, w, [1, 6, 6], same), 'AMC_INVALID_ARGUMENT', /inputShape/],
      [() => conv2dBackpropInput(dy, w, [1, 6, 6, 5], same), 'AMC_SHAPE_MISMATCH', /filter\.shape/],
      [() => conv2dBackpropInput(dy, w, x.shape, { ...same, groups: 3 }), 'AMC_INVALID_ARGUMENT', /groups/],
      [() => conv2dBackpropInput(dy, w, x.shape, { ...same, out: new Float32Array(3) }), 'AMC_SHAPE_MISMATCH', /out/],
      [() => conv2dBackpropInput(dy, w, x.shape, { ...same, out: dy.data.subarray(0, 144) }), 'AMC_INVALID_ARGUMENT', /overlap/],
      [() => conv2dBackpropFilter(x, dy, [3, 3, 4, 7], same), 'AMC_SHAPE_MISMATCH', /dy\.shape/],
      [() => conv2dBackpropFilter(x, dy, [3, 3, 4], same), 'AMC_INVALID_ARGUMENT', /filterShape/],
      [() => conv2dBackpropFilter(x, dy, [3, 3, 2, 8], same), 'AMC_SHAPE_MISMATCH', /filter/],
      [() => depthwiseConv2dBackpropInput(dy, w, x.shape, same), 'AMC_SHAPE_MISMATCH', /dy\.shape/],
      [() => depthwiseConv2dBackpropInput(dy, { data: new Float32Array(27), shape: [3, 3, 3, 1] }, x.shape, same), 'AMC_SHAPE_MISMATCH', /filter/],
      [() => depthwiseConv2dBackpropFilter(x, dy, [3, 3, 4, 1], same), 'AMC_SHAPE_MISMATCH', /dy\.shape/],
      [() => depthwiseConv2dBackpropFilter(x, dy, [3, 3, 5, 2], same), 'AMC_SHAPE_MISMATCH', /filterShape/],
    ];
    for (const [run, code, message] of cases) expectCode(run, code, message);
    // The same filter shape is valid once groups say each group sees 2 of the 4 input channels.
    expect(conv2dBackpropFilter(x, dy, [3, 3, 2, 8], { ...same, groups: 2 }).shape).toEqual([3, 3, 2, 8]);
    await expect(conv2dBackpropFilterAsync(x, dy, [3, 3, 4, 7], same)).rejects.toMatchObject({ code: 'AMC_SHAPE_MISMATCH' });
    await expect(depthwiseConv2dBackpropFilterAsync(x, dy, [3, 3, 5, 2], same)).rejects.toMatchObject({ code: 'AMC_SHAPE_MISMATCH' });
  });
});
