import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@amc/tfjs';
import { ErrorCode } from '@amc/core';
import { importModel } from '@amc/graph';
import { createModel } from '@amc/zoo';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectCode, randomInput, relativeError } from '@amc/testing';
import { randomizeBatchNorms } from '@amc/testing/tfjs';
import { compile, type CompiledModel } from './index.js';
import { tfPredict } from './test-utils.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A functional model with every non-zoo layer kind the runtime runs. */
function toyModel(): tfl.LayersModel {
  const init = (seed: number) => ({ kernelInitializer: tfl.initializers.glorotUniform({ seed }), biasInitializer: tfl.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: seed + 1 }) });
  const x = tfl.input({ shape: [9, 9, 3], name: 'x' });
  const a = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'a', ...init(1) }).apply(x) as tfl.SymbolicTensor;
  const padded = tfl.layers.zeroPadding2d({ padding: [[1, 2], [0, 1]], name: 'pad' }).apply(x) as tfl.SymbolicTensor;
  const b = tfl.layers.conv2d({ filters: 5, kernelSize: [4, 2], padding: 'valid', name: 'b', ...init(3) }).apply(padded) as tfl.SymbolicTensor;
  const cat = tfl.layers.concatenate({ axis: -1, name: 'cat' }).apply([a, b]) as tfl.SymbolicTensor;
  const maxPool = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same', name: 'maxpool' }).apply(cat) as tfl.SymbolicTensor;
  const bn = tfl.layers.batchNormalization({ name: 'bn' }).apply(maxPool) as tfl.SymbolicTensor;
  const avgPool = tfl.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same', name: 'avgpool' }).apply(bn) as tfl.SymbolicTensor;
  const sig = tfl.layers.activation({ activation: 'sigmoid', name: 'sig' }).apply(avgPool) as tfl.SymbolicTensor;
  const avgValid = tfl.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'valid', name: 'avgvalid' }).apply(sig) as tfl.SymbolicTensor;
  const flat = tfl.layers.flatten({ name: 'flat' }).apply(avgValid) as tfl.SymbolicTensor;
  const drop = tfl.layers.dropout({ rate: 0.5, name: 'drop' }).apply(flat) as tfl.SymbolicTensor;
  const fc = tfl.layers.dense({ units: 6, activation: 'tanh', name: 'fc', ...init(5) }).apply(drop) as tfl.SymbolicTensor;
  const leaky = tfl.layers.leakyReLU({ alpha: 0.1, name: 'leaky' }).apply(fc) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 3, name: 'out', ...init(7) }).apply(leaky) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: x, outputs: out, name: 'toy' });
  randomizeBatchNorms(model, 5);
  return model;
}

describe('a toy functional model', () => {
  it('matches tfjs: concat, max / avg pools, zero padding, standalone BN, sigmoid, flatten, dropout, dense', async () => {
    const model = toyModel();
    const compiled = compile(importModel(model));
    const ops = compiled.steps.map((s) => s.op);
    expect(ops).toEqual(['conv2d', 'zeroPadding2d', 'conv2d', 'concat', 'pool2d', 'batchNorm', 'pool2d', 'pool2d', 'dense', 'activation', 'dense']);
    expect(compiled.steps[0]).toMatchObject({ layers: ['a'], activation: 'relu' });
    // The BN after the pool stays standalone; the sigmoid runs in place after the pool that is its only reader.
    expect(compiled.steps[5]).toMatchObject({ layers: ['bn'], activation: 'none', post: null });
    expect(compiled.steps[6]).toMatchObject({ layers: ['avgpool', 'sig'], post: 'sigmoid' });
    // One post-activation per step: tanh is fused into fc, the leaky relu after it is its own step.
    expect(compiled.steps[8]).toMatchObject({ layers: ['fc'], post: 'tanh' });
    expect(compiled.steps[9]).toMatchObject({ op: 'activation', layers: ['leaky'], post: 'leakyRelu' });
    for (const batch of [1, 3]) {
      const input = randomInput(batch * compiled.inputSize, 10 + batch);
      for (const backend of ['cpu', 'amc-native']) {
        await tf.setBackend(backend);
        expect(relativeError(compiled.predict(input, batch), tfPredict(model, input, batch))).toBeLessThan(1e-5);
      }
    }
    await tf.setBackend('cpu');
    model.dispose();
  });
});

/** input [2, 2, 1] -> flatten -> dense(3) with the given kernel [4, 3] and bias [3]. */
function tinyModel(kernel: number[], bias: number[]): tfl.LayersModel {
  const model = tfl.sequential({ name: 'tiny' });
  model.add(tfl.layers.flatten({ inputShape: [2, 2, 1], name: 'flat' }));
  model.add(tfl.layers.dense({ units: 3, name: 'fc' }));
  model.layers[1]?.setWeights([tf.tensor2d(kernel, [4, 3]), tf.tensor1d(bias)]);
  return model;
}

describe('evaluate and batching', () => {
  const kernel = [0.5, -1, 0.25, 1, 0, -0.5, -0.75, 0.5, 1, 0.1, 0.2, 0.3];
  const bias = [0.1, -0.2, 0.3];
  let compiled: CompiledModel;
  beforeAll(() => {
    const model = tinyModel(kernel, bias);
    compiled = compile(importModel(model));
    model.dispose();
  });

  it('evaluate agrees with a hand computation', () => {
    const images = new Float32Array([1, 2, 3, 4, -1, 0.5, 0, 2, 0, 0, 0, 0]);
    const labels = [2, 0, 1];
    let loss = 0;
    let correct = 0;
    for (let n = 0; n < 3; n++) {
      const logits = [0, 1, 2].map((j) => (bias[j] as number) + [0, 1, 2, 3].reduce((s, i) => s + (images[n * 4 + i] as number) * (kernel[i * 3 + j] as number), 0));
      const label = labels[n] as number;
      loss += Math.log(logits.reduce((s, v) => s + Math.exp(v), 0)) - (logits[label] as number);
      if (logits.indexOf(Math.max(...logits)) === label) correct++;
    }
    for (const batchSize of [1, 2, 128]) {
      const result = compiled.evaluate(images, labels, batchSize);
      expect(result.accuracy).toBeCloseTo(correct / 3, 10);
      expect(result.loss).toBeCloseTo(loss / 3, 5);
    }
    expectCode(() => compiled.evaluate(images, [2, 0]), ErrorCode.ShapeMismatch);
    expectCode(() => compiled.evaluate(images, [2, 0, 3]), ErrorCode.InvalidArgument);
    expectCode(() => compiled.evaluate(images, [2, 0, 0.5]), ErrorCode.InvalidArgument);
    expectCode(() => compiled.evaluate(images.subarray(1), [2, 0, 1]), ErrorCode.ShapeMismatch);
  });

  it('predictBatched equals one big predict, and predict can write into out', () => {
    const images = randomInput(7 * 4, 1);
    const all = compiled.predict(images, 7);
    expect(compiled.predictBatched(images, 7, 3)).toEqual(all);
    const out = new Float32Array(21);
    expect(compiled.predict(images, 7, out)).toBe(out);
    expect(out).toEqual(all);
    expect(compiled.boundBatchSizes).toEqual(expect.arrayContaining([1, 3, 7]));
  });

  it('rejects bad inputs with coded errors', () => {
    expectCode(() => compiled.predict(new Float32Array(7), 2), ErrorCode.ShapeMismatch);
    expectCode(() => compiled.predict(new Float32Array(0), 0), ErrorCode.InvalidArgument);
    expectCode(() => compiled.predict(new Float32Array(4), 1.5), ErrorCode.InvalidArgument);
    expectCode(() => compiled.predict(new Float64Array(4) as unknown as Float32Array, 1), ErrorCode.InvalidArgument);
    expectCode(() => compiled.predict([1, 2, 3, 4] as unknown as Float32Array, 1), ErrorCode.InvalidArgument);
    expectCode(() => compiled.predict(new Float32Array(4), 1, new Float32Array(2)), ErrorCode.ShapeMismatch);
    expectCode(() => compiled.predictBatched(new Float32Array(8), 2, 0), ErrorCode.InvalidArgument);
    expectCode(() => compile({} as never), ErrorCode.InvalidArgument);
    const graph = importModel(tinyModel(kernel, bias));
    expectCode(() => compile(graph, { numThreads: 0 }), ErrorCode.InvalidArgument);
    expectCode(() => compile(graph, { threads: 2 } as never), ErrorCode.InvalidArgument);
  });
});

describe('fusion in the zoo', () => {
  it('resnet20: every BN folded, the block relu fused into the add, the stem relu into the conv', () => {
    const model = createModel('resnet20', { seed: 1 });
    const compiled = compile(importModel(model), { numThreads: 1 });
    model.dispose();
    const counts: Record<string, number> = {};
    for (const s of compiled.steps) counts[s.op] = (counts[s.op] ?? 0) + 1;
    expect(counts['batchNorm']).toBeUndefined();
    expect(counts['activation']).toBeUndefined();
    const adds = compiled.steps.filter((s) => s.op === 'add');
    expect(adds.length).toBe(9);
    for (const add of adds) expect(add.activation).toBe('relu');
    expect(compiled.steps[0]).toMatchObject({ op: 'conv2d', activation: 'relu' });
    expect(compiled.steps[0]?.layers.length).toBe(3);
    expect(compiled.predict(randomInput(2 * 784, 2), 2).every(Number.isFinite)).toBe(true);
  });
});

describe('TypeScript activations', () => {
  const NAMES = ['elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh', 'softplus', 'softsign', 'swish', 'mish', 'gelu', 'gelu_new', 'softmax', 'relu6'];
  it.each(NAMES)('%s matches tfjs as a standalone layer', (name) => {
    const model = tfl.sequential({ layers: [tfl.layers.activation({ activation: name as never, inputShape: [4, 6] })] });
    const compiled = compile(importModel(model));
    const input = randomInput(2 * 24, 4).map((v) => v * 4);
    expect(relativeError(compiled.predict(input, 2), tfPredict(model, input, 2))).toBeLessThan(1e-5);
    model.dispose();
  });

  it('a ReLU with a cap other than 6 and a LeakyReLU', () => {
    const x = tfl.input({ shape: [10] });
    const capped = tfl.layers.reLU({ maxValue: 2.5 }).apply(x) as tfl.SymbolicTensor;
    const y = tfl.layers.leakyReLU({ alpha: 0.2 }).apply(tfl.layers.dense({ units: 8 }).apply(capped) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: y });
    const compiled = compile(importModel(model));
    expect(compiled.steps.map((s) => [s.op, s.post])).toEqual([['activation', 'relu'], ['dense', 'leakyRelu']]);
    const input = randomInput(30, 9).map((v) => v * 5);
    expect(relativeError(compiled.predict(input, 3), tfPredict(model, input, 3))).toBeLessThan(1e-5);
    model.dispose();
  });
});

describe('separable convolutions', () => {
  it('depthwise then 1x1, with the BN folded into the pointwise part and relu6 fused', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.separableConv2d({ inputShape: [7, 7, 3], filters: 5, kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, name: 'sep', biasInitializer: 'glorotUniform' }),
        tfl.layers.batchNormalization({ name: 'sep.bn' }),
        tfl.layers.reLU({ maxValue: 6, name: 'sep.relu' }),
        tfl.layers.globalMaxPooling2d({ name: 'gmp' }),
        tfl.layers.reshape({ targetShape: [1, 5], name: 'reshape' }),
        tfl.layers.dense({ units: 4, activation: 'softmax', name: 'fc' }),
      ],
    });
    randomizeBatchNorms(model, 3);
    const compiled = compile(importModel(model));
    expect(compiled.steps.map((s) => [s.op, s.layers.join('+'), s.activation, s.post])).toEqual([
      ['depthwiseConv2d', 'sep/depthwise', 'none', null],
      ['conv2d', 'sep/pointwise+sep.bn+sep.relu', 'relu6', null],
      ['globalPool2d', 'gmp', 'none', null],
      ['dense', 'fc', 'none', 'softmax'],
    ]);
    const input = randomInput(2 * 147, 8);
    for (const backend of ['cpu', 'amc-native']) {
      await tf.setBackend(backend);
      expect(relativeError(compiled.predict(input, 2), tfPredict(model, input, 2))).toBeLessThan(1e-5);
    }
    await tf.setBackend('cpu');
    model.dispose();
  });
});
