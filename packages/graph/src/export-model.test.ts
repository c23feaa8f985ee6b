import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@amc/core';
import { loadModel, readModelMetadata } from '@amc/tfjs';
import { createModel, type ModelName } from '@amc/zoo';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SUPPORTED_LAYER_CLASSES,
  exportModel,
  importModel,
  refreshNodeStats,
  saveGraph,
  weightEntries,
  type Conv2dNode,
  type Graph,
  type GraphNode,
} from './index.js';
import { expectCode, expectCodeAsync } from '@amc/testing';

let dir: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'amc-export-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Sym = tfl.SymbolicTensor;
const L = tfl.layers;

/** Random inputs for every model input (batch 2), from a fixed seed. */
function randomInputs(model: tfl.LayersModel, seed = 7): tf.Tensor[] {
  return model.inputs.map((t, i) => tf.randomNormal([2, ...(t.shape.slice(1) as number[])], 0, 1, 'float32', seed + i));
}

/** The outputs of `model` as arrays. */
function predict(model: tfl.LayersModel, inputs: tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => {
    const out = model.predict(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs);
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
  });
}

function maxAbsDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  a.forEach((x, i) => {
    const y = b[i] as Float32Array;
    expect(x.length).toBe(y.length);
    for (let j = 0; j < x.length; j++) max = Math.max(max, Math.abs((x[j] as number) - (y[j] as number)));
  });
  return max;
}

/** The config fields the IR carries (the rest, initializers and the like, are tfjs defaults after export). */
const CONFIG_FIELDS = [
  'filters',
  'kernelSize',
  'strides',
  'padding',
  'dilationRate',
  'useBias',
  'activation',
  'depthMultiplier',
  'units',
  'epsilon',
  'momentum',
  'center',
  'scale',
  'poolSize',
  'maxValue',
  'alpha',
  'rate',
  'targetShape',
];

function pick(layer: tfl.layers.Layer): Record<string, unknown> {
  const config = layer.getConfig() as Record<string, unknown>;
  const out: Record<string, unknown> = { className: layer.getClassName() };
  for (const f of CONFIG_FIELDS) if (config[f] !== undefined && config[f] !== null) out[f] = config[f];
  return out;
}

/** Same layer names, classes and IR-relevant configs; same parameter count; the re-imported graph equals `graph`. */
function expectSameStructure(original: tfl.LayersModel, exported: tfl.LayersModel, graph: Graph): void {
  const byName = new Map(exported.layers.map((l) => [l.name, l]));
  expect([...byName.keys()].sort()).toEqual(original.layers.map((l) => l.name).sort());
  for (const layer of original.layers) expect(pick(byName.get(layer.name) as tfl.layers.Layer), layer.name).toEqual(pick(layer));
  expect(exported.countParams()).toBe(original.countParams());
  expect(exported.trainableWeights.length).toBe(original.trainableWeights.length);
  const again = importModel(exported);
  expect(again.totals()).toEqual(graph.totals());
  for (const node of graph.nodes) {
    const other = again.node(node.name);
    expect([other.kind, other.className, other.inputs, other.outputShape, other.attrs]).toEqual([
      node.kind,
      node.className,
      node.inputs,
      node.outputShape,
      node.attrs,
    ]);
    for (const [key, w] of weightEntries(node)) {
      const o = weightEntries(other).find(([k]) => k === key)?.[1];
      expect(o?.shape).toEqual(w.shape);
      expect(o?.trainable).toBe(w.trainable);
      expect(Array.from(o?.data ?? [])).toEqual(Array.from(w.data));
    }
  }
}

/** Every layer kind the IR knows, two inputs and two outputs; activations in all their tfjs forms. */
function toyModel(separableMultiplier: number): tfl.LayersModel {
  const a = tfl.input({ shape: [9, 9, 3], name: 'a' });
  const b = tfl.input({ shape: [4, 4, 2], name: 'b' });
  let x = L.zeroPadding2d({ name: 'pad', padding: [[1, 0], [2, 1]] }).apply(a) as Sym;
  x = L.conv2d({ name: 'c1', filters: 6, kernelSize: [3, 5], strides: 1, padding: 'valid', activation: 'elu' }).apply(x) as Sym;
  x = L.batchNormalization({ name: 'bn1', center: false, epsilon: 1e-2, momentum: 0.9 }).apply(x) as Sym;
  x = L.leakyReLU({ name: 'leaky', alpha: 0.2 }).apply(x) as Sym;
  const d = L.depthwiseConv2d({ name: 'dw', kernelSize: 3, padding: 'same', depthMultiplier: 2, useBias: true }).apply(x) as Sym;
  const r6 = L.reLU({ name: 'r6', maxValue: 6 }).apply(d) as Sym;
  const s = L.separableConv2d({ name: 'sep', filters: 5, kernelSize: 3, padding: 'same', depthMultiplier: separableMultiplier, dilationRate: 2 }).apply(x) as Sym;
  const r3 = L.reLU({ name: 'r3', maxValue: 3 }).apply(s) as Sym;
  let y = L.concatenate({ name: 'cat', axis: -1 }).apply([r6, r3]) as Sym;
  y = L.maxPooling2d({ name: 'mp', poolSize: 3, strides: 2, padding: 'same' }).apply(y) as Sym;
  y = L.activation({ name: 'sig', activation: 'sigmoid' }).apply(y) as Sym;
  const bb = L.conv2d({ name: 'cb', filters: 17, kernelSize: 1, useBias: false }).apply(b) as Sym;
  const rb = L.reLU({ name: 'rb' }).apply(bb) as Sym;
  const padded = L.zeroPadding2d({ name: 'padb', padding: [[1, 0], [1, 0]] }).apply(rb) as Sym;
  const pooled = L.averagePooling2d({ name: 'ap', poolSize: 2, strides: 1, padding: 'valid' }).apply(padded) as Sym;
  const proj = L.conv2d({ name: 'proj', filters: 17, kernelSize: 1, activation: 'relu6' }).apply(y) as Sym;
  const sum = L.add({ name: 'sum' }).apply([pooled, proj]) as Sym;
  // (Not [sum, sum]: tfjs 4.22's predict disposes a tensor that one layer reads twice too early.)
  const rows = L.concatenate({ name: 'rows', axis: 1 }).apply([sum, pooled]) as Sym;
  let head = L.flatten({ name: 'flat' }).apply(rows) as Sym;
  head = L.dropout({ name: 'drop', rate: 0.25 }).apply(head) as Sym;
  head = L.dense({ name: 'fc1', units: 12, activation: 'tanh' }).apply(head) as Sym;
  head = L.reshape({ name: 'rs', targetShape: [1, 12] }).apply(head) as Sym;
  head = L.dense({ name: 'fc2', units: 6, useBias: false }).apply(head) as Sym;
  const out1 = L.activation({ name: 'soft', activation: 'softmax' }).apply(head) as Sym;
  const out2 = L.globalMaxPooling2d({ name: 'gmp' }).apply(sum) as Sym;
  const out2b = L.activation({ name: 'r6act', activation: 'relu6' }).apply(out2) as Sym;
  const model = tfl.model({ inputs: [a, b], outputs: [out1, out2b], name: 'toy' });
  // Non-trivial batch-norm statistics, so the round trip checks them.
  const bn = model.getLayer('bn1');
  bn.setWeights(bn.getWeights().map((w, i) => tf.tidy(() => (i === 0 ? tf.mul(w, 1.5) : tf.add(w, tf.randomUniform(w.shape, 0.2, 1, 'float32', 3))))));
  return model;
}

describe('exportModel', () => {
  const ZOO: { name: ModelName; alpha?: number }[] = [{ name: 'resnet20' }, { name: 'mobilenetV2', alpha: 0.25 }, { name: 'vgg' }];
  it.each(ZOO)('$name $alpha: importModel -> exportModel predicts what the original does', ({ name, alpha }) => {
    const model = createModel(name, { seed: 1, ...(alpha === undefined ? {} : { alpha }) });
    const graph = importModel(model);
    const exported = exportModel(graph);
    expect(exported.name).toBe(model.name);
    expectSameStructure(model, exported, graph);
    const inputs = randomInputs(model);
    expect(maxAbsDiff(predict(exported, inputs), predict(model, inputs))).toBeLessThanOrEqual(1e-6);
    tf.dispose(inputs);
    model.dispose();
    exported.dispose();
  });

  it('round-trips every layer kind: pad, conv, BN, LeakyReLU, depthwise, ReLU caps, separable, concat, pools, Activation, add, flatten, dropout, dense, reshape', () => {
    const model = toyModel(2);
    const graph = importModel(model);
    const exported = exportModel(graph, { name: 'toy-export' });
    expect(exported.name).toBe('toy-export');
    expect(exported.inputs.map((t) => t.sourceLayer.name)).toEqual(['a', 'b']);
    expectSameStructure(model, exported, graph);
    expect(exported.getLayer('r6').getClassName()).toBe('ReLU');
    expect(exported.getLayer('r6act').getClassName()).toBe('Activation');
    const inputs = randomInputs(model);
    expect(maxAbsDiff(predict(exported, inputs), predict(model, inputs))).toBeLessThanOrEqual(1e-6);
    tf.dispose(inputs);
    model.dispose();
    exported.dispose();
  });

  it('copies the weights: editing the graph afterwards does not change the model; frozen layers stay frozen', () => {
    const model = toyModel(1);
    model.getLayer('fc1').trainable = false;
    const graph = importModel(model);
    const exported = exportModel(graph);
    expect(exported.getLayer('fc1').trainable).toBe(false);
    expect(exported.trainableWeights.length).toBe(model.trainableWeights.length);
    const kernel = (graph.node('c1') as Conv2dNode).weights.kernel;
    const before = Array.from(exported.getLayer('c1').getWeights()[0]?.dataSync() ?? []);
    kernel.data.fill(42);
    expect(Array.from(exported.getLayer('c1').getWeights()[0]?.dataSync() ?? [])).toEqual(before);
    model.dispose();
    exported.dispose();
  });

  it('exports a pruned graph: fewer channels, the same function as the original with those channels zeroed', () => {
    const x = tfl.input({ shape: [6, 6, 3], name: 'x' });
    let y = L.conv2d({ name: 'c1', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x) as Sym;
    y = L.conv2d({ name: 'c2', filters: 4, kernelSize: 3, padding: 'same' }).apply(y) as Sym;
    y = L.globalAveragePooling2d({ name: 'gap' }).apply(y) as Sym;
    const model = tfl.model({ inputs: x, outputs: L.dense({ name: 'fc', units: 3 }).apply(y) as Sym, name: 'small' });
    const graph = importModel(model);
    const keep = [0, 2, 5];

    // Prune c1's output channels (and c2's input channels) to `keep`, as a pruning pass would.
    const c1 = graph.node('c1') as Conv2dNode;
    const c2 = graph.node('c2') as Conv2dNode;
    const k1 = c1.weights.kernel;
    const k1New = new Float32Array(3 * 3 * 3 * keep.length);
    for (let p = 0; p < 27; p++) keep.forEach((c, j) => (k1New[p * keep.length + j] = k1.data[p * 8 + c] as number));
    c1.weights.kernel = { ...k1, data: k1New, shape: [3, 3, 3, keep.length] };
    const b1 = c1.weights.bias as NonNullable<typeof c1.weights.bias>;
    c1.weights.bias = { ...b1, data: Float32Array.from(keep.map((c) => b1.data[c] as number)), shape: [keep.length] };
    c1.attrs.filters = keep.length;
    c1.outputShape = [6, 6, keep.length];
    const k2 = c2.weights.kernel;
    const k2New = new Float32Array(9 * keep.length * 4);
    for (let p = 0; p < 9; p++) {
      keep.forEach((c, j) => {
        for (let o = 0; o < 4; o++) k2New[(p * keep.length + j) * 4 + o] = k2.data[(p * 8 + c) * 4 + o] as number;
      });
    }
    c2.weights.kernel = { ...k2, data: k2New, shape: [3, 3, keep.length, 4] };
    c2.inputShapes = [[6, 6, keep.length]];
    refreshNodeStats(c1);
    refreshNodeStats(c2);

    const pruned = exportModel(graph);
    expect(pruned.getLayer('c1').getWeights()[0]?.shape).toEqual([3, 3, 3, 3]);
    expect(pruned.countParams()).toBe(graph.totals().params);
    expect(pruned.countParams()).toBeLessThan(model.countParams());

    // Reference: the original with the dropped filters of c1 zeroed (relu(0) = 0 feeds nothing to c2).
    const layer = model.getLayer('c1');
    layer.setWeights(
      tf.tidy(() => {
        const mask = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7].map((c) => (keep.includes(c) ? 1 : 0)));
        return layer.getWeights().map((w) => tf.mul(w, mask));
      }),
    );
    const inputs = randomInputs(model);
    expect(maxAbsDiff(predict(pruned, inputs), predict(model, inputs))).toBeLessThanOrEqual(1e-5);
    tf.dispose(inputs);
    model.dispose();
    pruned.dispose();
  });

  it('gives coded errors for bad arguments and inconsistent graphs', () => {
    const model = toyModel(1);
    const graph = importModel(model);
    model.dispose();
    expectCode(() => exportModel({} as Graph), ErrorCode.InvalidArgument, 'exportModel', 'graph');
    expectCode(() => exportModel(null as unknown as Graph), ErrorCode.InvalidArgument, 'graph');
    expectCode(() => exportModel(graph, null as never), ErrorCode.InvalidArgument, 'options');
    expectCode(() => exportModel(graph, { name: '' }), ErrorCode.InvalidArgument, 'options.name');

    const badKernel = graph.clone();
    const c1 = badKernel.node('c1') as Conv2dNode;
    c1.weights.kernel = { ...c1.weights.kernel, shape: [3, 5, 3, 5], data: new Float32Array(225) };
    expectCode(() => exportModel(badKernel), ErrorCode.ShapeMismatch, 'node "c1"', 'kernel');

    const missingBias = graph.clone();
    delete (missingBias.node('c1') as Conv2dNode).weights.bias;
    expectCode(() => exportModel(missingBias), ErrorCode.InvalidArgument, 'bias', 'node "c1"');

    const badShape = graph.clone();
    badShape.node('fc1').outputShape = [13];
    expectCode(() => exportModel(badShape), ErrorCode.ShapeMismatch, 'outputShape', 'node "fc1"');

    const fusedLeaky = graph.clone();
    (fusedLeaky.node('c1') as Conv2dNode).attrs.activation = 'leakyRelu';
    expectCode(() => exportModel(fusedLeaky), ErrorCode.Unsupported, 'leakyRelu', 'node "c1"');

    const unknownKind = graph.clone();
    (unknownKind.node('flat') as { kind: string }).kind = 'lambda';
    expectCode(() => exportModel(unknownKind), ErrorCode.UnsupportedLayer, 'flat', 'lambda');

    // Operands that do not fit (a pruned conv whose successor was not updated).
    const unfit = graph.clone();
    const cb = unfit.node('cb') as GraphNode & { kind: 'conv2d' };
    cb.attrs.filters = 16;
    cb.weights.kernel = { ...cb.weights.kernel, shape: [1, 1, 2, 16], data: new Float32Array(32) };
    cb.outputShape = [4, 4, 16];
    for (const name of ['rb', 'padb']) unfit.node(name).outputShape = [name === 'padb' ? 5 : 4, name === 'padb' ? 5 : 4, 16];
    unfit.node('ap').outputShape = [4, 4, 16];
    expectCode(() => exportModel(unfit), ErrorCode.ShapeMismatch, 'node "sum"');
  });
});

describe('saveGraph', () => {
  it('saves a model that loadModel and plain tfjs load back, with standard layer classes and the metadata', async () => {
    const model = toyModel(1);
    const graph = importModel(model);
    const out = join(dir, 'toy');
    await saveGraph(graph, out, { accuracy: 0.9 });
    const json = JSON.parse(await readFile(join(out, 'model.json'), 'utf8')) as {
      modelTopology: { class_name: string; config: { layers: { class_name: string }[] } };
    };
    const classes = new Set(json.modelTopology.config.layers.map((l) => l.class_name));
    for (const c of classes) expect(SUPPORTED_LAYER_CLASSES).toContain(c);
    expect(json.modelTopology.class_name).toMatch(/^(Model|Functional)$/);
    expect(await readModelMetadata(out)).toEqual({ accuracy: 0.9 });

    const loaded = await loadModel(out);
    const inputs = randomInputs(model);
    expect(maxAbsDiff(predict(loaded, inputs), predict(model, inputs))).toBeLessThanOrEqual(1e-6);
    expectSameStructure(model, loaded, graph);
    tf.dispose(inputs);
    model.dispose();
    loaded.dispose();
  });

  it('validates its arguments', async () => {
    const model = toyModel(1);
    const graph = importModel(model);
    model.dispose();
    await expectCodeAsync(saveGraph(graph, ''), ErrorCode.InvalidArgument, 'saveGraph', 'dir');
    await expectCodeAsync(saveGraph(graph, join(dir, 'x'), [] as never), ErrorCode.InvalidArgument, 'metadata');
    await expectCodeAsync(saveGraph({} as Graph, join(dir, 'y')), ErrorCode.InvalidArgument, 'exportModel', 'graph');
  });
});
