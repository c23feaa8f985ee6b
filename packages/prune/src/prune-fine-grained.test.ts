import * as tf from '@tensorflow/tfjs-core';
import '@amc/tfjs';
import { ErrorCode } from '@amc/core';
import { importModel, type Graph, type WeightTensor } from '@amc/graph';
import { compile } from '@amc/runtime';
import { createModel } from '@amc/zoo';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectCode, randomInput } from '@amc/testing';
import { randomizeBatchNorms } from '@amc/testing/tfjs';
import { fineGrainedUnits, nonzeroParams, pruneFineGrained } from './index.js';

let graph: Graph;
beforeAll(async () => {
  await tf.setBackend('cpu');
  const model = createModel('resnet20', { seed: 3 });
  randomizeBatchNorms(model, 5);
  graph = importModel(model);
});

function kernel(g: Graph, name: string): Float32Array {
  return ((g.node(name).weights as unknown as Record<string, WeightTensor>).kernel as WeightTensor).data;
}

describe('fineGrainedUnits', () => {
  it('lists every conv (19 3x3 + 2 1x1 shortcuts) and the dense layer of ResNet-20 with its kernel size and MACs', () => {
    const units = fineGrainedUnits(graph);
    expect(units.length).toBe(22);
    expect(units.filter((u) => u.kind === 'conv2d').length).toBe(21); // 19 3x3 convs and the two 1x1 projection shortcuts
    expect(units.filter((u) => u.kind === 'dense').length).toBe(1);
    for (const u of units) {
      expect(u.size).toBe(graph.node(u.name).params - ((graph.node(u.name).weights as { bias?: WeightTensor }).bias?.data.length ?? 0));
      expect(u.nonzeros).toBe(u.size);
    }
  });
});

describe('pruneFineGrained', () => {
  it('keeps round(density * size) largest-|w| weights and leaves the input graph untouched', () => {
    const units = fineGrainedUnits(graph);
    const unit = units[5]!;
    const before = kernel(graph, unit.name).slice();
    const { graph: pruned, layers, nonzeroParams: nz, params } = pruneFineGrained(graph, { [unit.name]: 0.3 });
    expect(kernel(graph, unit.name)).toEqual(before);
    const after = kernel(pruned, unit.name);
    const kept = Math.round(0.3 * unit.size);
    let nonzero = 0;
    let minKept = Infinity;
    let maxDropped = 0;
    for (let i = 0; i < after.length; i++) {
      if (after[i] !== 0) {
        nonzero++;
        expect(after[i]).toBe(before[i]);
        minKept = Math.min(minKept, Math.abs(before[i]!));
      } else maxDropped = Math.max(maxDropped, Math.abs(before[i]!));
    }
    expect(nonzero).toBe(kept);
    expect(minKept).toBeGreaterThanOrEqual(maxDropped);
    expect(layers).toEqual([{ name: unit.name, density: 0.3, kept, size: unit.size }]);
    expect(params).toBe(graph.totals().params);
    expect(nz).toBe(nonzeroParams(graph) - (unit.size - kept));
  });

  it('density 1 changes nothing: same weights, same outputs', () => {
    const decisions = Object.fromEntries(fineGrainedUnits(graph).map((u) => [u.name, 1]));
    const { graph: same } = pruneFineGrained(graph, decisions);
    for (const u of fineGrainedUnits(graph)) expect(kernel(same, u.name)).toEqual(kernel(graph, u.name));
    const x = randomInput(2 * 28 * 28, 7);
    expect(compile(same).predict(x, 2)).toEqual(compile(graph).predict(x, 2));
  });

  it('prunes every layer to its own density; minSize spares small kernels', () => {
    const units = fineGrainedUnits(graph);
    const decisions = new Map(units.map((u, i) => [u.name, 0.1 + (0.8 * i) / units.length]));
    const { graph: pruned, layers } = pruneFineGrained(graph, decisions, { minSize: 200 });
    for (const [i, u] of units.entries()) {
      const data = kernel(pruned, u.name);
      let nonzero = 0;
      for (const v of data) if (v !== 0) nonzero++;
      const expected = u.size < 200 ? u.size : Math.round(decisions.get(u.name)! * u.size);
      expect(nonzero, u.name).toBe(expected);
      expect(layers[i]!.kept).toBe(expected);
    }
  });

  it('rejects bad decisions and options with coded errors', () => {
    expectCode(() => pruneFineGrained({} as Graph, {}), ErrorCode.InvalidArgument, /graph/);
    expectCode(() => pruneFineGrained(graph, 3 as never), ErrorCode.InvalidArgument, /decisions/);
    const conv = fineGrainedUnits(graph)[0]!.name;
    for (const bad of [0, -0.1, 1.01, Number.NaN, '0.5']) {
      expectCode(() => pruneFineGrained(graph, { [conv]: bad as number }), ErrorCode.InvalidArgument, /density in \(0, 1\]/);
    }
    expectCode(() => pruneFineGrained(graph, { nope: 0.5 }), ErrorCode.InvalidArgument, /no layer nope/);
    const bn = graph.nodes.find((n) => n.kind === 'batchNorm')!.name;
    expectCode(() => pruneFineGrained(graph, { [bn]: 0.5 }), ErrorCode.InvalidArgument, /conv2d, depthwise, separable or dense/);
    expectCode(() => pruneFineGrained(graph, {}, { minSize: -1 }), ErrorCode.InvalidArgument, /minSize/);
    expectCode(() => pruneFineGrained(graph, {}, { bogus: 1 } as never), ErrorCode.InvalidArgument, /bogus/);
  });
});
