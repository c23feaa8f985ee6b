/**
 * One tfjs layer call to one IR node: attributes from the layer's config, weights copied from its variables,
 * statistics computed. Every unsupported class or configuration is a coded error naming the layer.
 */
import { AmcError, ErrorCode, argumentError, describeValue } from '@amc/core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { refreshNodeStats } from './stats.js';
import {
  SUPPORTED_LAYER_CLASSES,
  TFJS_ACTIVATION_IDENTIFIERS,
  type ActivationName,
  type GraphNode,
  type PaddingMode,
  type WeightTensor,
  type WindowAttrs,
} from './types.js';

const OPERATION = 'importModel';


/** The error for a layer class outside {@link SUPPORTED_LAYER_CLASSES}. */
export function unsupportedLayerError(operation: string, layerName: string, className: string, note = ''): AmcError {
  return argumentError(
    ErrorCode.UnsupportedLayer,
    operation,
    `layer "${layerName}"${note}`,
    `a layer of a supported class (${SUPPORTED_LAYER_CLASSES.join(', ')})`,
    className,
  );
}

/** A layer call being converted: the layer, its class and the batch-less operand and output shapes. */
export interface LayerCall {
  layer: tfl.layers.Layer;
  className: string;
  id: number;
  inputs: number[];
  inputShapes: number[][];
  outputShape: number[];
}

/** Reads and validates the fields of one layer's config. */
class ConfigReader {
  readonly config: Record<string, unknown>;

  constructor(readonly call: LayerCall) {
    const config = { ...(call.layer.getConfig() as Record<string, unknown>) };
    // tfjs 4.22's SeparableConv2D.getConfig() omits depthMultiplier (so a saved separable conv with a multiplier
    // > 1 cannot be loaded back); the layer object has it.
    const multiplier = (call.layer as unknown as { depthMultiplier?: unknown }).depthMultiplier;
    if (config['depthMultiplier'] === undefined && multiplier !== undefined) config['depthMultiplier'] = multiplier;
    this.config = config;
  }

  /** An error for a supported class in a configuration the IR does not handle. */
  unsupported(field: string, expected: string, received: unknown): AmcError {
    const { layer, className } = this.call;
    return argumentError(ErrorCode.Unsupported, OPERATION, `${field} of layer "${layer.name}" (${className})`, expected, received);
  }

  number(field: string, fallback?: number): number {
    const value = this.config[field] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw this.unsupported(field, 'a finite number', value);
    return value;
  }

  boolean(field: string, fallback: boolean): boolean {
    const value = this.config[field] ?? fallback;
    if (typeof value !== 'boolean') throw this.unsupported(field, 'a boolean', value);
    return value;
  }

  positiveInt(field: string): number {
    const value = this.config[field];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw this.unsupported(field, 'a positive integer', value);
    return value;
  }

  /** A number or a pair of positive integers as a pair (`kernelSize`, `strides`, `dilationRate`, `poolSize`). */
  pair(field: string, fallback?: number | number[]): [number, number] {
    const value = this.config[field] ?? fallback;
    const pair = typeof value === 'number' ? [value, value] : Array.isArray(value) && value.length === 1 ? [value[0], value[0]] : value;
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 1)) {
      throw this.unsupported(field, 'a positive integer or a pair of them', value);
    }
    return [pair[0] as number, pair[1] as number];
  }

  channelsLast(): void {
    const value = this.config['dataFormat'] ?? (this.call.layer as unknown as { dataFormat?: unknown }).dataFormat ?? 'channelsLast';
    if (value !== 'channelsLast') {
      throw this.unsupported('dataFormat', '"channelsLast" (NHWC; NCHW models are not supported, convert them to channels-last)', value);
    }
  }

  padding(): PaddingMode {
    const value = this.config['padding'] ?? 'valid';
    if (value !== 'same' && value !== 'valid') throw this.unsupported('padding', '"same" or "valid"', value);
    return value;
  }

  activation(field = 'activation'): ActivationName {
    const value = this.config[field] ?? 'linear';
    if (value === 'linear') return 'none';
    if (typeof value !== 'string' || !TFJS_ACTIVATION_IDENTIFIERS.has(value as ActivationName)) {
      throw this.unsupported(field, `a tfjs activation (linear, ${[...TFJS_ACTIVATION_IDENTIFIERS].join(', ')})`, value);
    }
    return value as ActivationName;
  }

  /** Window attributes of a conv or pool on a `[h, w, c]` input (TensorFlow's `same` padding rule). */
  window(kernelField: string, dilated: boolean): WindowAttrs {
    const kernelSize = this.pair(kernelField);
    const strides = this.pair('strides', kernelField === 'poolSize' ? kernelSize : 1);
    const dilation: [number, number] = dilated ? this.pair('dilationRate', 1) : [1, 1];
    if ((dilation[0] > 1 || dilation[1] > 1) && (strides[0] > 1 || strides[1] > 1)) {
      throw this.unsupported('dilationRate', 'a dilation of 1 when the stride is > 1 (TensorFlow does not define dilation with stride)', {
        dilation,
        strides,
      });
    }
    const padding = this.padding();
    const input = this.call.inputShapes[0] ?? [];
    const pads: [number, number, number, number] = [0, 0, 0, 0];
    if (padding === 'same') {
      for (let axis = 0; axis < 2; axis++) {
        const size = input[axis] ?? 1;
        const stride = strides[axis] ?? 1;
        const effective = ((kernelSize[axis] ?? 1) - 1) * (dilation[axis] ?? 1) + 1;
        const total = Math.max((Math.ceil(size / stride) - 1) * stride + effective - size, 0);
        pads[axis * 2] = Math.floor(total / 2);
        pads[axis * 2 + 1] = total - Math.floor(total / 2);
      }
    }
    return { kernelSize, strides, padding, pads, dilation };
  }
}

/** Copies the layer's weights into the named slots, in tfjs's creation order, checking each expected shape. */
function copyWeights(call: LayerCall, slots: readonly (readonly [string, readonly number[]] | null)[]): Record<string, WeightTensor> {
  const { layer } = call;
  const wanted = slots.filter((s): s is readonly [string, readonly number[]] => s !== null);
  const variables = layer.weights;
  if (variables.length !== wanted.length) {
    throw new AmcError(
      ErrorCode.ShapeMismatch,
      `${OPERATION}: layer "${layer.name}" (${call.className}) has ${variables.length} weights; expected ${wanted.length} (${wanted.map((s) => s[0]).join(', ')})`,
      { operation: OPERATION, argument: `layer "${layer.name}"`, expected: String(wanted.length), received: String(variables.length) },
    );
  }
  const trainable = new Set(layer.trainableWeights);
  const weights: Record<string, WeightTensor> = {};
  wanted.forEach(([name, shape], i) => {
    const variable = variables[i] as tfl.LayerVariable;
    if (variable.dtype !== 'float32') {
      throw argumentError(ErrorCode.Unsupported, OPERATION, `weight ${variable.name} of layer "${layer.name}"`, 'float32', variable.dtype);
    }
    if (variable.shape.length !== shape.length || variable.shape.some((d, j) => d !== shape[j])) {
      throw argumentError(
        ErrorCode.ShapeMismatch,
        OPERATION,
        `weight ${name} (${variable.name}) of layer "${layer.name}"`,
        `shape ${describeValue([...shape])}`,
        variable.shape,
      );
    }
    // Copy: the cpu backend may hand out its own storage, and pruning must never write into the tfjs model.
    const data = new Float32Array(variable.read().dataSync() as Float32Array);
    weights[name] = { data, shape: [...shape], trainable: trainable.has(variable) };
  });
  return weights;
}

function last(shape: readonly number[]): number {
  return shape[shape.length - 1] ?? 0;
}

/**
 * Converts one layer call into its IR node (statistics included).
 *
 * @throws AmcError AMC_UNSUPPORTED_LAYER for a class outside {@link SUPPORTED_LAYER_CLASSES}; AMC_UNSUPPORTED for
 *   a supported class in an unsupported configuration (NCHW, dilation with stride, batch norm on another axis,
 *   concatenation on the batch axis, a reshape that changes the last axis, an add of different shapes, a
 *   non-float32 weight); AMC_SHAPE_MISMATCH when the weights do not have the shapes the config implies.
 */
export function convertLayer(call: LayerCall): GraphNode {
  const { className, inputShapes, outputShape } = call;
  const r = new ConfigReader(call);
  const input = inputShapes[0] ?? [];
  const base = {
    id: call.id,
    name: call.layer.name,
    className,
    inputs: call.inputs,
    inputShapes,
    outputShape,
    macs: 0,
    params: 0,
    trainableParams: 0,
    activationSize: 0,
  };
  const none = {} as Record<string, never>;
  let node: GraphNode;
  switch (className) {
    case 'InputLayer':
      node = { ...base, kind: 'input', attrs: none, weights: none };
      break;
    case 'Conv2D': {
      r.channelsLast();
      const window = r.window('kernelSize', true);
      const filters = r.positiveInt('filters');
      const useBias = r.boolean('useBias', true);
      const [kh, kw] = window.kernelSize;
      const weights = copyWeights(call, [['kernel', [kh, kw, last(input), filters]], useBias ? ['bias', [filters]] : null]);
      node = { ...base, kind: 'conv2d', attrs: { ...window, filters, useBias, activation: r.activation() }, weights: weights as never };
      break;
    }
    case 'DepthwiseConv2D': {
      r.channelsLast();
      const window = r.window('kernelSize', true);
      const depthMultiplier = r.positiveInt('depthMultiplier');
      const useBias = r.boolean('useBias', true);
      const [kh, kw] = window.kernelSize;
      const cin = last(input);
      const weights = copyWeights(call, [
        ['depthwiseKernel', [kh, kw, cin, depthMultiplier]],
        useBias ? ['bias', [cin * depthMultiplier]] : null,
      ]);
      node = {
        ...base,
        kind: 'depthwiseConv2d',
        attrs: { ...window, depthMultiplier, useBias, activation: r.activation() },
        weights: weights as never,
      };
      break;
    }
    case 'SeparableConv2D': {
      r.channelsLast();
      const window = r.window('kernelSize', true);
      const filters = r.positiveInt('filters');
      const depthMultiplier = r.positiveInt('depthMultiplier');
      const useBias = r.boolean('useBias', true);
      const [kh, kw] = window.kernelSize;
      const cin = last(input);
      const weights = copyWeights(call, [
        ['depthwiseKernel', [kh, kw, cin, depthMultiplier]],
        ['pointwiseKernel', [1, 1, cin * depthMultiplier, filters]],
        useBias ? ['bias', [filters]] : null,
      ]);
      node = {
        ...base,
        kind: 'separableConv2d',
        attrs: { ...window, filters, depthMultiplier, useBias, activation: r.activation() },
        weights: weights as never,
      };
      break;
    }
    case 'Dense': {
      const units = r.positiveInt('units');
      const useBias = r.boolean('useBias', true);
      const weights = copyWeights(call, [['kernel', [last(input), units]], useBias ? ['bias', [units]] : null]);
      node = { ...base, kind: 'dense', attrs: { units, useBias, activation: r.activation() }, weights: weights as never };
      break;
    }
    case 'BatchNormalization': {
      const rawAxis = r.config['axis'] ?? -1;
      const rank = input.length + 1;
      const axis = Array.isArray(rawAxis) && rawAxis.length === 1 ? rawAxis[0] : rawAxis;
      if (axis !== -1 && axis !== rank - 1) {
        throw r.unsupported('axis', `the channels-last axis (-1 or ${rank - 1})`, rawAxis);
      }
      const center = r.boolean('center', true);
      const scale = r.boolean('scale', true);
      const c = last(input);
      const weights = copyWeights(call, [
        scale ? ['gamma', [c]] : null,
        center ? ['beta', [c]] : null,
        ['movingMean', [c]],
        ['movingVariance', [c]],
      ]);
      node = {
        ...base,
        kind: 'batchNorm',
        attrs: { epsilon: r.number('epsilon', 1e-3), momentum: r.number('momentum', 0.99), center, scale },
        weights: weights as never,
      };
      break;
    }
    case 'Activation':
      node = { ...base, kind: 'activation', attrs: { activation: r.activation(), maxValue: null, alpha: null }, weights: none };
      break;
    case 'ReLU': {
      const cap = r.config['maxValue'];
      if (cap !== undefined && cap !== null && (typeof cap !== 'number' || !(cap > 0))) {
        throw r.unsupported('maxValue', 'a positive number or null', cap);
      }
      const maxValue = typeof cap === 'number' ? cap : null;
      node = {
        ...base,
        kind: 'activation',
        attrs: { activation: maxValue === 6 ? 'relu6' : 'relu', maxValue: maxValue === 6 ? null : maxValue, alpha: null },
        weights: none,
      };
      break;
    }
    case 'LeakyReLU':
      node = { ...base, kind: 'activation', attrs: { activation: 'leakyRelu', maxValue: null, alpha: r.number('alpha', 0.3) }, weights: none };
      break;
    case 'Add':
      for (const [i, shape] of inputShapes.entries()) {
        if (shape.length !== outputShape.length || shape.some((d, j) => d !== outputShape[j])) {
          throw r.unsupported(`operand ${i} shape`, `the output shape ${describeValue(outputShape)} (broadcasting adds are not supported)`, shape);
        }
      }
      node = { ...base, kind: 'add', attrs: none, weights: none };
      break;
    case 'Concatenate': {
      const rank = outputShape.length + 1;
      const raw = r.number('axis', -1);
      const full = raw < 0 ? raw + rank : raw;
      if (!Number.isInteger(full) || full < 1 || full >= rank) {
        throw r.unsupported('axis', `a non-batch axis of the rank-${rank} operands (1..${rank - 1} or -1..-${rank - 1})`, raw);
      }
      node = { ...base, kind: 'concat', attrs: { axis: full - 1, onChannels: full === rank - 1 }, weights: none };
      break;
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      r.channelsLast();
      node = {
        ...base,
        kind: 'pool2d',
        attrs: { mode: className === 'MaxPooling2D' ? 'max' : 'avg', ...r.window('poolSize', false) },
        weights: none,
      };
      break;
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      r.channelsLast();
      if (outputShape.length !== 1) throw r.unsupported('keepDims', 'a rank-1 output [channels]', outputShape);
      node = { ...base, kind: 'globalPool2d', attrs: { mode: className === 'GlobalMaxPooling2D' ? 'max' : 'avg' }, weights: none };
      break;
    case 'ZeroPadding2D': {
      r.channelsLast();
      const p = r.config['padding'];
      const flat = Array.isArray(p) ? p.flat() : [];
      if (flat.length !== 4 || !flat.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
        throw r.unsupported('padding', '[[top, bottom], [left, right]] of non-negative integers', p);
      }
      node = { ...base, kind: 'zeroPadding2d', attrs: { pads: flat as [number, number, number, number] }, weights: none };
      break;
    }
    case 'Flatten':
      r.channelsLast();
      node = { ...base, kind: 'flatten', attrs: none, weights: none };
      break;
    case 'Dropout':
      if (r.config['noiseShape'] !== undefined && r.config['noiseShape'] !== null) {
        throw r.unsupported('noiseShape', 'null (per-element dropout)', r.config['noiseShape']);
      }
      node = { ...base, kind: 'dropout', attrs: { rate: r.number('rate') }, weights: none };
      break;
    case 'Reshape':
      // Channel bookkeeping survives a reshape only when the innermost (channel) axis is the same before and
      // after: row-major order then keeps every element's channel index.
      if (last(input) !== last(outputShape)) {
        throw r.unsupported(
          'targetShape',
          `a shape whose last axis keeps the input's ${last(input)} channels (reshapes that move channels are not supported)`,
          outputShape,
        );
      }
      node = { ...base, kind: 'reshape', attrs: { targetShape: [...outputShape] }, weights: none };
      break;
    default:
      throw unsupportedLayerError(OPERATION, call.layer.name, className);
  }
  return refreshNodeStats(node);
}
