/**
 * Intermediate activations for reconstruction: the runtime computes only a model's output, so a node's output is
 * obtained by compiling the sub-graph of its ancestors with that node as the output.
 */
import { Graph, type GraphNode } from '@amc/graph';
import { compile } from '@amc/runtime';

/**
 * The graph of `target` and its ancestors, renumbered, with `target` as the only output. With `linear`, the
 * target's own fused activation is dropped (its pre-activation output). Nodes share weights with `graph`.
 */
export function prefixGraph(graph: Graph, target: number, linear: boolean): Graph {
  const keep = new Set<number>();
  const stack = [target];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (keep.has(id)) continue;
    keep.add(id);
    stack.push(...graph.node(id).inputs);
  }
  const ids = [...keep].sort((a, b) => a - b);
  const renumber = new Map(ids.map((id, i) => [id, i]));
  const nodes = ids.map((id) => {
    const node = graph.node(id);
    const attrs = linear && id === target && 'activation' in node.attrs ? { ...node.attrs, activation: 'none' } : node.attrs;
    return { ...node, id: renumber.get(id) as number, inputs: node.inputs.map((i) => renumber.get(i) as number), attrs } as GraphNode;
  });
  const inputs = graph.inputs.filter((i) => keep.has(i)).map((i) => renumber.get(i) as number);
  return new Graph({ name: `${graph.name}/${graph.node(target).name}`, nodes, inputs, outputs: [renumber.get(target) as number] });
}

/**
 * The output of node `target` of `graph` for `count` input samples (`count * outputSize` floats, NHWC), before
 * its fused activation when `linear`. A model input returns the images themselves.
 */
export function nodeOutput(graph: Graph, target: number, images: Float32Array, count: number, linear: boolean, batchSize = 64): Float32Array {
  if (graph.node(target).kind === 'input') return images;
  return compile(prefixGraph(graph, target, linear)).predictBatched(images, count, batchSize);
}
