/**
 * Physical slicing of weights and shape propagation after a pruning pass.
 */
import { AmcError, ErrorCode } from '@amc/core';
import { refreshNodeStats, type Graph, type GraphNode, type WeightTensor } from '@amc/graph';

/** `tensor` with only `keep` (ascending indices) along `axis`: a new tensor. */
export function sliceAxis(tensor: WeightTensor, axis: number, keep: readonly number[]): WeightTensor {
  const shape = tensor.shape;
  let outer = 1;
  let inner = 1;
  shape.forEach((d, i) => {
    if (i < axis) outer *= d;
    if (i > axis) inner *= d;
  });
  const length = shape[axis] as number;
  const data = new Float32Array(outer * keep.length * inner);
  let to = 0;
  for (let o = 0; o < outer; o++) {
    for (const k of keep) {
      const from = (o * length + k) * inner;
      data.set(tensor.data.subarray(from, from + inner), to);
      to += inner;
    }
  }
  const newShape = [...shape];
  newShape[axis] = keep.length;
  return { data, shape: newShape, trainable: tensor.trainable };
}

function last(shape: readonly number[]): number {
  return shape[shape.length - 1] ?? 0;
}

function withLast(shape: readonly number[], value: number): number[] {
  return [...shape.slice(0, -1), value];
}

function mismatch(node: GraphNode, what: string, expected: number, received: number): AmcError {
  return new AmcError(
    ErrorCode.ShapeMismatch,
    `pruneChannels: expected ${expected} for ${node.name}.${what} but received ${received} (the slices do not line up)`,
    { operation: 'pruneChannels', argument: `${node.name}.${what}`, expected: String(expected), received: String(received) },
  );
}

/**
 * Recomputes every node's `inputShapes`, `outputShape` and channel attrs (`filters`, `units`, a reshape's
 * `targetShape`) in topological order from the (sliced) weights, checks that every weight still fits its
 * input, and refreshes the node statistics.
 */
export function propagateShapes(graph: Graph): void {
  for (const node of graph.nodes) {
    node.inputShapes = node.inputs.map((id) => [...(graph.nodes[id] as GraphNode).outputShape]);
    const input = node.inputShapes[0] ?? [];
    const cin = last(input);
    switch (node.kind) {
      case 'input':
        break;
      case 'conv2d': {
        const [, , kin, kout] = node.weights.kernel.shape as [number, number, number, number];
        if (kin !== cin) throw mismatch(node, 'kernel.shape[2]', cin, kin);
        node.attrs.filters = kout;
        node.outputShape = withLast(node.outputShape, kout);
        break;
      }
      case 'dense': {
        const [kin, kout] = node.weights.kernel.shape as [number, number];
        if (kin !== cin) throw mismatch(node, 'kernel.shape[0]', cin, kin);
        node.attrs.units = kout;
        node.outputShape = withLast(node.outputShape, kout);
        break;
      }
      case 'depthwiseConv2d': {
        const kin = node.weights.depthwiseKernel.shape[2] as number;
        if (kin !== cin) throw mismatch(node, 'depthwiseKernel.shape[2]', cin, kin);
        node.outputShape = withLast(node.outputShape, cin * node.attrs.depthMultiplier);
        break;
      }
      case 'separableConv2d': {
        const kin = node.weights.depthwiseKernel.shape[2] as number;
        if (kin !== cin) throw mismatch(node, 'depthwiseKernel.shape[2]', cin, kin);
        const [, , pin, pout] = node.weights.pointwiseKernel.shape as [number, number, number, number];
        if (pin !== cin * node.attrs.depthMultiplier) throw mismatch(node, 'pointwiseKernel.shape[2]', cin * node.attrs.depthMultiplier, pin);
        node.attrs.filters = pout;
        node.outputShape = withLast(node.outputShape, pout);
        break;
      }
      case 'batchNorm': {
        const mean = node.weights.movingMean.shape[0] as number;
        if (mean !== cin) throw mismatch(node, 'movingMean.shape[0]', cin, mean);
        node.outputShape = withLast(node.outputShape, cin);
        break;
      }
      case 'activation':
      case 'pool2d':
      case 'zeroPadding2d':
      case 'dropout':
        node.outputShape = withLast(node.outputShape, cin);
        break;
      case 'reshape':
        node.attrs.targetShape = withLast(node.attrs.targetShape, cin);
        node.outputShape = withLast(node.outputShape, cin);
        break;
      case 'globalPool2d':
        node.outputShape = [cin];
        break;
      case 'flatten':
        node.outputShape = [input.reduce((a, b) => a * b, 1)];
        break;
      case 'add':
        for (const [i, shape] of node.inputShapes.entries()) {
          if (last(shape) !== cin) throw mismatch(node, `inputShapes[${i}]`, cin, last(shape));
        }
        node.outputShape = [...input];
        break;
      case 'concat': {
        const axis = node.attrs.axis;
        const out = [...input];
        out[axis] = node.inputShapes.reduce((sum, s) => sum + (s[axis] as number), 0);
        if (!node.attrs.onChannels) {
          for (const [i, shape] of node.inputShapes.entries()) {
            if (last(shape) !== cin) throw mismatch(node, `inputShapes[${i}]`, cin, last(shape));
          }
        }
        node.outputShape = out;
        break;
      }
    }
    refreshNodeStats(node);
  }
}
