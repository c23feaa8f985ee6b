/**
 * The node types of the graph IR: one node per layer call of a TensorFlow.js layers model, channels-last (NHWC),
 * shapes without the batch dimension, weights copied out of tfjs in tfjs's own layouts.
 */

/** The kinds of node the IR knows. Each maps from one or more tfjs layer classes (see {@link SUPPORTED_LAYER_CLASSES}). */
export type NodeKind =
  | 'input'
  | 'conv2d'
  | 'depthwiseConv2d'
  | 'separableConv2d'
  | 'dense'
  | 'batchNorm'
  | 'activation'
  | 'add'
  | 'concat'
  | 'pool2d'
  | 'globalPool2d'
  | 'zeroPadding2d'
  | 'flatten'
  | 'dropout'
  | 'reshape';

/**
 * An activation, fused into a conv / dense layer or standalone. `none` is tfjs's `linear`; `relu6` is tfjs's
 * `relu6` and also a `ReLU` layer with `maxValue` 6. The other names are tfjs's own. `softmax` and `logSoftmax`
 * normalise across the channel axis (they couple all channels); every other one is elementwise.
 * The native kernels of `@amc/core` fuse `none`, `relu` and `relu6` only.
 */
export type ActivationName =
  | 'none'
  | 'relu'
  | 'relu6'
  | 'elu'
  | 'selu'
  | 'sigmoid'
  | 'hardSigmoid'
  | 'tanh'
  | 'softplus'
  | 'softsign'
  | 'swish'
  | 'mish'
  | 'gelu'
  | 'gelu_new'
  | 'leakyRelu'
  | 'softmax'
  | 'logSoftmax';

/** Activations that mix channels (each output depends on every channel): pruning a channel changes the others. */
/**
 * The activations tfjs knows by identifier (`activation: '<name>'` on a layer); the IR's `none` is tfjs's `linear`
 * and `leakyRelu` exists only as a LeakyReLU layer. Import accepts these, export writes them back.
 */
export const TFJS_ACTIVATION_IDENTIFIERS: ReadonlySet<ActivationName> = new Set<ActivationName>([
  'relu',
  'relu6',
  'elu',
  'selu',
  'sigmoid',
  'hardSigmoid',
  'tanh',
  'softplus',
  'softsign',
  'swish',
  'mish',
  'gelu',
  'gelu_new',
  'softmax',
  'logSoftmax',
]);

export const CROSS_CHANNEL_ACTIVATIONS: ReadonlySet<ActivationName> = new Set<ActivationName>(['softmax', 'logSoftmax']);

/** tfjs padding mode of a conv or pool. */
export type PaddingMode = 'same' | 'valid';

/**
 * One weight tensor of a node: a private copy of the tfjs variable's values (float32, row-major) in tfjs's layout.
 * Pruning may replace `data` and `shape` in place; the tfjs model is never touched.
 */
export interface WeightTensor {
  data: Float32Array;
  shape: number[];
  /** Whether tfjs trains it (false for batch-norm moving statistics and for weights of frozen layers). */
  trainable: boolean;
}

/** Geometry shared by convolutions and pools. `pads` are the explicit zero-padding amounts tfjs applies. */
export interface WindowAttrs {
  /** [kh, kw]. */
  kernelSize: [number, number];
  /** [sh, sw]. */
  strides: [number, number];
  padding: PaddingMode;
  /** [top, bottom, left, right] rows/columns of zeros: 0 for `valid`, TensorFlow's `same` rule otherwise. */
  pads: [number, number, number, number];
  /** [dh, dw]; pools always have [1, 1]. Never > 1 together with a stride > 1 (rejected at import). */
  dilation: [number, number];
}

/** Attributes of a `conv2d` node (tfjs `Conv2D`). Kernel HWIO `[kh, kw, cin, filters]`. */
export interface Conv2dAttrs extends WindowAttrs {
  filters: number;
  useBias: boolean;
  activation: ActivationName;
}

/** Attributes of a `depthwiseConv2d` node. Kernel `[kh, kw, cin, depthMultiplier]`; output channel `c * m + k` reads input channel `c`. */
export interface DepthwiseConv2dAttrs extends WindowAttrs {
  depthMultiplier: number;
  useBias: boolean;
  activation: ActivationName;
}

/**
 * Attributes of a `separableConv2d` node: a depthwise conv (`[kh, kw, cin, m]`) then a 1x1 pointwise conv
 * (`[1, 1, cin * m, filters]`), bias and activation after the pointwise part.
 */
export interface SeparableConv2dAttrs extends WindowAttrs {
  filters: number;
  depthMultiplier: number;
  useBias: boolean;
  activation: ActivationName;
}

/** Attributes of a `dense` node. Kernel `[in, units]`; applied to the last axis. */
export interface DenseAttrs {
  units: number;
  useBias: boolean;
  activation: ActivationName;
}

/** Attributes of a `batchNorm` node (channels-last axis only): `y = gamma * (x - mean) / sqrt(var + epsilon) + beta`. */
export interface BatchNormAttrs {
  epsilon: number;
  /** tfjs momentum of the moving statistics (kept for fine-tuning). */
  momentum: number;
  /** Whether `beta` exists. */
  center: boolean;
  /** Whether `gamma` exists. */
  scale: boolean;
}

/**
 * Attributes of an `activation` node (tfjs `Activation`, `ReLU`, `LeakyReLU`). `maxValue` is a `ReLU` cap other
 * than 6 (`relu` clipped at it; a cap of 6 gives `relu6`), else null; `alpha` is the `LeakyReLU` slope, else null.
 */
export interface ActivationAttrs {
  activation: ActivationName;
  maxValue: number | null;
  alpha: number | null;
}

/** Attributes of a `pool2d` node (tfjs `MaxPooling2D`, `AveragePooling2D`; `kernelSize` is the pool size). */
export interface Pool2dAttrs extends WindowAttrs {
  mode: 'max' | 'avg';
}

/** Attributes of a `globalPool2d` node: `[h, w, c]` to `[c]`. */
export interface GlobalPool2dAttrs {
  mode: 'max' | 'avg';
}

/** Attributes of a `concat` node. `axis` counts in the batch-less shape; `onChannels` when it is the last axis. */
export interface ConcatAttrs {
  axis: number;
  onChannels: boolean;
}

/** Attributes of a `zeroPadding2d` node: `[top, bottom, left, right]`. */
export interface ZeroPadding2dAttrs {
  pads: [number, number, number, number];
}

/** Attributes of a `dropout` node (identity at inference). */
export interface DropoutAttrs {
  rate: number;
}

/** Attributes of a `reshape` node (only reshapes that keep the last axis are imported). */
export interface ReshapeAttrs {
  /** The target shape without the batch dimension, as resolved by tfjs (no -1). */
  targetShape: number[];
}

/** Weights of a `conv2d` node: kernel `[kh, kw, cin, cout]`, bias `[cout]`. */
export interface Conv2dWeights {
  kernel: WeightTensor;
  bias?: WeightTensor;
}
/** Weights of a `depthwiseConv2d` node: `[kh, kw, cin, m]`, bias `[cin * m]`. */
export interface DepthwiseConv2dWeights {
  depthwiseKernel: WeightTensor;
  bias?: WeightTensor;
}
/** Weights of a `separableConv2d` node: `[kh, kw, cin, m]`, `[1, 1, cin * m, cout]`, bias `[cout]`. */
export interface SeparableConv2dWeights {
  depthwiseKernel: WeightTensor;
  pointwiseKernel: WeightTensor;
  bias?: WeightTensor;
}
/** Weights of a `dense` node: kernel `[in, out]`, bias `[out]`. */
export interface DenseWeights {
  kernel: WeightTensor;
  bias?: WeightTensor;
}
/** Weights of a `batchNorm` node, each `[c]`; `gamma` absent when `scale` is false, `beta` when `center` is false. */
export interface BatchNormWeights {
  gamma?: WeightTensor;
  beta?: WeightTensor;
  movingMean: WeightTensor;
  movingVariance: WeightTensor;
}
/** Nodes without weights. */
export type NoWeights = Record<string, never>;

/**
 * Per-node statistics of one input sample.
 *
 * - `macs`: multiply-accumulates. conv `outH*outW*kh*kw*cin*cout`, depthwise `outH*outW*kh*kw*cin*m`, separable
 *   depthwise + `outH*outW*cin*m*cout`, dense `rows*in*out` (rows = 1 for a rank-1 input). Bias adds, batch norm,
 *   activations, adds, pools, padding count 0 (the convention of the zoo and of the AMC paper).
 * - `params`: every weight element, batch-norm moving statistics included (the totals equal tfjs `countParams()`).
 * - `trainableParams`: the elements of trainable weights.
 * - `activationSize`: elements of the output tensor.
 */
export interface NodeStats {
  macs: number;
  params: number;
  trainableParams: number;
  activationSize: number;
}

/** Fields every node has. */
export interface NodeBase<K extends NodeKind, A, W> extends NodeStats {
  /** Index in {@link Graph.nodes} (the nodes are topologically ordered). */
  readonly id: number;
  /** The tfjs layer name. */
  readonly name: string;
  readonly kind: K;
  /** The tfjs class name (`Conv2D`, `ReLU`, ...). */
  readonly className: string;
  /** Ids of the nodes whose outputs this node reads, in operand order. */
  readonly inputs: readonly number[];
  /** Shapes of the operands, without the batch dimension. */
  inputShapes: number[][];
  /** Shape of the output, without the batch dimension. */
  outputShape: number[];
  attrs: A;
  weights: W;
}

/** A model input (tfjs `InputLayer`); its output shape is the input shape. */
export type InputNode = NodeBase<'input', Record<string, never>, NoWeights>;
/** A 2-D convolution (tfjs `Conv2D`). */
export type Conv2dNode = NodeBase<'conv2d', Conv2dAttrs, Conv2dWeights>;
/** A depthwise convolution (tfjs `DepthwiseConv2D`). */
export type DepthwiseConv2dNode = NodeBase<'depthwiseConv2d', DepthwiseConv2dAttrs, DepthwiseConv2dWeights>;
/** A depthwise-separable convolution (tfjs `SeparableConv2D`). */
export type SeparableConv2dNode = NodeBase<'separableConv2d', SeparableConv2dAttrs, SeparableConv2dWeights>;
/** A fully connected layer (tfjs `Dense`). */
export type DenseNode = NodeBase<'dense', DenseAttrs, DenseWeights>;
/** A batch norm over the channel axis (tfjs `BatchNormalization`). */
export type BatchNormNode = NodeBase<'batchNorm', BatchNormAttrs, BatchNormWeights>;
/** A standalone activation (tfjs `Activation`, `ReLU`, `LeakyReLU`). */
export type ActivationNode = NodeBase<'activation', ActivationAttrs, NoWeights>;
/** An elementwise sum of operands of one shape (tfjs `Add`). */
export type AddNode = NodeBase<'add', Record<string, never>, NoWeights>;
/** A concatenation (tfjs `Concatenate`). */
export type ConcatNode = NodeBase<'concat', ConcatAttrs, NoWeights>;
/** A max or average pool (tfjs `MaxPooling2D`, `AveragePooling2D`). */
export type Pool2dNode = NodeBase<'pool2d', Pool2dAttrs, NoWeights>;
/** A global max or average pool (tfjs `GlobalMaxPooling2D`, `GlobalAveragePooling2D`). */
export type GlobalPool2dNode = NodeBase<'globalPool2d', GlobalPool2dAttrs, NoWeights>;
/** Zero padding of height and width (tfjs `ZeroPadding2D`). */
export type ZeroPadding2dNode = NodeBase<'zeroPadding2d', ZeroPadding2dAttrs, NoWeights>;
/** A channels-last flatten to rank 1 (tfjs `Flatten`). */
export type FlattenNode = NodeBase<'flatten', Record<string, never>, NoWeights>;
/** Dropout, the identity at inference (tfjs `Dropout`). */
export type DropoutNode = NodeBase<'dropout', DropoutAttrs, NoWeights>;
/** A reshape that keeps the last (channel) axis (tfjs `Reshape`). */
export type ReshapeNode = NodeBase<'reshape', ReshapeAttrs, NoWeights>;

/** A node of the IR: a discriminated union on `kind`. */
export type GraphNode =
  | InputNode
  | Conv2dNode
  | DepthwiseConv2dNode
  | SeparableConv2dNode
  | DenseNode
  | BatchNormNode
  | ActivationNode
  | AddNode
  | ConcatNode
  | Pool2dNode
  | GlobalPool2dNode
  | ZeroPadding2dNode
  | FlattenNode
  | DropoutNode
  | ReshapeNode;

/** The weight tensors of a node by name (`kernel`, `bias`, `gamma`, ...), whatever its kind. */
export function weightEntries(node: GraphNode): [string, WeightTensor][] {
  const entries: [string, WeightTensor][] = [];
  for (const [name, tensor] of Object.entries(node.weights as Record<string, WeightTensor | undefined>)) {
    if (tensor !== undefined) entries.push([name, tensor]);
  }
  return entries;
}

/**
 * The tfjs layer classes {@link importModel} accepts, in the order the error messages list them.
 * `Activation`, `ReLU` and `LeakyReLU` become `activation` nodes; both pools become `pool2d`, both global pools
 * `globalPool2d`.
 */
export const SUPPORTED_LAYER_CLASSES: readonly string[] = Object.freeze([
  'InputLayer',
  'Conv2D',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'Dense',
  'BatchNormalization',
  'Activation',
  'ReLU',
  'LeakyReLU',
  'Add',
  'Concatenate',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'ZeroPadding2D',
  'Flatten',
  'Dropout',
  'Reshape',
]);
