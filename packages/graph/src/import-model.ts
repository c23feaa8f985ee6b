/**
 * tfjs layers model -> {@link Graph}: walks the model's own connectivity (the layer call nodes tfjs records) from
 * the outputs back to the inputs, so Sequential and functional models import the same way.
 */
import { AmcError, ErrorCode, argumentError } from '@amc/core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { convertLayer, unsupportedLayerError } from './convert-layer.js';
import { Graph } from './graph.js';
import type { GraphNode } from './types.js';

const OPERATION = 'importModel';

type Layer = tfl.layers.Layer;
type SymbolicTensor = tfl.SymbolicTensor;

/** The parts of tfjs's (internal) `Node` the walk reads; they are public fields of the class. */
interface TfjsNode {
  inboundLayers: Layer[];
  nodeIndices: number[];
  tensorIndices: number[];
  inputTensors: SymbolicTensor[];
  outputTensors: SymbolicTensor[];
}

/** One call of a layer: `layer.inboundNodes[nodeIndex]`. */
interface Call {
  layer: Layer;
  nodeIndex: number;
}

const CONTAINER_CLASSES: ReadonlySet<string> = new Set(['Model', 'Functional', 'Sequential', 'LayersModel']);

function tfjsNode(call: Call): TfjsNode {
  const node = (call.layer.inboundNodes as unknown as TfjsNode[])[call.nodeIndex];
  if (node === undefined) {
    throw new AmcError(ErrorCode.InvalidArgument, `${OPERATION}: layer "${call.layer.name}" has no call node ${call.nodeIndex}`, {
      operation: OPERATION,
      argument: 'model',
    });
  }
  return node;
}

/** The shape without the batch dimension; every other dimension must be known. */
function batchless(shape: readonly (number | null)[], what: string): number[] {
  const rest = shape.slice(1);
  if (!rest.every((d): d is number => typeof d === 'number' && Number.isSafeInteger(d) && d >= 1)) {
    throw argumentError(
      ErrorCode.Unsupported,
      OPERATION,
      what,
      rest.some((d) => d === null || d === undefined)
        ? 'a shape whose dimensions other than the batch are all known (build the model with a fixed inputShape)'
        : 'a shape whose dimensions other than the batch are all positive (the input is too small for this layer)',
      shape,
    );
  }
  return rest;
}

function checkSingleOutput(call: Call, tensorIndex: number): void {
  if (tensorIndex !== 0 || tfjsNode(call).outputTensors.length !== 1) {
    throw argumentError(
      ErrorCode.Unsupported,
      OPERATION,
      `outputs of layer "${call.layer.name}" (${call.layer.getClassName()})`,
      'one output tensor (multi-output layers are not supported)',
      tfjsNode(call).outputTensors.length,
    );
  }
}

/**
 * Imports a TensorFlow.js layers model (Sequential or functional, one or several inputs and outputs) into the
 * graph IR: one node per layer, in topological order, with attributes, copies of the weights (the model is not
 * modified and may be disposed afterwards) and per-node MACs / parameters. Shapes must be fully defined apart
 * from the batch dimension. Supported classes: see `SUPPORTED_LAYER_CLASSES`.
 *
 * @example
 * import { createModel } from '@amc/zoo';
 * const graph = importModel(createModel('resnet20'));
 * graph.totals(); // { macs: 31021952, params: 273754, trainableParams: 272186, ... }
 * @throws AmcError AMC_INVALID_ARGUMENT when `model` is not a tfjs LayersModel (or has no outputs);
 *   AMC_UNSUPPORTED_LAYER for a layer of an unsupported class (named with its class and the supported list) or a
 *   nested model; AMC_UNSUPPORTED for a layer called at several places (shared layers), a multi-output layer,
 *   channels-first data, dilation with stride, an unknown dimension and the other configurations listed in the
 *   README; AMC_SHAPE_MISMATCH when a layer's weights do not match its config.
 */
export function importModel(model: tfl.LayersModel): Graph {
  const m = model as unknown as Partial<{ inputs: unknown; outputs: unknown; layers: unknown; name: unknown }> | null;
  if (typeof m !== 'object' || m === null || !Array.isArray(m.inputs) || !Array.isArray(m.outputs) || !Array.isArray(m.layers)) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'model', 'a tfjs-layers LayersModel (tfl.model or tfl.sequential)', model);
  }
  const outputs = model.outputs;
  if (outputs.length === 0) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'model.outputs', 'at least one output (add layers first)', outputs);
  }

  // Iterative post-order DFS from the outputs: a node is emitted after all its operands, operands in order.
  const callOfLayer = new Map<Layer, number>();
  const order: Call[] = [];
  const done = new Set<Layer>();
  const onStack = new Set<Layer>();
  const visit = (root: Call): void => {
    const stack: { call: Call; next: number }[] = [];
    const enter = (call: Call): void => {
      if (done.has(call.layer) && callOfLayer.get(call.layer) === call.nodeIndex) return;
      const seen = callOfLayer.get(call.layer);
      if (seen !== undefined && seen !== call.nodeIndex) {
        throw argumentError(
          ErrorCode.Unsupported,
          OPERATION,
          `layer "${call.layer.name}" (${call.layer.getClassName()})`,
          'a layer called at one place only (shared layers are not supported: give each call its own layer)',
          `calls ${seen} and ${call.nodeIndex}`,
        );
      }
      if (onStack.has(call.layer)) {
        throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'model', 'an acyclic layer graph', `a cycle through ${call.layer.name}`);
      }
      const className = call.layer.getClassName();
      if (CONTAINER_CLASSES.has(className) || Array.isArray((call.layer as unknown as { layers?: unknown }).layers)) {
        throw unsupportedLayerError(OPERATION, call.layer.name, className, ' (a nested model: build the model flat)');
      }
      callOfLayer.set(call.layer, call.nodeIndex);
      onStack.add(call.layer);
      stack.push({ call, next: 0 });
    };
    enter(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { call: Call; next: number };
      const node = tfjsNode(top.call);
      if (top.next < node.inboundLayers.length) {
        const i = top.next++;
        const operand: Call = { layer: node.inboundLayers[i] as Layer, nodeIndex: node.nodeIndices[i] ?? 0 };
        checkSingleOutput(operand, node.tensorIndices[i] ?? 0);
        enter(operand);
      } else {
        stack.pop();
        onStack.delete(top.call.layer);
        done.add(top.call.layer);
        order.push(top.call);
      }
    }
  };
  const outputCalls = outputs.map((t, i) => {
    const call: Call = { layer: t.sourceLayer as Layer, nodeIndex: t.nodeIndex };
    if (call.layer === undefined || call.layer === null) {
      throw argumentError(ErrorCode.InvalidArgument, OPERATION, `model.outputs[${i}]`, 'a symbolic tensor produced by a layer', t);
    }
    checkSingleOutput(call, t.tensorIndex);
    return call;
  });
  for (const call of outputCalls) visit(call);

  const idOfLayer = new Map<Layer, number>();
  order.forEach((call, id) => idOfLayer.set(call.layer, id));
  const nodes: GraphNode[] = order.map((call, id) => {
    const node = tfjsNode(call);
    const className = call.layer.getClassName();
    if (className === 'InputLayer' ? node.inboundLayers.length !== 0 : node.inboundLayers.length === 0) {
      throw argumentError(ErrorCode.InvalidArgument, OPERATION, `layer "${call.layer.name}"`, 'operands unless it is an InputLayer', className);
    }
    const output = node.outputTensors[0] as SymbolicTensor;
    return convertLayer({
      layer: call.layer,
      className,
      id,
      inputs: node.inboundLayers.map((layer) => idOfLayer.get(layer) as number),
      inputShapes: node.inputTensors.map((t, i) => batchless(t.shape, `operand ${i} of layer "${call.layer.name}"`)),
      outputShape: batchless(output.shape, `the output of layer "${call.layer.name}"`),
    });
  });

  const inputs = model.inputs.map((t, i) => {
    const id = idOfLayer.get(t.sourceLayer as Layer);
    if (id === undefined) {
      throw argumentError(ErrorCode.InvalidArgument, OPERATION, `model.inputs[${i}]`, 'an input that reaches an output', t.name);
    }
    return id;
  });
  return new Graph({
    name: String(m.name ?? 'model'),
    nodes,
    inputs,
    outputs: outputCalls.map((call) => idOfLayer.get(call.layer) as number),
  });
}
