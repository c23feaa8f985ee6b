/**
 * {@link Graph} -> tfjs layers model, the inverse of `importModel`: one standard tfjs layer per node, with the
 * node's name, class and configuration (channel counts as they are in the graph, e.g. after pruning) and the
 * graph's weights. `saveGraph` writes the result in tfjs's own format.
 */
import { AmcError, ErrorCode, argumentError, describeValue } from '@amc/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { unsupportedLayerError } from './convert-layer.js';
import { Graph } from './graph.js';
import { type ActivationName, type GraphNode, TFJS_ACTIVATION_IDENTIFIERS, type WeightTensor, type WindowAttrs } from './types.js';

const OPERATION = 'exportModel';

type Sym = tfl.SymbolicTensor;
type Layer = tfl.layers.Layer;
type TfjsActivation = NonNullable<Parameters<typeof tfl.layers.activation>[0]>['activation'];

/** What {@link exportModel} takes besides the graph. */
export interface ExportModelOptions {
  /** The tfjs model name; default the graph's name. */
  name?: string;
}


function nodeLabel(node: GraphNode): string {
  return `node "${node.name}" (${node.kind}, ${node.className})`;
}

/** The tfjs identifier of an activation fused into a conv / dense layer or held by an `Activation` layer. */
function identifier(node: GraphNode, activation: ActivationName): TfjsActivation {
  if (activation === 'none') return 'linear';
  if (!TFJS_ACTIVATION_IDENTIFIERS.has(activation)) {
    throw argumentError(
      ErrorCode.Unsupported,
      OPERATION,
      `activation of ${nodeLabel(node)}`,
      `a tfjs activation identifier (none, ${[...TFJS_ACTIVATION_IDENTIFIERS].join(', ')}; leakyRelu only as a standalone activation node)`,
      activation,
    );
  }
  return activation as TfjsActivation;
}

function windowConfig(w: WindowAttrs): { kernelSize: [number, number]; strides: [number, number]; padding: 'same' | 'valid' } {
  return { kernelSize: [...w.kernelSize], strides: [...w.strides], padding: w.padding };
}

/**
 * The layer of a standalone activation node, in the tfjs form of its `className`: `ReLU` (with `maxValue`, 6 for
 * `relu6`), `LeakyReLU` (with `alpha`) or `Activation` (with the identifier). A node whose class cannot hold its
 * activation (a graph built by hand) gets the form that can.
 */
function activationLayer(node: GraphNode & { kind: 'activation' }): Layer {
  const { activation, maxValue, alpha } = node.attrs;
  const name = node.name;
  if (activation === 'leakyRelu') return tfl.layers.leakyReLU({ name, ...(alpha === null ? {} : { alpha }) });
  const cap = activation === 'relu6' ? 6 : activation === 'relu' ? maxValue : null;
  if (activation === 'relu' && maxValue !== null) return tfl.layers.reLU({ name, maxValue });
  if (node.className === 'ReLU' && (activation === 'relu' || activation === 'relu6')) {
    return tfl.layers.reLU(cap === null ? { name } : { name, maxValue: cap });
  }
  return tfl.layers.activation({ name, activation: identifier(node, activation) });
}

/** Builds the (not yet called) layer of one node, and its weights in tfjs's creation order. */
function makeLayer(node: GraphNode): { layer: Layer; weights: [string, WeightTensor | undefined][] } {
  const name = node.name;
  switch (node.kind) {
    case 'conv2d': {
      const a = node.attrs;
      const layer = tfl.layers.conv2d({
        name,
        ...windowConfig(a),
        filters: a.filters,
        dilationRate: [...a.dilation],
        useBias: a.useBias,
        activation: identifier(node, a.activation),
      });
      return { layer, weights: [['kernel', node.weights.kernel], ...(a.useBias ? [['bias', node.weights.bias] as [string, WeightTensor | undefined]] : [])] };
    }
    case 'depthwiseConv2d': {
      const a = node.attrs;
      const layer = tfl.layers.depthwiseConv2d({
        name,
        ...windowConfig(a),
        depthMultiplier: a.depthMultiplier,
        dilationRate: [...a.dilation],
        useBias: a.useBias,
        activation: identifier(node, a.activation),
      });
      return {
        layer,
        weights: [['depthwiseKernel', node.weights.depthwiseKernel], ...(a.useBias ? [['bias', node.weights.bias] as [string, WeightTensor | undefined]] : [])],
      };
    }
    case 'separableConv2d': {
      const a = node.attrs;
      const layer = tfl.layers.separableConv2d({
        name,
        ...windowConfig(a),
        filters: a.filters,
        depthMultiplier: a.depthMultiplier,
        dilationRate: [...a.dilation],
        useBias: a.useBias,
        activation: identifier(node, a.activation),
      });
      return {
        layer,
        weights: [
          ['depthwiseKernel', node.weights.depthwiseKernel],
          ['pointwiseKernel', node.weights.pointwiseKernel],
          ...(a.useBias ? [['bias', node.weights.bias] as [string, WeightTensor | undefined]] : []),
        ],
      };
    }
    case 'dense': {
      const a = node.attrs;
      const layer = tfl.layers.dense({ name, units: a.units, useBias: a.useBias, activation: identifier(node, a.activation) });
      return { layer, weights: [['kernel', node.weights.kernel], ...(a.useBias ? [['bias', node.weights.bias] as [string, WeightTensor | undefined]] : [])] };
    }
    case 'batchNorm': {
      const a = node.attrs;
      const layer = tfl.layers.batchNormalization({ name, axis: -1, epsilon: a.epsilon, momentum: a.momentum, center: a.center, scale: a.scale });
      const weights: [string, WeightTensor | undefined][] = [];
      if (a.scale) weights.push(['gamma', node.weights.gamma]);
      if (a.center) weights.push(['beta', node.weights.beta]);
      weights.push(['movingMean', node.weights.movingMean], ['movingVariance', node.weights.movingVariance]);
      return { layer, weights };
    }
    case 'activation':
      return { layer: activationLayer(node), weights: [] };
    case 'add':
      return { layer: tfl.layers.add({ name }), weights: [] };
    case 'concat': {
      const a = node.attrs;
      return { layer: tfl.layers.concatenate({ name, axis: a.onChannels ? -1 : a.axis + 1 }), weights: [] };
    }
    case 'pool2d': {
      const a = node.attrs;
      const config = { name, poolSize: [...a.kernelSize] as [number, number], strides: [...a.strides] as [number, number], padding: a.padding };
      return { layer: a.mode === 'max' ? tfl.layers.maxPooling2d(config) : tfl.layers.averagePooling2d(config), weights: [] };
    }
    case 'globalPool2d':
      return { layer: node.attrs.mode === 'max' ? tfl.layers.globalMaxPooling2d({ name }) : tfl.layers.globalAveragePooling2d({ name }), weights: [] };
    case 'zeroPadding2d': {
      const [t, b, l, r] = node.attrs.pads;
      return { layer: tfl.layers.zeroPadding2d({ name, padding: [[t, b], [l, r]] }), weights: [] };
    }
    case 'flatten':
      return { layer: tfl.layers.flatten({ name }), weights: [] };
    case 'dropout':
      return { layer: tfl.layers.dropout({ name, rate: node.attrs.rate }), weights: [] };
    case 'reshape':
      return { layer: tfl.layers.reshape({ name, targetShape: [...node.attrs.targetShape] }), weights: [] };
    default:
      throw unsupportedLayerError(OPERATION, (node as GraphNode).name, `${(node as GraphNode).className} (kind ${describeValue((node as GraphNode).kind)})`);
  }
}

function sameShape(a: readonly (number | null)[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function isWeightTensor(value: unknown): value is WeightTensor {
  const w = value as Partial<WeightTensor> | null;
  return typeof w === 'object' && w !== null && w.data instanceof Float32Array && Array.isArray(w.shape);
}

/** Sets the node's weights on the built layer, after checking their number and shapes against tfjs's variables. */
function setWeights(node: GraphNode, layer: Layer, weights: readonly [string, WeightTensor | undefined][]): void {
  const variables = layer.weights;
  if (variables.length !== weights.length) {
    throw new AmcError(
      ErrorCode.ShapeMismatch,
      `${OPERATION}: the tfjs layer of ${nodeLabel(node)} has ${variables.length} weights; the node gives ${weights.length} (${weights.map((w) => w[0]).join(', ')})`,
      { operation: OPERATION, argument: nodeLabel(node), expected: String(variables.length), received: String(weights.length) },
    );
  }
  const values = weights.map(([key, w], i) => {
    const variable = variables[i] as tfl.LayerVariable;
    if (!isWeightTensor(w)) {
      throw argumentError(ErrorCode.InvalidArgument, OPERATION, `weights.${key} of ${nodeLabel(node)}`, 'a WeightTensor ({ data: Float32Array, shape, trainable })', w);
    }
    const size = w.shape.reduce((n, d) => n * d, 1);
    if (!sameShape(variable.shape, w.shape) || w.data.length !== size) {
      throw argumentError(
        ErrorCode.ShapeMismatch,
        OPERATION,
        `weights.${key} of ${nodeLabel(node)}`,
        `shape ${describeValue(variable.shape)} (what the layer's config and operand shapes imply) with as many values`,
        `shape ${describeValue(w.shape)} with ${w.data.length} values`,
      );
    }
    // A copy: the cpu backend may keep the array it is given, and the graph may be edited in place later.
    return tf.tensor(w.data.slice(), w.shape, 'float32');
  });
  try {
    layer.setWeights(values);
  } finally {
    for (const v of values) v.dispose();
  }
  // Frozen weights: a layer whose trainable weights are all frozen in the graph is made non-trainable (which
  // tfjs saves); a partly frozen layer gets per-variable flags (which tfjs does not save).
  const trainableInTfjs = weights.map((_, i) => (variables[i] as tfl.LayerVariable).trainable);
  const frozen = weights.map(([, w], i) => trainableInTfjs[i] === true && w?.trainable === false);
  if (frozen.some(Boolean)) {
    if (frozen.every((f, i) => f || trainableInTfjs[i] !== true)) layer.trainable = false;
    else frozen.forEach((f, i) => f && ((variables[i] as tfl.LayerVariable).trainable = false));
  }
}

function expectedOperands(node: GraphNode): string | undefined {
  const n = node.inputs.length;
  if (node.kind === 'input') return n === 0 ? undefined : 'no operands';
  if (node.kind === 'add' || node.kind === 'concat') return n >= 2 ? undefined : 'at least 2 operands';
  return n === 1 ? undefined : '1 operand';
}

/**
 * Builds a functional tfjs-layers model from `graph`: the inverse of `importModel`. Each node becomes a standard
 * tfjs layer with the node's name, class (a standalone activation keeps its `Activation` / `ReLU` / `LeakyReLU`
 * form) and configuration as the graph has it (channel counts after pruning included), called on the outputs of
 * its operand nodes, and its weights are set from the graph (copies: later edits of the graph do not reach the
 * model). Initializers, regularizers and constraints are tfjs's defaults (the IR does not keep them). Needs a
 * registered tfjs backend. The caller owns the model (dispose it).
 *
 * @example
 * const graph = importModel(model);
 * // ... prune the graph ...
 * const pruned = exportModel(graph, { name: 'resnet20-pruned' });
 * @throws AmcError AMC_INVALID_ARGUMENT when `graph` is not a Graph, `options` or `options.name` is malformed, a
 *   node has the wrong number of operands or a weight is not a WeightTensor; AMC_UNSUPPORTED_LAYER for an
 *   unknown node kind; AMC_UNSUPPORTED for a fused activation tfjs has no identifier for (`leakyRelu`);
 *   AMC_SHAPE_MISMATCH when tfjs cannot call a layer on its operands, or a node's weights or output shape do not
 *   match what its attributes and operand shapes imply (an inconsistent pruned graph).
 */
export function exportModel(graph: Graph, options?: ExportModelOptions): tfl.LayersModel {
  if (!(graph instanceof Graph)) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'graph', 'a Graph (from importModel or loadGraph)', graph);
  }
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'options', 'an options object or undefined', options);
  }
  const name = options?.name ?? graph.name;
  if (typeof name !== 'string' || name.length === 0) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'options.name', 'a non-empty string', name);
  }
  if (graph.outputs.length === 0 || graph.inputs.length === 0) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'graph', 'a graph with at least one input and one output', {
      inputs: graph.inputs,
      outputs: graph.outputs,
    });
  }
  for (const id of graph.inputs) {
    const node = graph.node(id);
    if (node.kind !== 'input') {
      throw argumentError(ErrorCode.InvalidArgument, OPERATION, `graph.inputs (node ${id})`, 'ids of input nodes', node.kind);
    }
  }

  const tensors: Sym[] = [];
  for (const node of graph.nodes) {
    const problem = expectedOperands(node);
    if (problem !== undefined) {
      throw argumentError(ErrorCode.InvalidArgument, OPERATION, `operands of ${nodeLabel(node)}`, problem, node.inputs);
    }
    if (node.kind === 'input') {
      const shape = node.outputShape;
      if (!shape.every((d) => Number.isSafeInteger(d) && d >= 1)) {
        throw argumentError(ErrorCode.InvalidArgument, OPERATION, `outputShape of ${nodeLabel(node)}`, 'a shape of positive integers', shape);
      }
      tensors.push(tfl.input({ shape: [...shape], name: node.name, dtype: 'float32' }));
      continue;
    }
    const { layer, weights } = makeLayer(node);
    const operands = node.inputs.map((id) => tensors[id] as Sym);
    let output: Sym;
    try {
      output = layer.apply(operands.length === 1 ? (operands[0] as Sym) : operands) as Sym;
    } catch (cause) {
      if (AmcError.isInstance(cause)) throw cause;
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new AmcError(
        ErrorCode.ShapeMismatch,
        `${OPERATION}: tfjs cannot call the layer of ${nodeLabel(node)} on operands of shapes ${describeValue(operands.map((t) => t.shape.slice(1)))}: ${message}`,
        { operation: OPERATION, argument: nodeLabel(node), cause },
      );
    }
    if (!sameShape(output.shape.slice(1), node.outputShape)) {
      throw argumentError(
        ErrorCode.ShapeMismatch,
        OPERATION,
        `outputShape of ${nodeLabel(node)}`,
        `the shape tfjs computes from its attributes and operands, ${describeValue(output.shape.slice(1))}`,
        node.outputShape,
      );
    }
    setWeights(node, layer, weights);
    tensors.push(output);
  }
  return tfl.model({
    name,
    inputs: graph.inputs.map((id) => tensors[id] as Sym),
    outputs: graph.outputs.map((id) => tensors[id] as Sym),
  });
}

/**
 * Exports `graph` with {@link exportModel} and saves it to `dir` (created if missing) with `saveModel` of
 * `@amc/tfjs` (model.json + weights.bin, standard tfjs layer classes only, loadable by plain `@tensorflow/tfjs`,
 * `loadModel` and `loadGraph`); the temporary tfjs model is disposed.
 *
 * @param metadata stored in model.json's `userDefinedMetadata`.
 * @throws AmcError AMC_INVALID_ARGUMENT for a `dir` that is not a non-empty string or a `metadata` that is not a
 *   plain object; every error of {@link exportModel}; AMC_IO when the files cannot be written.
 */
export async function saveGraph(graph: Graph, dir: string, metadata?: Record<string, unknown>, options?: ExportModelOptions): Promise<void> {
  const op = 'saveGraph';
  if (typeof dir !== 'string' || dir.length === 0) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'dir', 'a non-empty path to a model folder', dir);
  }
  if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'metadata', 'a plain object or undefined', metadata);
  }
  // Loaded lazily (as in loadGraph): importing @amc/tfjs registers its backend.
  const { saveModel } = await import('@amc/tfjs');
  const model = exportModel(graph, options);
  try {
    await saveModel(model, dir, metadata);
  } catch (cause) {
    if (AmcError.isInstance(cause)) throw cause;
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new AmcError(ErrorCode.Io, `${op}: cannot save the model to ${dir}: ${message}`, { operation: op, argument: 'dir', received: dir, cause });
  } finally {
    model.dispose();
  }
}
