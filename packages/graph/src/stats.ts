import { sizeOfShape } from '@amc/core';
import { weightEntries, type GraphNode, type NodeStats } from './types.js';

function last(shape: readonly number[]): number {
  return shape[shape.length - 1] ?? 1;
}

/** Height times width of a channels-last `[h, w, c]` shape. */
function spatial(shape: readonly number[]): number {
  return (shape[0] ?? 1) * (shape[1] ?? 1);
}

/**
 * Multiply-accumulates of one input sample for `node`, from its shapes and attributes (see {@link NodeStats}).
 * Pure: call it again after a pass changed a node's shapes.
 *
 * @example
 * // a 3x3 conv 16 -> 32 with a 14x14 output: 14 * 14 * 3 * 3 * 16 * 32 = 903,168
 */
export function nodeMacs(node: GraphNode): number {
  const input = node.inputShapes[0] ?? [];
  switch (node.kind) {
    case 'conv2d': {
      const [kh, kw] = node.attrs.kernelSize;
      return spatial(node.outputShape) * kh * kw * last(input) * last(node.outputShape);
    }
    case 'depthwiseConv2d': {
      const [kh, kw] = node.attrs.kernelSize;
      return spatial(node.outputShape) * kh * kw * last(node.outputShape);
    }
    case 'separableConv2d':
      return depthwiseMacs(node) + pointwiseMacs(node);
    case 'dense':
      return sizeOfShape(node.outputShape.slice(0, -1)) * last(input) * last(node.outputShape);
    default:
      return 0;
  }
}

/** The depthwise part of a separable conv's MACs: `outH * outW * kh * kw * cin * m`. */
export function depthwiseMacs(node: Extract<GraphNode, { kind: 'separableConv2d' }>): number {
  const [kh, kw] = node.attrs.kernelSize;
  return spatial(node.outputShape) * kh * kw * last(node.inputShapes[0] ?? []) * node.attrs.depthMultiplier;
}

/** The pointwise part of a separable conv's MACs: `outH * outW * cin * m * cout`. */
export function pointwiseMacs(node: Extract<GraphNode, { kind: 'separableConv2d' }>): number {
  return spatial(node.outputShape) * last(node.inputShapes[0] ?? []) * node.attrs.depthMultiplier * last(node.outputShape);
}

/**
 * All statistics of `node` (see {@link NodeStats}), recomputed from its shapes, attributes and weights.
 * A pass that rewrites weights or shapes (pruning) calls it, or {@link refreshNodeStats}, afterwards.
 */
export function computeNodeStats(node: GraphNode): NodeStats {
  let params = 0;
  let trainableParams = 0;
  for (const [, tensor] of weightEntries(node)) {
    params += tensor.data.length;
    if (tensor.trainable) trainableParams += tensor.data.length;
  }
  return { macs: nodeMacs(node), params, trainableParams, activationSize: sizeOfShape(node.outputShape) };
}

/** Recomputes and stores the statistics of `node` in place; returns the node. */
export function refreshNodeStats<N extends GraphNode>(node: N): N {
  Object.assign(node, computeNodeStats(node));
  return node;
}
