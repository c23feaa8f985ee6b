import * as tf from '@tensorflow/tfjs-core';
import '@amc/tfjs';
import * as tfl from '@tensorflow/tfjs-layers';
import { ErrorCode } from '@amc/core';
import { findGroups, importModel, type ChannelGroup, type Graph } from '@amc/graph';
import { compile } from '@amc/runtime';
import { createModel } from '@amc/zoo';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectCode, randomInput, relativeError } from '@amc/testing';
import { randomizeBatchNorms } from '@amc/testing/tfjs';
import { groupImportance, keptChannelCount, pruneChannels } from './index.js';
import { maskConsumers } from './test-utils.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Sym = tfl.SymbolicTensor;
const L = tfl.layers;

function run(graph: Graph, input: Float32Array, batch: number): Float32Array {
  return compile(graph).predict(input, batch);
}

let resnet: Graph;
let resnetGroups: ChannelGroup[];
beforeAll(() => {
  const model = createModel('resnet20', { seed: 3 });
  randomizeBatchNorms(model, 5);
  resnet = importModel(model);
  model.dispose();
  resnetGroups = findGroups(resnet);
});

describe('keptChannelCount', () => {
  it('rounds to the nearest count, then up to the channel multiple, capped at the channel count', () => {
    expect(keptChannelCount(16, 0.5)).toBe(8);
    expect(keptChannelCount(64, 0.3)).toBe(19);
    expect(keptChannelCount(64, 0.3, 8)).toBe(24);
    expect(keptChannelCount(64, 0.25, 8)).toBe(16);
    expect(keptChannelCount(10, 0.5, 8)).toBe(8);
    expect(keptChannelCount(6, 0.5, 8)).toBe(6);
    expect(keptChannelCount(10, 0.01)).toBe(1);
    expect(keptChannelCount(10, 0.01, 4)).toBe(4);
    expect(keptChannelCount(10, 0.25)).toBe(3); // round(2.5) = 3
    expect(keptChannelCount(7, 1, 8)).toBe(7);
  });

  it('rejects ratios outside (0, 1] and bad counts with coded errors', () => {
    for (const ratio of [0, -0.1, 1.01, Number.NaN, Infinity]) expectCode(() => keptChannelCount(16, ratio), ErrorCode.InvalidArgument);
    expectCode(() => keptChannelCount(0, 0.5), ErrorCode.InvalidArgument);
    expectCode(() => keptChannelCount(16, 0.5, 0), ErrorCode.InvalidArgument);
    expectCode(() => keptChannelCount(16, 0.5, 1.5), ErrorCode.InvalidArgument);
  });
});

describe('groupImportance', () => {
  it('is the L1 norm of each input-channel slice summed over the consumers', () => {
    const group = resnetGroups.find((g) => g.producers[0]?.name === 'stage1.block0.conv1') as ChannelGroup;
    const kernel = resnet.node('stage1.block0.conv2').weights as { kernel: { data: Float32Array; shape: number[] } };
    const [kh, kw, cin, cout] = kernel.kernel.shape as [number, number, number, number];
    const expected = new Float64Array(cin);
    for (let p = 0; p < kh * kw; p++) {
      for (let c = 0; c < cin; c++) for (let o = 0; o < cout; o++) expected[c]! += Math.abs(kernel.kernel.data[(p * cin + c) * cout + o] as number);
    }
    const scores = groupImportance(resnet, group);
    expect(scores.length).toBe(16);
    scores.forEach((s, c) => expect(s).toBeCloseTo(expected[c] as number, 3));
  });

  it('rejects a non-graph', () => {
    expectCode(() => groupImportance({} as Graph, resnetGroups[1] as ChannelGroup), ErrorCode.InvalidArgument);
  });
});

describe('pruneChannels on resnet20', () => {
  const batch = 2;

  it('with ratio 1 everywhere gives bit-identical runtime outputs and leaves the input graph untouched', () => {
    const decisions = new Map(resnetGroups.filter((g) => g.prunable).map((g) => [g.id, 1]));
    const before = resnet.totals();
    const result = pruneChannels(resnet, decisions, { groups: resnetGroups });
    expect(result.graph).not.toBe(resnet);
    expect(result.macs).toBe(before.macs);
    expect(result.params).toBe(before.params);
    expect(result.kept.get(1)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    const input = randomInput(batch * 28 * 28, 1);
    expect(run(result.graph, input, batch)).toEqual(run(resnet, input, batch));
  });

  it('halves the inner conv groups: shapes, MACs by hand, and the same function as masking the dropped channels', () => {
    const inner = resnetGroups.filter((g) => g.prunable && !g.isResidual);
    expect(inner.map((g) => g.channels)).toEqual([16, 16, 16, 32, 32, 32, 64, 64, 64]);
    const original = resnet.totals();
    const { graph, kept, macs, params } = pruneChannels(resnet, new Map(inner.map((g) => [g.id, 0.5])));
    expect(resnet.totals()).toEqual(original);
    for (const g of inner) {
      const k = kept.get(g.id) as number[];
      expect(k.length).toBe(g.channels / 2);
      expect([...k].sort((a, b) => a - b)).toEqual(k);
    }
    const conv1 = graph.node('stage2.block1.conv1');
    expect(conv1.kind === 'conv2d' && conv1.attrs.filters).toBe(16);
    expect(conv1.outputShape).toEqual([14, 14, 16]);
    expect(graph.node('stage2.block1.bn1').outputShape).toEqual([14, 14, 16]);
    const conv2 = graph.node('stage2.block1.conv2');
    expect(conv2.kind === 'conv2d' && conv2.weights.kernel.shape).toEqual([3, 3, 16, 32]);
    expect(conv2.inputShapes).toEqual([[14, 14, 16]]);
    // By hand: each block's conv1 and conv2 lose half their MACs (their other side is a residual stream).
    // Stage 1: 6 convs 28*28*9*16*16; stage 2: 14*14*9*16*32 + 5 * 14*14*9*32*32; stage 3: 7*7*9*32*64 + 5 * 7*7*9*64*64.
    const innerMacs = 6 * 28 * 28 * 9 * 16 * 16 + (14 * 14 * 9 * 16 * 32 + 5 * 14 * 14 * 9 * 32 * 32) + (7 * 7 * 9 * 32 * 64 + 5 * 7 * 7 * 9 * 64 * 64);
    expect(original.macs).toBe(31_021_952);
    expect(macs).toBe(original.macs - innerMacs / 2);
    expect(macs).toBe(15_668_096);
    expect(params).toBeLessThan(original.params);
    expect(graph.totals().macs).toBe(macs);

    const input = randomInput(batch * 28 * 28, 2);
    const ours = run(graph, input, batch);
    expect(ours.length).toBe(batch * 10);
    const masked = run(maskConsumers(resnet, resnetGroups, kept), input, batch);
    expect(relativeError(ours, masked)).toBeLessThan(1e-5);
  });

  it('prunes the residual streams consistently across every producer, batch norm and add', () => {
    const residual = resnetGroups.filter((g) => g.prunable && g.isResidual);
    expect(residual.map((g) => g.channels)).toEqual([16, 32, 64]);
    const { graph, kept } = pruneChannels(resnet, new Map(residual.map((g) => [g.id, 0.5])), { channelRound: 4 });
    for (const g of residual) {
      for (const m of [...g.producers, ...g.passThrough]) expect(graph.node(m.node).outputShape.at(-1)).toBe(g.channels / 2);
      for (const m of g.consumers) expect(graph.node(m.node).inputShapes[0]?.at(-1)).toBe(g.channels / 2);
    }
    for (const node of graph.nodes.filter((n) => n.kind === 'add')) {
      expect(new Set(node.inputShapes.map((s) => s.join('x'))).size).toBe(1);
    }
    const input = randomInput(batch * 28 * 28, 3);
    const masked = run(maskConsumers(resnet, resnetGroups, kept), input, batch);
    expect(relativeError(run(graph, input, batch), masked)).toBeLessThan(1e-5);
  });

  it('throws coded errors for bad ratios, unknown groups and non-prunable groups', () => {
    expectCode(() => pruneChannels(resnet, new Map([[1, 0]]), { groups: resnetGroups }), ErrorCode.InvalidArgument, /decisions\[1\]/);
    expectCode(() => pruneChannels(resnet, new Map([[1, 1.5]]), { groups: resnetGroups }), ErrorCode.InvalidArgument);
    expectCode(() => pruneChannels(resnet, { 1: -1 }, { groups: resnetGroups }), ErrorCode.InvalidArgument);
    expectCode(() => pruneChannels(resnet, new Map([[99, 0.5]]), { groups: resnetGroups }), ErrorCode.InvalidArgument, /group ids/);
    expectCode(() => pruneChannels(resnet, new Map([[-1, 0.5]]), { groups: resnetGroups }), ErrorCode.InvalidArgument);
    expectCode(() => pruneChannels(resnet, new Map([[0, 0.5]]), { groups: resnetGroups }), ErrorCode.Unsupported, /group #0 .*modelInput/);
    const last = resnetGroups.length - 1;
    expectCode(() => pruneChannels(resnet, [...Array(last).fill(1), 0.5], { groups: resnetGroups }), ErrorCode.Unsupported, /modelOutput/);
    // A ratio of 1 is fine for a non-prunable group.
    expect(pruneChannels(resnet, new Map([[0, 1]]), { groups: resnetGroups }).macs).toBe(resnet.totals().macs);
    expectCode(() => pruneChannels({} as Graph, new Map()), ErrorCode.InvalidArgument);
    expectCode(() => pruneChannels(resnet, 'x' as never), ErrorCode.InvalidArgument);
    expectCode(() => pruneChannels(resnet, new Map(), { channelRound: 0 }), ErrorCode.InvalidArgument);
    expectCode(() => pruneChannels(resnet, new Map(), { bogus: 1 } as never), ErrorCode.InvalidArgument);
    const inner = resnetGroups.find((g) => g.prunable && !g.isResidual)!;
    expectCode(() => pruneChannels(resnet, new Map(), { groups: resnetGroups, importance: [] as never }), ErrorCode.InvalidArgument, /options\.importance/);
    expectCode(() => pruneChannels(resnet, new Map(), { groups: resnetGroups, importance: new Map([[999, [1]]]) }), ErrorCode.InvalidArgument, /group ids/);
    expectCode(() => pruneChannels(resnet, new Map(), { groups: resnetGroups, importance: new Map([[inner.id, [1, 2]]]) }), ErrorCode.InvalidArgument, /importance\[/);
    const nan = new Float32Array(inner.channels).fill(Number.NaN);
    expectCode(() => pruneChannels(resnet, new Map(), { groups: resnetGroups, importance: new Map([[inner.id, nan]]) }), ErrorCode.InvalidArgument, /finite/);
  });

  it('keeps the top channels of options.importance where given, L1 elsewhere', () => {
    const [a, b] = resnetGroups.filter((g) => g.prunable && !g.isResidual) as [ChannelGroup, ChannelGroup];
    // Scores that favour the odd channels, the reverse of index order.
    const scores = Array.from({ length: a.channels }, (_, c) => (c % 2 === 1 ? 100 - c : -c));
    const decisions = new Map([
      [a.id, 0.5],
      [b.id, 0.5],
    ]);
    const custom = pruneChannels(resnet, decisions, { groups: resnetGroups, importance: new Map([[a.id, scores]]) });
    expect(custom.kept.get(a.id)).toEqual(Array.from({ length: a.channels / 2 }, (_, i) => 2 * i + 1));
    const l1 = pruneChannels(resnet, decisions, { groups: resnetGroups });
    expect(custom.kept.get(b.id)).toEqual(l1.kept.get(b.id));
    expect(custom.macs).toBe(l1.macs);
  });
});

describe('pruneChannels on the other zoo models', () => {
  it.each([
    { name: 'plain20' as const },
    { name: 'vgg' as const },
    { name: 'mobilenetV1' as const, alpha: 0.25 },
    { name: 'mobilenetV2' as const, alpha: 0.25 },
  ])('$name: every prunable group at 0.5 runs and equals the masked original', ({ name, alpha }) => {
    const model = createModel(name, { seed: 4, ...(alpha === undefined ? {} : { alpha }) });
    randomizeBatchNorms(model, 6);
    const graph = importModel(model);
    model.dispose();
    const groups = findGroups(graph);
    const prunable = groups.filter((g) => g.prunable);
    const result = pruneChannels(graph, new Map(prunable.map((g) => [g.id, 0.5])), { groups, channelRound: 2 });
    expect(result.macs).toBeLessThan(graph.totals().macs * 0.5);
    const input = randomInput(2 * 28 * 28, 8);
    const masked = compile(maskConsumers(graph, groups, result.kept)).predict(input, 2);
    expect(relativeError(run(result.graph, input, 2), masked)).toBeLessThan(1e-5);
  });
});

describe('pruneChannels on toy graphs', () => {
  function checkToy(model: tfl.LayersModel, ratio: number, seed: number): { graph: Graph; groups: ChannelGroup[] } {
    randomizeBatchNorms(model, seed);
    const original = importModel(model);
    model.dispose();
    const groups = findGroups(original);
    const prunable = groups.filter((g) => g.prunable);
    const { graph, kept } = pruneChannels(original, new Map(prunable.map((g) => [g.id, ratio])), { groups });
    for (const g of prunable) expect(kept.get(g.id)?.length).toBe(keptChannelCount(g.channels, ratio));
    const inputSize = original.node(original.inputs[0] as number).outputShape.reduce((a, b) => a * b, 1);
    const input = randomInput(3 * inputSize, seed);
    const masked = run(maskConsumers(original, groups, kept), input, 3);
    expect(relativeError(run(graph, input, 3), masked)).toBeLessThan(1e-5);
    return { graph, groups };
  }

  it('a channel concatenation with a batch norm after it, then flatten and dense', () => {
    const input = L.input({ shape: [8, 8, 3] });
    const a = L.conv2d({ name: 'a', filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as Sym;
    const b = L.conv2d({ name: 'b', filters: 4, kernelSize: 1 }).apply(input) as Sym;
    const cat = L.concatenate({ name: 'cat' }).apply([a, b]) as Sym;
    const bn = L.batchNormalization({ name: 'bn' }).apply(cat) as Sym;
    const relu = L.reLU({ name: 'relu' }).apply(bn) as Sym;
    const c = L.conv2d({ name: 'c', filters: 5, kernelSize: 3, strides: 2, padding: 'same' }).apply(relu) as Sym;
    const flat = L.flatten({ name: 'flat' }).apply(c) as Sym;
    const out = L.dense({ name: 'fc', units: 10 }).apply(flat) as Sym;
    const { graph } = checkToy(tfl.model({ inputs: input, outputs: out }), 0.5, 7);
    expect(graph.node('cat').outputShape).toEqual([8, 8, 5]);
    const bnNode = graph.node('bn');
    expect(bnNode.kind === 'batchNorm' && bnNode.weights.movingMean.shape).toEqual([5]);
    const c2 = graph.node('c');
    expect(c2.kind === 'conv2d' && c2.weights.kernel.shape).toEqual([3, 3, 5, 3]);
    expect(graph.node('flat').outputShape).toEqual([4 * 4 * 3]);
    const fc = graph.node('fc');
    expect(fc.kind === 'dense' && fc.weights.kernel.shape).toEqual([48, 10]);
  });

  it('a depthwise-separable stack (depthwise multiplier 2, a separable conv)', () => {
    const input = L.input({ shape: [8, 8, 3] });
    let x = L.conv2d({ name: 'stem', filters: 8, kernelSize: 3, padding: 'same', useBias: false }).apply(input) as Sym;
    x = L.batchNormalization({ name: 'stem_bn' }).apply(x) as Sym;
    x = L.reLU({ name: 'stem_relu' }).apply(x) as Sym;
    x = L.depthwiseConv2d({ name: 'dw', kernelSize: 3, depthMultiplier: 2, padding: 'same' }).apply(x) as Sym;
    x = L.batchNormalization({ name: 'dw_bn' }).apply(x) as Sym;
    x = L.reLU({ name: 'dw_relu', maxValue: 6 }).apply(x) as Sym;
    x = L.conv2d({ name: 'pw', filters: 12, kernelSize: 1 }).apply(x) as Sym;
    x = L.separableConv2d({ name: 'sep', filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x) as Sym;
    x = L.globalAveragePooling2d({ name: 'gap' }).apply(x) as Sym;
    const out = L.dense({ name: 'fc', units: 10 }).apply(x) as Sym;
    const { graph } = checkToy(tfl.model({ inputs: input, outputs: out }), 0.5, 9);
    const dw = graph.node('dw');
    expect(dw.kind === 'depthwiseConv2d' && dw.weights.depthwiseKernel.shape).toEqual([3, 3, 4, 2]);
    expect(dw.outputShape).toEqual([8, 8, 8]);
    const pw = graph.node('pw');
    expect(pw.kind === 'conv2d' && pw.weights.kernel.shape).toEqual([1, 1, 8, 6]);
    const sep = graph.node('sep');
    expect(sep.kind === 'separableConv2d' && [sep.weights.depthwiseKernel.shape, sep.weights.pointwiseKernel.shape]).toEqual([
      [3, 3, 6, 1],
      [1, 1, 6, 3],
    ]);
    expect(graph.node('fc').inputShapes).toEqual([[3]]);
  });
});
