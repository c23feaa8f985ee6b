/**
 * Helpers of the prune tests (not exported from the package).
 */
import { Rng } from '@amc/core';
import { mapIndices, type ChannelGroup, type Graph, type WeightTensor } from '@amc/graph';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Random gamma, beta, moving mean and variance for every BatchNormalization layer (fresh layers are the identity). */
export function randomizeBatchNorms(model: tfl.LayersModel, seed: number): void {
  const rng = new Rng(seed);
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const names = layer.weights.map((w) => w.originalName);
    const next = layer.getWeights().map((w, i) => {
      const data = new Float32Array(w.size);
      const name = names[i] ?? '';
      if (name.includes('moving_variance') || name.includes('gamma')) rng.fillUniform(data, 0.5, 1.5);
      else rng.fillUniform(data, -0.3, 0.3);
      return tf.tensor(data, w.shape);
    });
    layer.setWeights(next);
    for (const t of next) t.dispose();
  }
}

/** `n` floats uniform in [-1, 1) from `seed`. */
export function randomInput(n: number, seed: number): Float32Array {
  return new Rng(seed).fillUniform(new Float32Array(n), -1, 1);
}

/** max |a - b| / max |b|. */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return diff / (scale === 0 ? 1 : scale);
}

/** Mean squared difference. */
export function meanSquaredError(actual: Float32Array, expected: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < expected.length; i++) sum += ((actual[i] as number) - (expected[i] as number)) ** 2;
  return sum / expected.length;
}

/**
 * A copy of `graph` in which the dropped channels of every group in `kept` are zeroed in their consumers'
 * input slices: the same function as the physically pruned graph (the dropped channels reach nothing), up to
 * the order of float sums.
 */
export function maskConsumers(graph: Graph, groups: readonly ChannelGroup[], kept: ReadonlyMap<number, number[]>): Graph {
  const masked = graph.clone();
  for (const [id, keep] of kept) {
    const group = groups[id] as ChannelGroup;
    const keepSet = new Set(keep);
    const dropped = Array.from({ length: group.channels }, (_, c) => c).filter((c) => !keepSet.has(c));
    for (const member of group.consumers) {
      const node = masked.node(member.node);
      for (const slice of member.slices) {
        const tensor = (node.weights as Record<string, WeightTensor>)[slice.weight] as WeightTensor;
        let inner = 1;
        tensor.shape.forEach((d, i) => {
          if (i > slice.axis) inner *= d;
        });
        const length = tensor.shape[slice.axis] as number;
        const outer = tensor.data.length / (length * inner);
        for (const index of mapIndices(slice.map, dropped)) {
          for (let o = 0; o < outer; o++) tensor.data.fill(0, (o * length + index) * inner, (o * length + index + 1) * inner);
        }
      }
    }
  }
  return masked;
}
