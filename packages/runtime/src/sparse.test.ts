import * as tf from '@tensorflow/tfjs-core';
import '@amc/tfjs';
import { ErrorCode, Rng } from '@amc/core';
import { exportModel, importModel, type Graph } from '@amc/graph';
import { createModel } from '@amc/zoo';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectCode, randomInput, relativeError } from '@amc/testing';
import { randomizeBatchNorms } from '@amc/testing/tfjs';
import { compile } from './index.js';
import { tfPredict } from './test-utils.js';

/** ResNet-20 (random BN statistics) with `sparsity` of every conv / dense kernel zeroed at random. */
function sparseResnet(sparsity: number, seed: number): Graph {
  const model = createModel('resnet20', { seed });
  randomizeBatchNorms(model, seed + 1);
  const graph = importModel(model);
  model.dispose();
  const rng = new Rng(seed + 2);
  for (const node of graph.nodes) {
    if (node.kind !== 'conv2d' && node.kind !== 'dense') continue;
    const k = node.weights.kernel.data;
    for (let i = 0; i < k.length; i++) if (rng.uniform() < sparsity) k[i] = 0;
  }
  return graph;
}

let graph: Graph;
beforeAll(async () => {
  await tf.setBackend('cpu');
  graph = sparseResnet(0.9, 21);
});

describe('sparse layers in the runtime', () => {
  it('every kernel choice computes the same function as tfjs (csr, bcsr, dense, auto)', () => {
    const batch = 3;
    const x = randomInput(batch * 28 * 28, 4);
    const model = exportModel(graph);
    const reference = tfPredict(model, x, batch);
    model.dispose();
    for (const sparse of ['dense', 'csr', 'bcsr', 'auto'] as const) {
      const compiled = compile(graph, { sparse, probeBatch: 2 });
      const kernels = compiled.steps.filter((s) => s.op === 'conv2d' || s.op === 'dense');
      expect(kernels.length).toBe(22);
      for (const s of kernels) {
        expect(s.density).toBeGreaterThan(0.05);
        expect(s.density).toBeLessThan(0.15);
        if (sparse !== 'auto') expect(s.kernel, s.layers[0]).toBe(sparse === 'dense' ? 'dense' : sparse);
      }
      expect(relativeError(compiled.predict(x, batch), reference), sparse).toBeLessThan(1e-4);
    }
  });

  it('auto times the candidates and keeps the fastest, a sparse one only when clearly faster than dense', () => {
    const compiled = compile(graph, { probeBatch: 4 });
    const timed = compiled.steps.filter((s) => s.timings !== undefined);
    expect(timed.length).toBe(22);
    for (const s of timed) {
      const t = s.timings!;
      const sparseBest = Math.min(t.csr!, t.bcsr!);
      if (s.kernel === 'dense') expect(sparseBest, s.layers[0]).toBeGreaterThanOrEqual(0.9 * t.dense!);
      else {
        expect(t[s.kernel as 'csr' | 'bcsr'], s.layers[0]).toBe(sparseBest);
        expect(sparseBest, s.layers[0]).toBeLessThan(0.9 * t.dense!);
      }
    }
  });

  it('dense layers are never timed: unpruned models and layers above sparseMaxDensity stay dense', () => {
    const dense = sparseResnet(0, 21);
    for (const s of compile(dense).steps) {
      expect(s.timings).toBeUndefined();
      if (s.op === 'conv2d' || s.op === 'dense') expect(s).toMatchObject({ kernel: 'dense', density: 1 });
      else expect(s).toMatchObject({ kernel: null, density: null });
    }
    for (const s of compile(graph, { sparseMaxDensity: 0.05 }).steps) expect(s.timings).toBeUndefined();
  });

  it('rejects bad sparse options with coded errors', () => {
    expectCode(() => compile(graph, { sparse: 'coo' as never }), ErrorCode.InvalidArgument, /options\.sparse/);
    expectCode(() => compile(graph, { sparseMaxDensity: 1.5 }), ErrorCode.InvalidArgument, /sparseMaxDensity/);
    expectCode(() => compile(graph, { probeBatch: 0 }), ErrorCode.InvalidArgument, /probeBatch/);
    expectCode(() => compile(graph, { probe: 1 } as never), ErrorCode.InvalidArgument, /known: numThreads, sparse, sparseMaxDensity, probeBatch/);
  });
});
