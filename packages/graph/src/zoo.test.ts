import * as tf from '@tensorflow/tfjs-core';
import '@amc/tfjs';
import { createModel, type ModelName } from '@amc/zoo';
import { beforeAll, describe, expect, it } from 'vitest';
import { findGroups, formatInspectReport, importModel, inspectGraph, type ChannelGroup, type Graph } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Expected {
  name: ModelName;
  alpha?: number;
  macs: number;
  trainable: number;
  groups: number;
  prunable: number;
  residual: number;
}

// MACs: packages/zoo/README.md; parameter counts: the same table (all params are checked against countParams()).
const MODELS: Expected[] = [
  { name: 'plain20', macs: 30_821_248, trainable: 269_434, groups: 21, prunable: 19, residual: 0 },
  { name: 'resnet20', macs: 31_021_952, trainable: 272_186, groups: 14, prunable: 12, residual: 3 },
  { name: 'resnet56', macs: 96_050_048, trainable: 855_482, groups: 32, prunable: 30, residual: 3 },
  { name: 'vgg', macs: 144_961_024, trainable: 1_738_058, groups: 9, prunable: 7, residual: 0 },
  { name: 'mobilenetV1', macs: 161_846_656, trainable: 3_216_650, groups: 16, prunable: 14, residual: 0 },
  { name: 'mobilenetV1', alpha: 0.5, macs: 41_183_936, trainable: 823_434, groups: 16, prunable: 14, residual: 0 },
  { name: 'mobilenetV2', macs: 126_004_736, trainable: 2_236_106, groups: 27, prunable: 25, residual: 5 },
  { name: 'mobilenetV2', alpha: 0.5, macs: 40_014_048, trainable: 700_202, groups: 27, prunable: 25, residual: 5 },
];

const graphs = new Map<string, Graph>();
function label(m: Expected): string {
  return m.alpha === undefined ? m.name : `${m.name} a=${m.alpha}`;
}

function names(members: readonly { name: string }[]): string[] {
  return members.map((m) => m.name).sort();
}

function groupProducedBy(groups: readonly ChannelGroup[], producer: string): ChannelGroup {
  const g = groups.find((x) => x.producers.some((p) => p.name === producer));
  if (g === undefined) throw new Error(`no group produced by ${producer}`);
  return g;
}

describe('zoo models', () => {
  it.each(MODELS)('$name $alpha: totals equal countParams() and the README MACs; groups', (m) => {
    const model = createModel(m.name, { seed: 1, ...(m.alpha === undefined ? {} : { alpha: m.alpha }) });
    const graph = importModel(model);
    const totals = graph.totals();
    expect(totals.params).toBe(model.countParams());
    expect(totals.trainableParams).toBe(m.trainable);
    expect(totals.macs).toBe(m.macs);
    expect(graph.nodes.length).toBe(model.layers.length);
    expect(graph.inputs).toEqual([0]);
    expect(graph.node(graph.outputs[0] as number).name).toBe('head.fc');
    model.dispose();

    const groups = findGroups(graph);
    expect(groups.length).toBe(m.groups);
    expect(groups.filter((g) => g.prunable).length).toBe(m.prunable);
    expect(groups.filter((g) => g.isResidual).length).toBe(m.residual);
    // Input and logits are the two groups that are never pruned.
    expect(groups.filter((g) => !g.prunable).map((g) => g.reasons[0]?.code)).toEqual(['modelInput', 'modelOutput']);
    // Topological order of the first producer.
    const firsts = groups.map((g) => Math.min(...g.producers.map((p) => p.node), ...(g.producers.length === 0 ? [0] : [])));
    expect([...firsts].sort((a, b) => a - b)).toEqual(firsts);
    // Every producer and consumer of the model appears in exactly one group in each role.
    const produced = groups.flatMap((g) => g.producers.map((p) => p.name));
    expect(new Set(produced).size).toBe(produced.length);
    expect(produced.length).toBe(graph.nodes.filter((n) => n.kind === 'conv2d' || n.kind === 'dense').length);
    graphs.set(label(m), graph);
  });

  it('ResNet-20: one group per inner conv, three residual streams', () => {
    const graph = graphs.get('resnet20') ?? importModel(createModel('resnet20', { seed: 1 }));
    const groups = findGroups(graph);
    const widths = [16, 32, 64];
    for (let s = 1; s <= 3; s++) {
      for (let b = 0; b < 3; b++) {
        const p = `stage${s}.block${b}`;
        const g = groupProducedBy(groups, `${p}.conv1`);
        expect(names(g.producers)).toEqual([`${p}.conv1`]);
        expect(names(g.consumers)).toEqual([`${p}.conv2`]);
        expect(names(g.passThrough)).toEqual([`${p}.bn1`, `${p}.relu1`]);
        expect(g.channels).toBe(widths[s - 1]);
        expect(g.prunable).toBe(true);
        expect(g.isResidual).toBe(false);
        expect(g.macs).toBe(graph.node(`${p}.conv1`).macs + graph.node(`${p}.conv2`).macs);
        // conv1 loses output channels (kernel axis 3), bn1 its per-channel params, conv2 input channels (axis 2).
        expect(g.producers[0]?.slices.map((x) => [x.weight, x.axis])).toEqual([['kernel', 3]]);
        expect(g.passThrough.find((x) => x.kind === 'batchNorm')?.slices.map((x) => x.weight)).toEqual([
          'gamma',
          'beta',
          'movingMean',
          'movingVariance',
        ]);
        expect(g.consumers[0]?.slices.map((x) => [x.weight, x.axis])).toEqual([['kernel', 2]]);
      }
    }
    const stream1 = groupProducedBy(groups, 'stem.conv');
    expect(stream1.isResidual).toBe(true);
    expect(stream1.prunable).toBe(true);
    expect(stream1.channels).toBe(16);
    expect(names(stream1.producers)).toEqual(['stage1.block0.conv2', 'stage1.block1.conv2', 'stage1.block2.conv2', 'stem.conv']);
    expect(names(stream1.consumers)).toEqual([
      'stage1.block0.conv1',
      'stage1.block1.conv1',
      'stage1.block2.conv1',
      'stage2.block0.conv1',
      'stage2.block0.shortcut.conv',
    ]);
    expect(stream1.passThrough.filter((m) => m.kind === 'add').map((m) => m.name)).toEqual([
      'stage1.block0.add',
      'stage1.block1.add',
      'stage1.block2.add',
    ]);
    for (const [s, w] of [
      [2, 32],
      [3, 64],
    ] as const) {
      const stream = groupProducedBy(groups, `stage${s}.block0.shortcut.conv`);
      expect(stream.isResidual).toBe(true);
      expect(stream.channels).toBe(w);
      expect(names(stream.producers)).toEqual([
        `stage${s}.block0.conv2`,
        `stage${s}.block0.shortcut.conv`,
        `stage${s}.block1.conv2`,
        `stage${s}.block2.conv2`,
      ]);
    }
    const stream3 = groupProducedBy(groups, 'stage3.block0.shortcut.conv');
    expect(names(stream3.consumers)).toContain('head.fc');
    // GAP -> dense: row c of head.fc belongs to channel c.
    const fc = stream3.consumers.find((m) => m.name === 'head.fc');
    expect(fc?.slices.map((x) => [x.weight, x.axis, x.map.outer])).toEqual([['kernel', 0, 1]]);

    const frozen = findGroups(graph, { freezeResidual: true });
    expect(frozen.filter((g) => g.prunable).length).toBe(9);
    expect(frozen.filter((g) => g.isResidual).every((g) => g.reasons.map((r) => r.code).join() === 'residualFrozen')).toBe(true);
  });

  it('ResNet-56: 27 inner-conv groups and 3 residual streams of 10 producers each', () => {
    const graph = graphs.get('resnet56') as Graph;
    const groups = findGroups(graph);
    expect(groups.filter((g) => g.prunable && !g.isResidual).length).toBe(27);
    expect(groups.filter((g) => g.isResidual).map((g) => [g.channels, g.producers.length])).toEqual([
      [16, 10],
      [32, 10],
      [64, 10],
    ]);
  });

  it('MobileNet-V2: every residual group, the last (160 channels) included', () => {
    const graph = graphs.get('mobilenetV2') as Graph;
    const groups = findGroups(graph);
    const residual = groups.filter((g) => g.isResidual);
    expect(residual.map((g) => g.channels)).toEqual([24, 32, 64, 96, 160]);
    expect(residual.map((g) => names(g.producers))).toEqual([
      ['block1.project.conv', 'block2.project.conv'],
      ['block3.project.conv', 'block4.project.conv', 'block5.project.conv'],
      ['block6.project.conv', 'block7.project.conv', 'block8.project.conv', 'block9.project.conv'],
      ['block10.project.conv', 'block11.project.conv', 'block12.project.conv'],
      ['block13.project.conv', 'block14.project.conv', 'block15.project.conv'],
    ]);
    expect(residual.every((g) => g.prunable)).toBe(true);
    const last = residual[4] as ChannelGroup;
    expect(names(last.consumers)).toEqual(['block14.expand.conv', 'block15.expand.conv', 'block16.expand.conv']);
    expect(last.passThrough.filter((m) => m.kind === 'add').map((m) => m.name)).toEqual(['block14.add', 'block15.add']);
    // An expand group holds its depthwise conv: the depthwise kernel's input axis and the BNs are sliced.
    const expand = groupProducedBy(groups, 'block5.expand.conv');
    expect(names(expand.consumers)).toEqual(['block5.project.conv']);
    expect(names(expand.passThrough.filter((m) => m.slices.length > 0))).toEqual([
      'block5.dw.bn',
      'block5.dw.conv',
      'block5.expand.bn',
    ]);
    const dw = expand.passThrough.find((m) => m.name === 'block5.dw.conv');
    expect(dw?.slices.map((s) => [s.weight, s.axis])).toEqual([['depthwiseKernel', 2]]);
    expect(expand.macs).toBe(
      graph.node('block5.expand.conv').macs + graph.node('block5.dw.conv').macs + graph.node('block5.project.conv').macs,
    );
    // The stem group is coupled to block 0's depthwise conv (multiplier 1) and consumed by block 0's projection.
    const stem = groupProducedBy(groups, 'stem.conv');
    expect(names(stem.consumers)).toEqual(['block0.project.conv']);
    expect(stem.passThrough.map((m) => m.name)).toContain('block0.dw.conv');
    // The reference code's choice: freeze the residual streams.
    expect(findGroups(graph, { freezeResidual: true }).filter((g) => g.prunable).length).toBe(20);
  });

  it('inspect report of ResNet-20', () => {
    const graph = graphs.get('resnet20') as Graph;
    const report = inspectGraph(graph);
    expect(report.model).toBe('resnet20');
    expect(report.layers.length).toBe(graph.nodes.length);
    expect(report.totals.macs).toBe(31_021_952);
    expect(report.layers.reduce((a, l) => a + l.macsShare, 0)).toBeCloseTo(1, 9);
    expect(report.prunable.length).toBe(12);
    expect(report.notPrunable.map((g) => g.reasons[0]?.code)).toEqual(['modelInput', 'modelOutput']);
    const text = formatInspectReport(report);
    expect(text).toContain('Model resnet20: 73 layers, 273,754 params (272,186 trainable), 31,021,952 MACs per sample');
    expect(text).toMatch(/stage1\.block0\.conv1\s+conv2d\s+\[\?, 28, 28, 16\]\s+1,806,336\s+5\.8%\s+2,304/);
    expect(text).toContain('Prunable groups: 12 (3 residual)');
    expect(text).toContain('producers: stem.conv, stage1.block0.conv2, stage1.block1.conv2, stage1.block2.conv2');
    expect(text).toContain('not prunable (modelInput): input is a model input');
    expect(text).toContain('not prunable (modelOutput): reaches the model output head.fc');
  });
});
