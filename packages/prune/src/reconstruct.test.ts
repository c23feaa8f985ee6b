import * as tf from '@tensorflow/tfjs-core';
import '@amc/tfjs';
import * as tfl from '@tensorflow/tfjs-layers';
import { ErrorCode } from '@amc/core';
import { loadFashionMnist } from '@amc/datasets';
import { findGroups, importModel, type ChannelGroup, type Graph } from '@amc/graph';
import { compile } from '@amc/runtime';
import { createModel } from '@amc/zoo';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectCode, randomInput } from '@amc/testing';
import { randomizeBatchNorms } from '@amc/testing/tfjs';
import { prefixGraph } from './activations.js';
import { pruneChannels, reconstructConsumers } from './index.js';
import { meanSquaredError } from './test-utils.js';

const CALIBRATION = 256;
let calibration: Float32Array;
let heldOut: Float32Array;
let resnet: Graph;
let groups: ChannelGroup[];

beforeAll(async () => {
  await tf.setBackend('cpu');
  const data = await loadFashionMnist();
  const size = 28 * 28;
  calibration = data.validation.images.slice(0, CALIBRATION * size);
  heldOut = data.validation.images.slice(CALIBRATION * size, 2 * CALIBRATION * size);
  const model = createModel('resnet20', { seed: 3 });
  randomizeBatchNorms(model, 5);
  resnet = importModel(model);
  model.dispose();
  groups = findGroups(resnet);
});

describe('reconstructConsumers', () => {
  it('lowers the error of the last layer against the unreconstructed pruned resnet20 (Fashion-MNIST)', () => {
    const inner = groups.filter((g) => g.prunable && !g.isResidual);
    const pruned = pruneChannels(resnet, new Map(inner.map((g) => [g.id, 0.5])), { groups });
    const before = pruned.graph.clone();
    const { graph, layers, skipped } = reconstructConsumers(resnet, pruned.graph, pruned.kept, { images: calibration, count: CALIBRATION }, { groups, seed: 1 });
    expect(skipped).toEqual([]);
    expect(layers.map((l) => l.name)).toEqual(inner.map((g) => g.consumers[0]?.name));
    for (const l of layers) {
      expect(l.rows).toBe(CALIBRATION * 10);
      expect(Number.isFinite(l.residual)).toBe(true);
    }
    expect(layers[0]).toMatchObject({ kind: 'conv2d', cols: 9 * 8, outs: 16 });
    // The input pruned graph is untouched; only kernels change, not shapes or MACs.
    expect(pruned.graph.node('stage1.block0.conv2').weights).toEqual(before.node('stage1.block0.conv2').weights);
    expect(graph.totals()).toEqual(pruned.graph.totals());

    const run = (g: Graph, images: Float32Array) => compile(g).predictBatched(images, CALIBRATION, 64);
    for (const [label, images] of [['calibration', calibration], ['held-out', heldOut]] as const) {
      const reference = run(resnet, images);
      const errPruned = meanSquaredError(run(pruned.graph, images), reference);
      const errRecon = meanSquaredError(run(graph, images), reference);
      const scale = meanSquaredError(reference, new Float32Array(reference.length));
      console.log(
        `${label}: logits MSE vs original (mean square of the original logits ${scale.toExponential(3)}): ` +
          `pruned ${errPruned.toExponential(3)}, reconstructed ${errRecon.toExponential(3)}`,
      );
      expect(errRecon).toBeLessThan(errPruned);
    }
  });

  // conv (1x1, 1 input channel, no bias) makes every channel a multiple of the input, so the kept channels span the
  // dropped ones and a correct refit reproduces the original consumer exactly: a check of the im2col geometry
  // (stride, padding), of the dense rows after a flatten, and that the consumer's bias is counted once.
  it.each([
    ['a dense layer after a flatten', (x: tfl.SymbolicTensor) => tfl.layers.flatten({ name: 'flat' }).apply(x), { rows: 64, cols: 2 * 4 * 4, outs: 3 }],
    [
      'a strided 3x3 conv with same padding and a bias',
      (x: tfl.SymbolicTensor) => tfl.layers.conv2d({ name: 'next', filters: 5, kernelSize: 3, strides: 2, padding: 'same' }).apply(x),
      { rows: 64 * 4, cols: 9 * 2, outs: 5 },
    ],
  ] as const)('refits %s exactly when the dropped channels are linear in the kept ones', (_, tail, shape) => {
    const input = tfl.input({ shape: [4, 4, 1] });
    const conv = tfl.layers.conv2d({ name: 'conv', filters: 4, kernelSize: 1, useBias: false }).apply(input) as tfl.SymbolicTensor;
    let x = tail(conv) as tfl.SymbolicTensor;
    if (x.shape.length > 2) x = tfl.layers.flatten({ name: 'flat2' }).apply(x) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ name: 'fc', units: 3, biasInitializer: 'randomNormal' }).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const graph = importModel(model);
    model.dispose();
    const next = graph.nodes.find((n) => n.name === 'next');
    if (next?.kind === 'conv2d') next.weights.bias?.data.fill(0.7);
    const toyGroups = findGroups(graph);
    const group = toyGroups.find((g) => g.prunable && g.producers[0]?.name === 'conv') as ChannelGroup;
    const pruned = pruneChannels(graph, new Map([[group.id, 0.5]]), { groups: toyGroups });
    const images = randomInput(64 * 16, 4);
    const { graph: refit, layers } = reconstructConsumers(graph, pruned.graph, pruned.kept, { images, count: 64 });
    expect(layers).toHaveLength(1);
    expect(layers[0]).toMatchObject(shape);
    expect(layers[0]?.residual).toBeLessThan(1e-4);
    const reference = compile(graph).predict(images, 64);
    expect(meanSquaredError(compile(refit).predict(images, 64), reference)).toBeLessThan(1e-8);
    expect(meanSquaredError(compile(pruned.graph).predict(images, 64), reference)).toBeGreaterThan(1e-4);
  });

  it('refits the pointwise kernel of a separable-conv consumer on the depthwise outputs', () => {
    const init = (seed: number) => ({ kernelInitializer: tfl.initializers.glorotUniform({ seed }) });
    const x = tfl.input({ shape: [28, 28, 1] });
    const a = tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'a', ...init(1) }).apply(x) as tfl.SymbolicTensor;
    const sep = tfl.layers
      .separableConv2d({ filters: 6, kernelSize: 3, padding: 'same', depthMultiplier: 2, name: 'sep', depthwiseInitializer: tfl.initializers.glorotUniform({ seed: 2 }), pointwiseInitializer: tfl.initializers.glorotUniform({ seed: 3 }) })
      .apply(a) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: sep });
    const graph = importModel(model);
    model.dispose();
    const g = findGroups(graph);
    const group = g.find((c) => c.producers.some((p) => p.name === 'a'))!;
    const pruned = pruneChannels(graph, new Map([[group.id, 0.5]]), { groups: g });
    const { graph: refit, layers, skipped } = reconstructConsumers(graph, pruned.graph, pruned.kept, { images: calibration.subarray(0, 64 * 28 * 28), count: 64 }, { groups: g, seed: 2 });
    expect(skipped).toEqual([]);
    expect(layers).toMatchObject([{ name: 'sep', kind: 'separableConv2d', cols: 8, outs: 6 }]);
    const n = 64;
    const images = heldOut.subarray(0, n * 28 * 28);
    const reference = compile(graph).predict(images, n);
    const before = meanSquaredError(compile(pruned.graph).predict(images, n), reference);
    const after = meanSquaredError(compile(refit).predict(images, n), reference);
    expect(after).toBeLessThan(0.8 * before);
  });

  it('prefixGraph keeps the ancestors of a node, renumbered, and can drop its activation', () => {
    const prefix = prefixGraph(resnet, resnet.node('stage1.block0.conv2').id, true);
    expect(prefix.nodes.at(-1)?.name).toBe('stage1.block0.conv2');
    expect(prefix.nodes.map((n) => n.id)).toEqual(prefix.nodes.map((_, i) => i));
    expect(prefix.nodes.some((n) => n.name === 'stage1.block0.add' || n.name.startsWith('stage2'))).toBe(false);
  });

  it('throws coded errors for bad arguments', () => {
    const inner = groups.filter((g) => g.prunable && !g.isResidual).slice(0, 1);
    const pruned = pruneChannels(resnet, new Map(inner.map((g) => [g.id, 0.5])), { groups });
    const cal = { images: calibration.subarray(0, 2 * 784), count: 2 };
    expectCode(() => reconstructConsumers({} as Graph, pruned.graph, pruned.kept, cal), ErrorCode.InvalidArgument);
    expectCode(() => reconstructConsumers(resnet, pruned.graph, pruned.kept, { images: calibration.subarray(0, 100), count: 2 }), ErrorCode.ShapeMismatch);
    expectCode(() => reconstructConsumers(resnet, pruned.graph, pruned.kept, { images: new Float32Array(0), count: 0 }), ErrorCode.InvalidArgument);
    expectCode(() => reconstructConsumers(resnet, pruned.graph, new Map([[99, [0]]]), cal), ErrorCode.InvalidArgument);
    expectCode(() => reconstructConsumers(resnet, pruned.graph, pruned.kept, cal, { positionsPerImage: 0 }), ErrorCode.InvalidArgument);
    expectCode(() => reconstructConsumers(resnet, pruned.graph, pruned.kept, cal, { ridge: -1 }), ErrorCode.InvalidArgument);
  });
});
