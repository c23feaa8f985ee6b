/**
 * Compilation of a graph into a flat list of steps over symbolic values: batch norms folded into the conv /
 * depthwise / dense that produces their input, activations fused into the step that produces theirs, identity
 * layers (flatten, dropout, reshape) turned into aliases, and a liveness-based assignment of values to buffer
 * slots that does not depend on the batch size.
 */
import { type Activation, ErrorCode, AmcError, argumentError } from '@amc/core';
import type { ActivationName, Graph, GraphNode } from '@amc/graph';
import type { SparseMatrix } from '@amc/kernels';
import { TS_ACTIVATIONS, type TsActivation } from './ops.js';

/** One tensor of the plan: a model value without its batch dimension. */
export interface PlanValue {
  id: number;
  /** Shape without the batch dimension. */
  shape: number[];
  /** Elements per sample. */
  size: number;
  /** The graph nodes whose output this value is (a producer plus folded / fused / identity layers). */
  nodes: number[];
  /** Index of the step that writes it; -1 for the model input. */
  producer: number;
  /** Buffer slot (-1 for the model input, which is read from the caller's array). */
  slot: number;
}

interface StepBase {
  /** Names of the graph nodes this step computes. */
  names: string[];
  inputs: number[];
  output: number;
  /** Elementwise activation applied in place after the kernel, in TypeScript (null: none). */
  post: TsActivation | null;
}

/** The sparse form of a conv / dense step's weights, when the runtime runs it with SpMM (see sparse-select.ts). */
export interface SparseKernel {
  /** `cout x (kh * kw * cin)` (dense: `units x in`) weights, from the folded filter. */
  weights: SparseMatrix;
}

/** A convolution (dense or depthwise) with a bias and a natively fused activation. */
export interface ConvStep extends StepBase {
  op: 'conv2d' | 'depthwiseConv2d';
  filter: Float32Array;
  filterShape: [number, number, number, number];
  bias: Float32Array | undefined;
  strides: [number, number];
  pads: [number, number, number, number];
  dilations: [number, number];
  activation: Activation;
  /** Set when the step runs on the sparse kernels (`conv2d` only). */
  sparse?: SparseKernel;
}

/** A dense layer on the last axis: gemm `[rows, in] x [in, units]`. */
export interface DenseStep extends StepBase {
  op: 'dense';
  kernel: Float32Array;
  inFeatures: number;
  units: number;
  bias: Float32Array | undefined;
  activation: Activation;
  /** Set when the step runs on the sparse kernels. */
  sparse?: SparseKernel;
}

/** A standalone inference batch norm (native `batchNorm`). */
export interface BatchNormStep extends StepBase {
  op: 'batchNorm';
  gamma: Float32Array | undefined;
  beta: Float32Array | undefined;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
  activation: Activation;
}

/** An elementwise sum of two or more operands, with a relu / relu6 applied in place afterwards. */
export interface AddStep extends StepBase {
  op: 'add';
  activation: Activation;
}

/** A concatenation; per sample, operand k gives `inner[k]` contiguous floats to each of `outer` rows. */
export interface ConcatStep extends StepBase {
  op: 'concat';
  inner: number[];
  outer: number;
}

/** A max or average pool (TypeScript). */
export interface PoolStep extends StepBase {
  op: 'pool2d';
  mode: 'max' | 'avg';
  inShape: [number, number, number];
  outShape: [number, number, number];
  kernel: [number, number];
  strides: [number, number];
  pads: [number, number, number, number];
}

/** A global pool `[h, w, c] -> [c]` (TypeScript). */
export interface GlobalPoolStep extends StepBase {
  op: 'globalPool2d';
  mode: 'max' | 'avg';
  pixels: number;
  channels: number;
}

/** Zero padding of height and width (TypeScript). */
export interface ZeroPadStep extends StepBase {
  op: 'zeroPadding2d';
  inShape: [number, number, number];
  pads: [number, number, number, number];
}

/** A standalone activation: native `unaryOp` for relu / relu6, TypeScript for the others. */
export interface ActivationStep extends StepBase {
  op: 'activation';
  act: TsActivation;
  lastDim: number;
}

/** One step of a compiled plan. */
export type Step = ConvStep | DenseStep | BatchNormStep | AddStep | ConcatStep | PoolStep | GlobalPoolStep | ZeroPadStep | ActivationStep;

/** The result of {@link buildPlan}. */
export interface Plan {
  steps: Step[];
  values: PlanValue[];
  input: number;
  output: number;
  /** Elements per sample of each buffer slot. */
  slotSizes: number[];
}

const NATIVE_ACTIVATIONS: ReadonlySet<string> = new Set(['none', 'relu', 'relu6']);

function size(shape: readonly number[]): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}

function unsupported(node: GraphNode, what: string): AmcError {
  return new AmcError(ErrorCode.UnsupportedLayer, `compile: layer ${node.name} (${node.className}): ${what} is not supported by the runtime`, {
    operation: 'compile',
    argument: `graph.nodes[${node.id}]`,
  });
}

function toTsActivation(node: GraphNode, name: ActivationName, maxValue: number | null, alpha: number | null): TsActivation {
  if (!TS_ACTIVATIONS.has(name)) throw unsupported(node, `activation ${name}`);
  return { name, maxValue, alpha: alpha ?? 0.3 };
}

/** Splits a layer's activation into a native fused one and a TypeScript post-activation. */
function splitActivation(node: GraphNode, name: ActivationName): { activation: Activation; post: TsActivation | null } {
  if (NATIVE_ACTIVATIONS.has(name)) return { activation: name as Activation, post: null };
  return { activation: 'none', post: toTsActivation(node, name, null, null) };
}

function shape3(node: GraphNode, shape: readonly number[] | undefined): [number, number, number] {
  if (shape === undefined || shape.length !== 3) throw unsupported(node, `an input of shape ${JSON.stringify(shape)} (expected [h, w, c])`);
  return [shape[0] as number, shape[1] as number, shape[2] as number];
}

/**
 * Builds the plan of `graph` (validated by the caller to be a Graph).
 *
 * @throws AmcError AMC_UNSUPPORTED (several inputs or outputs), AMC_UNSUPPORTED_LAYER (an activation or layer the
 * runtime cannot run).
 */
export function buildPlan(graph: Graph): Plan {
  if (graph.inputs.length !== 1) {
    throw argumentError(ErrorCode.Unsupported, 'compile', 'graph.inputs', 'exactly one model input', graph.inputs.length);
  }
  if (graph.outputs.length !== 1) {
    throw argumentError(ErrorCode.Unsupported, 'compile', 'graph.outputs', 'exactly one model output', graph.outputs.length);
  }
  const outputs = new Set(graph.outputs);
  const values: PlanValue[] = [];
  const steps: Step[] = [];
  const valueOf: number[] = [];

  const newValue = (shape: readonly number[], nodes: number[]): number => {
    values.push({ id: values.length, shape: [...shape], size: size(shape), nodes, producer: steps.length, slot: -1 });
    return values.length - 1;
  };
  const operand = (node: GraphNode, k: number): number => {
    const v = valueOf[node.inputs[k] as number];
    if (v === undefined) throw unsupported(node, `operand ${k}`);
    return v;
  };
  const valueAt = (id: number): PlanValue => values[id] as PlanValue;
  /** True when every reader of value `v` is one of its own nodes or `consumer`, and none is a model output. */
  const exclusive = (v: number, consumer: number): boolean => {
    const value = valueAt(v);
    if (value.producer < 0) return false;
    for (const n of value.nodes) {
      if (outputs.has(n)) return false;
      for (const s of graph.successors(n)) if (s !== consumer && !value.nodes.includes(s)) return false;
    }
    return true;
  };
  /** The step that writes `v`, when a following layer may be merged into it. */
  const mergeableProducer = (node: GraphNode, v: number): Step | undefined => {
    if (node.inputs.length !== 1 || !exclusive(v, node.id)) return undefined;
    return steps[valueAt(v).producer];
  };

  for (const node of graph.nodes) {
    switch (node.kind) {
      case 'input': {
        valueOf[node.id] = values.length;
        values.push({ id: values.length, shape: [...node.outputShape], size: size(node.outputShape), nodes: [node.id], producer: -1, slot: -1 });
        break;
      }
      case 'conv2d':
      case 'depthwiseConv2d': {
        const a = node.attrs;
        const kernel = node.kind === 'conv2d' ? node.weights.kernel : node.weights.depthwiseKernel;
        const input = operand(node, 0);
        const output = newValue(node.outputShape, [node.id]);
        steps.push({
          op: node.kind,
          names: [node.name],
          inputs: [input],
          output,
          filter: kernel.data.slice(),
          filterShape: kernel.shape as [number, number, number, number],
          bias: node.weights.bias?.data.slice(),
          strides: [...a.strides],
          pads: [...a.pads],
          dilations: [...a.dilation],
          ...splitActivation(node, a.activation),
        });
        valueOf[node.id] = output;
        break;
      }
      case 'separableConv2d': {
        const a = node.attrs;
        const dw = node.weights.depthwiseKernel;
        const pw = node.weights.pointwiseKernel;
        const input = operand(node, 0);
        const inShape = shape3(node, node.inputShapes[0]);
        const mid = newValue([node.outputShape[0] as number, node.outputShape[1] as number, inShape[2] * a.depthMultiplier], []);
        steps.push({
          op: 'depthwiseConv2d',
          names: [`${node.name}/depthwise`],
          inputs: [input],
          output: mid,
          filter: dw.data.slice(),
          filterShape: dw.shape as [number, number, number, number],
          bias: undefined,
          strides: [...a.strides],
          pads: [...a.pads],
          dilations: [...a.dilation],
          activation: 'none',
          post: null,
        });
        const output = newValue(node.outputShape, [node.id]);
        steps.push({
          op: 'conv2d',
          names: [`${node.name}/pointwise`],
          inputs: [mid],
          output,
          filter: pw.data.slice(),
          filterShape: pw.shape as [number, number, number, number],
          bias: node.weights.bias?.data.slice(),
          strides: [1, 1],
          pads: [0, 0, 0, 0],
          dilations: [1, 1],
          ...splitActivation(node, a.activation),
        });
        valueOf[node.id] = output;
        break;
      }
      case 'dense': {
        const k = node.weights.kernel;
        const input = operand(node, 0);
        const output = newValue(node.outputShape, [node.id]);
        steps.push({
          op: 'dense',
          names: [node.name],
          inputs: [input],
          output,
          kernel: k.data.slice(),
          inFeatures: k.shape[0] as number,
          units: k.shape[1] as number,
          bias: node.weights.bias?.data.slice(),
          ...splitActivation(node, node.attrs.activation),
        });
        valueOf[node.id] = output;
        break;
      }
      case 'batchNorm': {
        const w = node.weights;
        const input = operand(node, 0);
        const producer = mergeableProducer(node, input);
        if (
          producer !== undefined &&
          (producer.op === 'conv2d' || producer.op === 'depthwiseConv2d' || producer.op === 'dense') &&
          producer.activation === 'none' &&
          producer.post === null
        ) {
          foldBatchNorm(producer, w.gamma?.data, w.beta?.data, w.movingMean.data, w.movingVariance.data, node.attrs.epsilon);
          producer.names.push(node.name);
          valueAt(input).nodes.push(node.id);
          valueOf[node.id] = input;
          break;
        }
        const output = newValue(node.outputShape, [node.id]);
        steps.push({
          op: 'batchNorm',
          names: [node.name],
          inputs: [input],
          output,
          gamma: w.gamma?.data.slice(),
          beta: w.beta?.data.slice(),
          mean: w.movingMean.data.slice(),
          variance: w.movingVariance.data.slice(),
          epsilon: node.attrs.epsilon,
          activation: 'none',
          post: null,
        });
        valueOf[node.id] = output;
        break;
      }
      case 'activation': {
        const a = node.attrs;
        const act = toTsActivation(node, a.activation, a.maxValue, a.alpha);
        const input = operand(node, 0);
        const producer = mergeableProducer(node, input);
        const native = (a.activation === 'relu' && a.maxValue === null) || a.activation === 'relu6';
        if (producer !== undefined && producer.post === null) {
          // relu / relu6 go into the kernel; anything else runs in place on the producer's buffer afterwards.
          if (native && 'activation' in producer && producer.activation === 'none') producer.activation = a.activation as Activation;
          else producer.post = act;
          producer.names.push(node.name);
          valueAt(input).nodes.push(node.id);
          valueOf[node.id] = input;
          break;
        }
        pushActivation(node, act, input);
        break;
      }
      case 'add': {
        const inputs = node.inputs.map((_, k) => operand(node, k));
        const output = newValue(node.outputShape, [node.id]);
        steps.push({ op: 'add', names: [node.name], inputs, output, activation: 'none', post: null });
        valueOf[node.id] = output;
        break;
      }
      case 'concat': {
        const axis = node.attrs.axis;
        const inputs = node.inputs.map((_, k) => operand(node, k));
        const inner = node.inputShapes.map((s) => size(s.slice(axis)));
        const outer = size(node.outputShape.slice(0, axis));
        const output = newValue(node.outputShape, [node.id]);
        steps.push({ op: 'concat', names: [node.name], inputs, output, inner, outer, post: null });
        valueOf[node.id] = output;
        break;
      }
      case 'pool2d': {
        const a = node.attrs;
        if (a.dilation[0] !== 1 || a.dilation[1] !== 1) throw unsupported(node, 'a dilated pool');
        const input = operand(node, 0);
        const output = newValue(node.outputShape, [node.id]);
        steps.push({
          op: 'pool2d',
          names: [node.name],
          inputs: [input],
          output,
          mode: a.mode,
          inShape: shape3(node, node.inputShapes[0]),
          outShape: shape3(node, node.outputShape),
          kernel: [...a.kernelSize],
          strides: [...a.strides],
          pads: [...a.pads],
          post: null,
        });
        valueOf[node.id] = output;
        break;
      }
      case 'globalPool2d': {
        const [h, w, c] = shape3(node, node.inputShapes[0]);
        const input = operand(node, 0);
        const output = newValue(node.outputShape, [node.id]);
        steps.push({ op: 'globalPool2d', names: [node.name], inputs: [input], output, mode: node.attrs.mode, pixels: h * w, channels: c, post: null });
        valueOf[node.id] = output;
        break;
      }
      case 'zeroPadding2d': {
        const input = operand(node, 0);
        const output = newValue(node.outputShape, [node.id]);
        steps.push({ op: 'zeroPadding2d', names: [node.name], inputs: [input], output, inShape: shape3(node, node.inputShapes[0]), pads: [...node.attrs.pads], post: null });
        valueOf[node.id] = output;
        break;
      }
      case 'flatten':
      case 'dropout':
      case 'reshape': {
        // Row-major NHWC data is unchanged by these at inference: the node is an alias of its operand.
        const input = operand(node, 0);
        valueAt(input).nodes.push(node.id);
        valueOf[node.id] = input;
        break;
      }
      default: {
        const unknown = node as GraphNode;
        throw unsupported(unknown, `kind ${String(unknown.kind)}`);
      }
    }
  }

  function pushActivation(node: GraphNode, act: TsActivation, input: number): void {
    const output = newValue(node.outputShape, [node.id]);
    steps.push({ op: 'activation', names: [node.name], inputs: [input], output, act, lastDim: node.outputShape[node.outputShape.length - 1] ?? 1, post: null });
    valueOf[node.id] = output;
  }

  const input = valueOf[graph.inputs[0] as number] as number;
  const output = valueOf[graph.outputs[0] as number] as number;
  const slotSizes = assignSlots(steps, values, output);
  return { steps, values, input, output, slotSizes };
}

/**
 * Folds `y = gamma * (x - mean) / sqrt(variance + epsilon) + beta` into the producer: its filter's output
 * channels (the last axis; `c * m + k` for a depthwise filter) are scaled and the shift joins the bias.
 */
function foldBatchNorm(
  step: ConvStep | DenseStep,
  gamma: Float32Array | undefined,
  beta: Float32Array | undefined,
  mean: Float32Array,
  variance: Float32Array,
  epsilon: number,
): void {
  const channels = mean.length;
  const weights = step.op === 'dense' ? step.kernel : step.filter;
  const scale = new Float64Array(channels);
  for (let c = 0; c < channels; c++) scale[c] = (gamma === undefined ? 1 : (gamma[c] as number)) / Math.sqrt((variance[c] as number) + epsilon);
  for (let i = 0; i < weights.length; i++) weights[i] = (weights[i] as number) * (scale[i % channels] as number);
  const bias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const b = step.bias === undefined ? 0 : (step.bias[c] as number);
    bias[c] = (b - (mean[c] as number)) * (scale[c] as number) + (beta === undefined ? 0 : (beta[c] as number));
  }
  step.bias = bias;
}

/**
 * Greedy liveness-based slot assignment: a value takes a free slot when its step runs and gives it back after its
 * last reader. The output value is never given back. Returns the elements per sample of every slot.
 */
function assignSlots(steps: readonly Step[], values: PlanValue[], output: number): number[] {
  const lastUse = new Array<number>(values.length).fill(-1);
  steps.forEach((step, i) => {
    for (const v of step.inputs) lastUse[v] = i;
  });
  lastUse[output] = Infinity;
  const slotSizes: number[] = [];
  const free: number[] = [];
  steps.forEach((step, i) => {
    const value = values[step.output] as PlanValue;
    let best = -1;
    for (let f = 0; f < free.length; f++) {
      const s = slotSizes[free[f] as number] as number;
      const b = best < 0 ? -1 : (slotSizes[free[best] as number] as number);
      // Prefer the smallest slot that fits, else the largest one (which then grows).
      if (best < 0 || (s >= value.size && (b < value.size || s < b)) || (b < value.size && s > b)) best = f;
    }
    if (best >= 0) {
      const slot = free.splice(best, 1)[0] as number;
      slotSizes[slot] = Math.max(slotSizes[slot] as number, value.size);
      value.slot = slot;
    } else {
      value.slot = slotSizes.length;
      slotSizes.push(value.size);
    }
    for (const v of new Set(step.inputs)) {
      const operand = values[v] as PlanValue;
      if (lastUse[v] === i && operand.producer >= 0) free.push(operand.slot);
    }
  });
  return slotSizes;
}
