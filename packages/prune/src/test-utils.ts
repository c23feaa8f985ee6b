/**
 * Helpers of the prune tests (not exported from the package).
 */
import { mapIndices, type ChannelGroup, type Graph, type WeightTensor } from '@amc/graph';

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
