import * as tf from '@tensorflow/tfjs-core';
import '@amc/tfjs';
import * as tfl from '@tensorflow/tfjs-layers';
import { ErrorCode } from '@amc/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectCode } from '@amc/testing';
import { Graph, SUPPORTED_LAYER_CLASSES, importModel, refreshNodeStats, type GraphNode } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Sym = tfl.SymbolicTensor;
const L = tfl.layers;

function of<K extends GraphNode['kind']>(node: GraphNode, kind: K): Extract<GraphNode, { kind: K }> {
  expect(node.kind).toBe(kind);
  return node as Extract<GraphNode, { kind: K }>;
}

describe('importModel', () => {
  it('records attributes, shapes, weights (copies) and stats of a functional model', () => {
    const x = tfl.input({ shape: [8, 8, 3], name: 'in' });
    let y = L.conv2d({ name: 'conv', filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(x) as Sym;
    y = L.batchNormalization({ name: 'bn', epsilon: 1e-5, scale: false }).apply(y) as Sym;
    y = L.reLU({ name: 'relu6', maxValue: 6 }).apply(y) as Sym;
    y = L.zeroPadding2d({ name: 'pad', padding: [[1, 0], [0, 2]] }).apply(y) as Sym;
    y = L.maxPooling2d({ name: 'pool', poolSize: 2 }).apply(y) as Sym;
    y = L.leakyReLU({ name: 'leaky', alpha: 0.1 }).apply(y) as Sym;
    y = L.reshape({ name: 'reshape', targetShape: [6, 4] }).apply(y) as Sym;
    y = L.flatten({ name: 'flat' }).apply(y) as Sym;
    y = L.dense({ name: 'fc', units: 2, activation: 'softmax' }).apply(y) as Sym;
    const model = tfl.model({ inputs: x, outputs: y, name: 'toy' });
    const graph = importModel(model);

    expect(graph.name).toBe('toy');
    expect(graph.nodes.map((n) => n.kind)).toEqual([
      'input',
      'conv2d',
      'batchNorm',
      'activation',
      'zeroPadding2d',
      'pool2d',
      'activation',
      'reshape',
      'flatten',
      'dense',
    ]);
    expect(graph.nodes.map((n) => n.inputs)).toEqual([[], [0], [1], [2], [3], [4], [5], [6], [7], [8]]);
    const c = of(graph.node('conv'), 'conv2d');
    expect(c.className).toBe('Conv2D');
    expect(c.attrs).toEqual({
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
      pads: [0, 1, 0, 1],
      dilation: [1, 1],
      filters: 4,
      useBias: true,
      activation: 'relu',
    });
    expect(c.inputShapes).toEqual([[8, 8, 3]]);
    expect(c.outputShape).toEqual([4, 4, 4]);
    expect(c.weights.kernel.shape).toEqual([3, 3, 3, 4]);
    expect(c.weights.bias?.shape).toEqual([4]);
    expect(c.macs).toBe(4 * 4 * 9 * 3 * 4);
    expect(c.params).toBe(3 * 3 * 3 * 4 + 4);
    expect(c.activationSize).toBe(64);
    const layerKernel = model.getLayer('conv').getWeights()[0] as tf.Tensor;
    expect(Array.from(c.weights.kernel.data)).toEqual(Array.from(layerKernel.dataSync()));
    // The graph owns a copy: rewriting it leaves the tfjs model alone.
    c.weights.kernel.data.fill(0);
    expect(layerKernel.dataSync().some((v) => v !== 0)).toBe(true);

    const b = of(graph.node('bn'), 'batchNorm');
    expect(b.attrs).toEqual({ epsilon: 1e-5, momentum: 0.99, center: true, scale: false });
    expect(Object.keys(b.weights)).toEqual(['beta', 'movingMean', 'movingVariance']);
    expect([b.params, b.trainableParams]).toEqual([12, 4]);
    expect(of(graph.node('relu6'), 'activation').attrs).toEqual({ activation: 'relu6', maxValue: null, alpha: null });
    expect(of(graph.node('leaky'), 'activation').attrs).toEqual({ activation: 'leakyRelu', maxValue: null, alpha: 0.1 });
    expect(of(graph.node('pad'), 'zeroPadding2d').attrs.pads).toEqual([1, 0, 0, 2]);
    expect(graph.node('pad').outputShape).toEqual([5, 6, 4]);
    expect(of(graph.node('pool'), 'pool2d').attrs).toMatchObject({ mode: 'max', kernelSize: [2, 2], strides: [2, 2], padding: 'valid' });
    expect(of(graph.node('reshape'), 'reshape').attrs.targetShape).toEqual([6, 4]);
    const fc = of(graph.node('fc'), 'dense');
    expect(fc.attrs).toEqual({ units: 2, useBias: true, activation: 'softmax' });
    expect(fc.macs).toBe(24 * 2);

    const totals = graph.totals();
    expect(totals.params).toBe(model.countParams());
    expect(totals.macs).toBe(c.macs + fc.macs);
    expect(totals.trainableParams).toBe(model.countParams() - 8);
    expect(graph.summary()).toContain('params 174 (trainable 166), MACs 1,776 per sample');
    model.dispose();
  });

  it('imports Sequential models, separable convs, avg / global pools, dropout and the activation layer', () => {
    const model = tfl.sequential({
      layers: [
        L.separableConv2d({ name: 'sep', inputShape: [6, 6, 2], filters: 3, kernelSize: 3, depthMultiplier: 2, dilationRate: 2 }),
        L.averagePooling2d({ name: 'avg', poolSize: 2, strides: 1, padding: 'same' }),
        L.activation({ name: 'act', activation: 'relu6' }),
        L.globalMaxPooling2d({ name: 'gmp' }),
        L.dropout({ name: 'drop', rate: 0.25 }),
        L.dense({ name: 'out', units: 4, useBias: false }),
      ],
    });
    const graph = importModel(model);
    expect(graph.nodes.map((n) => n.name)).toEqual(['sep_input', 'sep', 'avg', 'act', 'gmp', 'drop', 'out']);
    const sep = of(graph.node('sep'), 'separableConv2d');
    expect(sep.attrs.dilation).toEqual([2, 2]);
    expect(sep.attrs.depthMultiplier).toBe(2);
    expect(sep.outputShape).toEqual([2, 2, 3]);
    expect(sep.macs).toBe(2 * 2 * (9 * 2 * 2 + 2 * 2 * 3));
    expect(Object.keys(sep.weights)).toEqual(['depthwiseKernel', 'pointwiseKernel', 'bias']);
    expect(of(graph.node('avg'), 'pool2d').attrs).toMatchObject({ mode: 'avg', strides: [1, 1], pads: [0, 1, 0, 1] });
    expect(of(graph.node('act'), 'activation').attrs.activation).toBe('relu6');
    expect(of(graph.node('gmp'), 'globalPool2d').attrs.mode).toBe('max');
    expect(of(graph.node('drop'), 'dropout').attrs.rate).toBe(0.25);
    expect(of(graph.node('out'), 'dense').weights.bias).toBeUndefined();
    expect(graph.totals().params).toBe(model.countParams());
  });

  it('imports several inputs and outputs, and concatenations', () => {
    const a = tfl.input({ shape: [4, 4, 2], name: 'a' });
    const b = tfl.input({ shape: [4, 4, 3], name: 'b' });
    const cat = L.concatenate({ name: 'cat' }).apply([a, b]) as Sym;
    const y1 = L.conv2d({ name: 'y1', filters: 2, kernelSize: 1 }).apply(cat) as Sym;
    const y2 = L.depthwiseConv2d({ name: 'y2', kernelSize: 3, depthMultiplier: 3 }).apply(b) as Sym;
    const graph = importModel(tfl.model({ inputs: [a, b], outputs: [y1, y2] }));
    expect(graph.inputs.map((id) => graph.node(id).name)).toEqual(['a', 'b']);
    expect(graph.outputs.map((id) => graph.node(id).name)).toEqual(['y1', 'y2']);
    expect(of(graph.node('cat'), 'concat').attrs).toEqual({ axis: 2, onChannels: true });
    const dw = of(graph.node('y2'), 'depthwiseConv2d');
    expect(dw.macs).toBe(2 * 2 * 9 * 3 * 3);
    expect(dw.weights.depthwiseKernel.shape).toEqual([3, 3, 3, 3]);
    expect(dw.weights.bias?.shape).toEqual([9]);
  });

  it('clone() copies everything; refreshNodeStats follows shape and weight edits', () => {
    const model = tfl.sequential({ layers: [L.conv2d({ name: 'c', inputShape: [4, 4, 2], filters: 3, kernelSize: 1 })] });
    const graph = importModel(model);
    const copy = graph.clone();
    expect(copy).toBeInstanceOf(Graph);
    const original = of(graph.node('c'), 'conv2d');
    const node = of(copy.node('c'), 'conv2d');
    node.weights.kernel.data[0] = 42;
    expect(original.weights.kernel.data[0]).not.toBe(42);
    // Prune one output channel by hand: shapes, weights, then stats.
    node.weights.kernel = { data: node.weights.kernel.data.slice(0, 4), shape: [1, 1, 2, 2], trainable: true };
    node.weights.bias = { data: new Float32Array(2), shape: [2], trainable: true };
    node.outputShape = [4, 4, 2];
    node.attrs.filters = 2;
    refreshNodeStats(node);
    expect([node.macs, node.params]).toEqual([16 * 2 * 2, 6]);
    expect([original.macs, original.params]).toEqual([16 * 2 * 3, 9]);
    expect(copy.totals().params).toBe(6);
    expect(graph.totals().params).toBe(9);
  });

  it('Graph lookups throw coded errors', () => {
    const graph = importModel(tfl.sequential({ layers: [L.dense({ name: 'd', units: 2, inputShape: [3] })] }));
    expect(graph.node('d').id).toBe(1);
    expect(graph.successors(0)).toEqual([1]);
    expectCode(() => graph.node('nope'), ErrorCode.InvalidArgument, 'Graph.node', '"nope"');
    expectCode(() => graph.node(7), ErrorCode.InvalidArgument);
    expectCode(() => graph.successors(-1), ErrorCode.InvalidArgument);
  });
});

describe('importModel rejects what it cannot represent', () => {
  it('rejects a non-model argument', () => {
    expectCode(() => importModel(null as never), ErrorCode.InvalidArgument, 'importModel', 'LayersModel');
    expectCode(() => importModel({} as never), ErrorCode.InvalidArgument);
  });

  it('names the layer, its class and the supported list for an unsupported layer', () => {
    const x = tfl.input({ shape: [5, 3], name: 'seq' });
    // The default orthogonal initializer calls the chained op tensor.flatten(), which modular tfjs-core does not register.
    const y = L.lstm({ name: 'rnn', units: 4, recurrentInitializer: 'glorotNormal' }).apply(x) as Sym;
    const e = expectCode(() => importModel(tfl.model({ inputs: x, outputs: y })), ErrorCode.UnsupportedLayer, 'layer "rnn"', '"LSTM"');
    for (const cls of SUPPORTED_LAYER_CLASSES) expect(e.message).toContain(cls);

    const img = tfl.input({ shape: [4, 4, 2] });
    const up = L.conv2dTranspose({ name: 'up', filters: 2, kernelSize: 2, strides: 2 }).apply(img) as Sym;
    expectCode(() => importModel(tfl.model({ inputs: img, outputs: up })), ErrorCode.UnsupportedLayer, 'layer "up"', 'Conv2DTranspose');
  });

  it('rejects a custom (Lambda-like) layer and a nested model', () => {
    class Doubler extends tfl.layers.Layer {
      static className = 'Doubler';
      override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
        const t = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
        return tf.mul(t, 2);
      }
    }
    const x = tfl.input({ shape: [4] });
    const y = new Doubler({ name: 'double' }).apply(x) as Sym;
    expectCode(() => importModel(tfl.model({ inputs: x, outputs: y })), ErrorCode.UnsupportedLayer, 'layer "double"', 'Doubler');

    const inner = tfl.sequential({ name: 'inner', layers: [L.dense({ units: 3, inputShape: [4] })] });
    const z = inner.apply(x) as Sym;
    expectCode(() => importModel(tfl.model({ inputs: x, outputs: z })), ErrorCode.UnsupportedLayer, 'nested model');
  });

  it('rejects channels-first (NCHW) layers', () => {
    const x = tfl.input({ shape: [3, 8, 8] });
    const y = L.conv2d({ name: 'nchw', filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' }).apply(x) as Sym;
    expectCode(() => importModel(tfl.model({ inputs: x, outputs: y })), ErrorCode.Unsupported, 'dataFormat', 'channelsFirst', 'NCHW');
    const p = L.maxPooling2d({ name: 'pool', poolSize: 2, dataFormat: 'channelsFirst' }).apply(x) as Sym;
    expectCode(() => importModel(tfl.model({ inputs: x, outputs: p })), ErrorCode.Unsupported, 'layer "pool"');
  });

  it('rejects shared layers, dilation with stride, other BN axes, channel-moving reshapes and unknown sizes', () => {
    const x = tfl.input({ shape: [6, 6, 2] });
    const shared = L.conv2d({ name: 'shared', filters: 2, kernelSize: 1 });
    const twice = shared.apply(shared.apply(x) as Sym) as Sym;
    expectCode(() => importModel(tfl.model({ inputs: x, outputs: twice })), ErrorCode.Unsupported, 'layer "shared"', 'shared layers');

    const dil = L.conv2d({ name: 'dil', filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 }).apply(x) as Sym;
    expectCode(() => importModel(tfl.model({ inputs: x, outputs: dil })), ErrorCode.Unsupported, 'dilationRate', 'layer "dil"');

    const bnAxis = L.batchNormalization({ name: 'bn1', axis: 1 }).apply(x) as Sym;
    expectCode(() => importModel(tfl.model({ inputs: x, outputs: bnAxis })), ErrorCode.Unsupported, 'axis', 'layer "bn1"');

    const moved = L.reshape({ name: 'rs', targetShape: [36, 2, 1] }).apply(x) as Sym;
    expectCode(() => importModel(tfl.model({ inputs: x, outputs: moved })), ErrorCode.Unsupported, 'targetShape', 'layer "rs"');

    const open = tfl.input({ shape: [null, null, 3] as never });
    const y = L.conv2d({ name: 'c', filters: 2, kernelSize: 3 }).apply(open) as Sym;
    expectCode(() => importModel(tfl.model({ inputs: open, outputs: y })), ErrorCode.Unsupported, 'fixed inputShape');
  });
});
