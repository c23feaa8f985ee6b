import * as tf from '@tensorflow/tfjs-core';
import '@amc/tfjs';
import * as tfl from '@tensorflow/tfjs-layers';
import { AmcError, ErrorCode } from '@amc/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  findGroups,
  flattenMap,
  identityMap,
  importModel,
  mapIndices,
  repeatMap,
  shiftMap,
  type ChannelGroup,
  type GroupMember,
} from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Sym = tfl.SymbolicTensor;
const L = tfl.layers;

function conv(x: Sym, name: string, filters: number, kernelSize = 3, extra: Record<string, unknown> = {}): Sym {
  return L.conv2d({ name, filters, kernelSize, padding: 'same', useBias: false, ...extra }).apply(x) as Sym;
}
function bn(x: Sym, name: string): Sym {
  return L.batchNormalization({ name }).apply(x) as Sym;
}
function relu(x: Sym, name: string): Sym {
  return L.reLU({ name }).apply(x) as Sym;
}
function head(x: Sym, units = 3): Sym {
  const p = L.globalAveragePooling2d({ name: 'pool' }).apply(x) as Sym;
  return L.dense({ name: 'fc', units }).apply(p) as Sym;
}

function by(groups: readonly ChannelGroup[], producer: string): ChannelGroup {
  const g = groups.find((x) => x.producers.some((p) => p.name === producer));
  if (g === undefined) throw new Error(`no group produced by ${producer}`);
  return g;
}
function member(list: readonly GroupMember[], name: string): GroupMember {
  const m = list.find((x) => x.name === name);
  if (m === undefined) throw new Error(`no member ${name}`);
  return m;
}
function names(list: readonly GroupMember[]): string[] {
  return list.map((m) => m.name);
}
/** The indices a slice keeps along its axis when the group keeps `channels`. */
function kept(m: GroupMember, weight: string, channels: number[]): number[] {
  const slices = m.slices.filter((s) => s.weight === weight);
  return slices.flatMap((s) => mapIndices(s.map, channels)).sort((a, b) => a - b);
}

describe('index maps', () => {
  it('compose shift, repeat and flatten exactly', () => {
    expect(mapIndices(identityMap(4), [3, 1])).toEqual([1, 3]);
    // Second concat operand (5 channels after 3), then a depthwise conv with multiplier 2, then a 2x2 flatten.
    const m = flattenMap(repeatMap(shiftMap(identityMap(5), 3, 8), 2), 4);
    expect(m).toBeDefined();
    // Channel 1 of the operand is concat channel 4, depthwise outputs 8 and 9, flattened rows p * 16 + {8, 9}.
    expect(mapIndices(m!, [1])).toEqual([8, 9, 24, 25, 40, 41, 56, 57]);
    expect(flattenMap(m!, 3)).toBeUndefined();
  });

  it('rejects channels out of range with a coded error', () => {
    expect(() => mapIndices(identityMap(4), [4])).toThrow(expect.objectContaining({ code: ErrorCode.IndexOutOfRange }));
  });
});

describe('findGroups on toy graphs', () => {
  it('conv-bn-relu chain (Sequential): one group per conv, flatten rows mapped to channels', () => {
    const model = tfl.sequential({
      layers: [
        L.conv2d({ name: 'c1', inputShape: [4, 4, 3], filters: 4, kernelSize: 3, padding: 'same' }),
        L.batchNormalization({ name: 'b1' }),
        L.reLU({ name: 'r1' }),
        L.conv2d({ name: 'c2', filters: 6, kernelSize: 3, padding: 'same' }),
        L.batchNormalization({ name: 'b2' }),
        L.activation({ name: 'a2', activation: 'relu' }),
        L.flatten({ name: 'flat' }),
        L.dropout({ name: 'drop', rate: 0.5 }),
        L.dense({ name: 'fc', units: 5 }),
      ],
    });
    const groups = findGroups(importModel(model));
    expect(groups.map((g) => [g.channels, names(g.producers), g.prunable])).toEqual([
      [3, [], false],
      [4, ['c1'], true],
      [6, ['c2'], true],
      [5, ['fc'], false],
    ]);
    const g1 = by(groups, 'c1');
    expect(names(g1.passThrough)).toEqual(['b1', 'r1']);
    expect(names(g1.consumers)).toEqual(['c2']);
    expect(kept(member(g1.producers, 'c1'), 'kernel', [0, 2])).toEqual([0, 2]);
    expect(kept(member(g1.producers, 'c1'), 'bias', [0, 2])).toEqual([0, 2]);
    const g2 = by(groups, 'c2');
    expect(names(g2.passThrough)).toEqual(['b2', 'a2', 'flat', 'drop']);
    // Dense row p * 6 + c belongs to channel c of c2 (16 positions).
    const fc = member(g2.consumers, 'fc');
    expect(fc.slices.map((s) => [s.weight, s.axis])).toEqual([['kernel', 0]]);
    expect(kept(fc, 'kernel', [5])).toEqual(Array.from({ length: 16 }, (_, p) => p * 6 + 5));
    expect(g2.macs).toBe(4 * 4 * 9 * 4 * 6 + 96 * 5);
    expect(groups[0]?.reasons.map((r) => r.code)).toEqual(['modelInput']);
    expect(groups[3]?.reasons.map((r) => r.code)).toEqual(['modelOutput']);
  });

  it('residual add: both operands form one group, marked residual', () => {
    const x = tfl.input({ shape: [6, 6, 2], name: 'in' });
    const s = relu(bn(conv(x, 'stem', 4), 'stem.bn'), 'stem.relu');
    const y = bn(conv(relu(bn(conv(s, 'b.c1', 8), 'b.bn1'), 'b.r1'), 'b.c2', 4), 'b.bn2');
    const a = L.add({ name: 'b.add' }).apply([s, y]) as Sym;
    const out = head(relu(a, 'b.r2'));
    const groups = findGroups(importModel(tfl.model({ inputs: x, outputs: out })));
    const stream = by(groups, 'stem');
    expect(by(groups, 'b.c2')).toBe(stream);
    expect(stream.isResidual).toBe(true);
    expect(stream.prunable).toBe(true);
    expect(names(stream.producers)).toEqual(['stem', 'b.c2']);
    expect(names(stream.consumers)).toEqual(['b.c1', 'fc']);
    const add = member(stream.passThrough, 'b.add');
    expect(add.inputMaps.map((i) => i.operand)).toEqual([0, 1]);
    expect(add.outputMaps).toHaveLength(1);
    const inner = by(groups, 'b.c1');
    expect(inner.isResidual).toBe(false);
    expect(inner.channels).toBe(8);
    const frozen = findGroups(importModel(tfl.model({ inputs: x, outputs: out })), { freezeResidual: true });
    expect(by(frozen, 'stem').reasons.map((r) => r.code)).toEqual(['residualFrozen']);
    expect(by(frozen, 'b.c1').prunable).toBe(true);
  });

  it('concat of two branches: output channel ranges map to each branch', () => {
    const x = tfl.input({ shape: [4, 4, 2], name: 'in' });
    const a = relu(conv(x, 'a', 3), 'a.relu');
    const b = bn(conv(x, 'b', 5, 1), 'b.bn');
    const cat = L.concatenate({ name: 'cat' }).apply([a, b]) as Sym;
    const y = conv(cat, 'c', 2);
    const flat = L.flatten({ name: 'flat' }).apply(cat) as Sym;
    const fc = L.dense({ name: 'fc2', units: 2 }).apply(flat) as Sym;
    const graph = importModel(tfl.model({ inputs: x, outputs: [head(y), fc] }));
    const groups = findGroups(graph);
    const ga = by(groups, 'a');
    const gb = by(groups, 'b');
    expect(ga).not.toBe(gb);
    expect([ga.prunable, gb.prunable]).toEqual([true, true]);
    expect(names(ga.consumers)).toEqual(['c', 'fc2']);
    expect(names(gb.consumers)).toEqual(['c', 'fc2']);
    // c's kernel input axis: channels 0..2 are branch a, 3..7 are branch b.
    expect(kept(member(ga.consumers, 'c'), 'kernel', [0, 1, 2])).toEqual([0, 1, 2]);
    expect(kept(member(gb.consumers, 'c'), 'kernel', [0, 4])).toEqual([3, 7]);
    const cat1 = member(gb.passThrough, 'cat');
    expect(cat1.inputMaps.map((i) => i.operand)).toEqual([1]);
    expect(mapIndices(cat1.outputMaps[0]!, [1])).toEqual([4]);
    // fc after flatten of the 8-channel concat: row p * 8 + 3 + c for branch b's channel c.
    expect(kept(member(gb.consumers, 'fc2'), 'kernel', [1])).toEqual(Array.from({ length: 16 }, (_, p) => p * 8 + 4));
    expect(kept(member(ga.consumers, 'fc2'), 'kernel', [0])).toEqual(Array.from({ length: 16 }, (_, p) => p * 8));
    // Two model outputs: both heads are not prunable.
    expect(groups.filter((g) => g.reasons.some((r) => r.code === 'modelOutput')).map((g) => names(g.producers))).toEqual([
      ['fc'],
      ['fc2'],
    ]);
  });

  it('depthwise-separable block: the depthwise conv couples the previous conv with its own outputs', () => {
    const x = tfl.input({ shape: [6, 6, 3], name: 'in' });
    const c1 = relu(bn(conv(x, 'c1', 4), 'c1.bn'), 'c1.relu');
    const dw = L.depthwiseConv2d({ name: 'dw', kernelSize: 3, padding: 'same', depthMultiplier: 1, useBias: false }).apply(c1) as Sym;
    const pw = conv(relu(bn(dw, 'dw.bn'), 'dw.relu'), 'pw', 6, 1);
    const dw2 = L.depthwiseConv2d({ name: 'dw2', kernelSize: 3, padding: 'same', depthMultiplier: 2 }).apply(pw) as Sym;
    const pw2 = conv(bn(dw2, 'dw2.bn'), 'pw2', 5, 1);
    const sep = L.separableConv2d({ name: 'sep', filters: 7, kernelSize: 3, padding: 'same', depthMultiplier: 3 }).apply(pw2) as Sym;
    const graph = importModel(tfl.model({ inputs: x, outputs: head(sep) }));
    const groups = findGroups(graph);
    expect(groups.map((g) => names(g.producers))).toEqual([[], ['c1'], ['pw'], ['pw2'], ['sep'], ['fc']]);

    const g1 = by(groups, 'c1');
    expect(names(g1.passThrough)).toEqual(['c1.bn', 'c1.relu', 'dw', 'dw.bn', 'dw.relu']);
    expect(names(g1.consumers)).toEqual(['pw']);
    expect(kept(member(g1.passThrough, 'dw'), 'depthwiseKernel', [1, 3])).toEqual([1, 3]);
    expect(g1.macs).toBe(graph.node('c1').macs + graph.node('dw').macs + graph.node('pw').macs);

    // Multiplier 2: input channel c owns depthwise outputs 2c, 2c + 1 (bias, BN and pw2's input rows).
    const g2 = by(groups, 'pw');
    const dw2m = member(g2.passThrough, 'dw2');
    expect(dw2m.slices.map((s) => [s.weight, s.axis])).toEqual([
      ['depthwiseKernel', 2],
      ['bias', 0],
    ]);
    expect(kept(dw2m, 'depthwiseKernel', [2])).toEqual([2]);
    expect(kept(dw2m, 'bias', [2])).toEqual([4, 5]);
    expect(kept(member(g2.passThrough, 'dw2.bn'), 'gamma', [0, 5])).toEqual([0, 1, 10, 11]);
    expect(kept(member(g2.consumers, 'pw2'), 'kernel', [5])).toEqual([10, 11]);

    // SeparableConv2D consumes with its depthwise kernel and its pointwise input rows (multiplier 3).
    const sepIn = member(by(groups, 'pw2').consumers, 'sep');
    expect(kept(sepIn, 'depthwiseKernel', [1])).toEqual([1]);
    expect(kept(sepIn, 'pointwiseKernel', [1])).toEqual([3, 4, 5]);
    const sepOut = by(groups, 'sep');
    expect(sepOut.producers[0]?.slices.map((s) => [s.weight, s.axis])).toEqual([
      ['pointwiseKernel', 3],
      ['bias', 0],
    ]);
    const sepNode = graph.node('sep');
    expect(sepNode.macs).toBe(6 * 6 * (9 * 5 * 3 + 5 * 3 * 7));
    // Only the pointwise part scales with the separable conv's own output channels.
    expect(sepOut.macs).toBe(6 * 6 * 5 * 3 * 7 + graph.node('fc').macs);
  });

  it('a conv with one output channel is a plain conv2d group, not a depthwise one, and has nothing to prune', () => {
    const x = tfl.input({ shape: [5, 5, 1], name: 'in' });
    const one = relu(conv(x, 'one', 1), 'one.relu');
    const wide = conv(one, 'wide', 4);
    const graph = importModel(tfl.model({ inputs: x, outputs: head(wide) }));
    expect(graph.node('one').kind).toBe('conv2d');
    const groups = findGroups(graph);
    const g = by(groups, 'one');
    expect(g.channels).toBe(1);
    expect(names(g.consumers)).toEqual(['wide']);
    expect(g.passThrough.map((m) => m.kind)).toEqual(['activation']);
    expect(g.prunable).toBe(false);
    expect(g.reasons.map((r) => r.code)).toEqual(['singleChannel']);
    expect(by(groups, 'wide').prunable).toBe(true);
  });

  it('a softmax across channels mid-network makes its group not prunable', () => {
    const x = tfl.input({ shape: [4, 4, 2], name: 'in' });
    const s = L.activation({ name: 'sm', activation: 'softmax' }).apply(conv(x, 'c1', 4)) as Sym;
    const groups = findGroups(importModel(tfl.model({ inputs: x, outputs: head(conv(s, 'c2', 4)) })));
    expect(by(groups, 'c1').reasons.map((r) => r.code)).toEqual(['crossChannelOp']);
    expect(by(groups, 'c2').prunable).toBe(true);
  });

  it('an add of a concatenation and a conv output is coupled but not mappable', () => {
    const x = tfl.input({ shape: [4, 4, 2], name: 'in' });
    const cat = L.concatenate({ name: 'cat' }).apply([conv(x, 'a', 2), conv(x, 'b', 3)]) as Sym;
    const sum = L.add({ name: 'add' }).apply([cat, conv(x, 'c', 5)]) as Sym;
    const groups = findGroups(importModel(tfl.model({ inputs: x, outputs: head(conv(sum, 'd', 4)) })));
    const g = by(groups, 'a');
    expect(by(groups, 'b')).toBe(g);
    expect(by(groups, 'c')).toBe(g);
    expect(g.reasons.map((r) => r.code)).toEqual(['unmappableCoupling']);
    expect(g.isResidual).toBe(true);
  });

  it('a concatenation on a spatial axis couples its operands like an add', () => {
    const x = tfl.input({ shape: [4, 4, 2], name: 'in' });
    const cat = L.concatenate({ name: 'cat', axis: 1 }).apply([conv(x, 'a', 3), conv(x, 'b', 3)]) as Sym;
    const graph = importModel(tfl.model({ inputs: x, outputs: head(conv(cat, 'c', 2)) }));
    expect(graph.node('cat').outputShape).toEqual([8, 4, 3]);
    const groups = findGroups(graph);
    expect(by(groups, 'a')).toBe(by(groups, 'b'));
    expect(by(groups, 'a').prunable).toBe(true);
    expect(by(groups, 'a').channels).toBe(3);
  });

  it('validates its arguments', () => {
    expect(() => findGroups(null as never)).toThrow(AmcError);
    const graph = importModel(tfl.sequential({ layers: [L.dense({ units: 2, inputShape: [3] })] }));
    expect(() => findGroups(graph, { freezeResidual: 'yes' as never })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument, argument: 'options.freezeResidual' }),
    );
  });
});
