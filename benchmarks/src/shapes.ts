/**
 * Real layer shapes of the model zoo, which adapts the AMC paper's networks to 28x28x1 inputs (Fashion-MNIST):
 * ResNet-20, a VGG-style net, MobileNet-V1 and MobileNet-V2. One entry per distinct layer shape (a shape that
 * repeats, such as MobileNet-V1's five 512->512 blocks, is listed once with its `repeats`), with MAC counts.
 *
 * Convolutions use tfjs-style `same` padding; spatial sizes are the layer's input size.
 */

/** What kind of layer a shape is. `pointwise` is a 1x1 convolution; `depthwise` has one filter per channel. */
export type LayerKind = 'conv' | 'pointwise' | 'depthwise' | 'dense';

/** A convolution layer (NHWC input of `inHeight` x `inWidth` x `inChannels`, `same` padding). */
export interface ConvLayer {
  /** Network name, e.g. `resnet20`. */
  net: string;
  /** Unique id, e.g. `resnet20.stage2.down`. */
  id: string;
  kind: Exclude<LayerKind, 'dense'>;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  /** Output channels (for depthwise: inChannels * depth multiplier). */
  outChannels: number;
  kernel: number;
  stride: number;
  /** How many times this exact shape occurs in the network (MACs below are for one occurrence). */
  repeats: number;
}

/** A fully connected layer: `inFeatures` -> `outFeatures`. */
export interface DenseLayer {
  net: string;
  id: string;
  kind: 'dense';
  inFeatures: number;
  outFeatures: number;
  repeats: number;
}

/** Any layer of the tables. */
export type Layer = ConvLayer | DenseLayer;

/** Batch sizes every suite runs: single-image inference and a training-size batch. */
export const BATCHES = [1, 64] as const;

function conv(
  net: string,
  id: string,
  size: number,
  inChannels: number,
  outChannels: number,
  kernel: number,
  stride: number,
  repeats = 1,
): ConvLayer {
  const kind = kernel === 1 ? 'pointwise' : 'conv';
  return { net, id: `${net}.${id}`, kind, inHeight: size, inWidth: size, inChannels, outChannels, kernel, stride, repeats };
}

function depthwise(net: string, id: string, size: number, channels: number, stride: number, repeats = 1): ConvLayer {
  return {
    net,
    id: `${net}.${id}`,
    kind: 'depthwise',
    inHeight: size,
    inWidth: size,
    inChannels: channels,
    outChannels: channels,
    kernel: 3,
    stride,
    repeats,
  };
}

function dense(net: string, id: string, inFeatures: number, outFeatures: number, repeats = 1): DenseLayer {
  return { net, id: `${net}.${id}`, kind: 'dense', inFeatures, outFeatures, repeats };
}

/**
 * ResNet-20 (CIFAR-style: three stages of three basic blocks, 16/32/64 channels, identity shortcuts with zero
 * padding, so no 1x1 projections) on 28x28x1. Each basic block has two 3x3 convs.
 */
export const RESNET20: readonly Layer[] = [
  conv('resnet20', 'stem', 28, 1, 16, 3, 1),
  conv('resnet20', 'stage1', 28, 16, 16, 3, 1, 6),
  conv('resnet20', 'stage2.down', 28, 16, 32, 3, 2),
  conv('resnet20', 'stage2', 14, 32, 32, 3, 1, 5),
  conv('resnet20', 'stage3.down', 14, 32, 64, 3, 2),
  conv('resnet20', 'stage3', 7, 64, 64, 3, 1, 5),
  dense('resnet20', 'fc', 64, 10),
];

/** A VGG-style net: two 3x3 convs per stage (32, 64, 128 channels), 2x2 max-pool between stages, two FC layers. */
export const VGG: readonly Layer[] = [
  conv('vgg', 'conv1a', 28, 1, 32, 3, 1),
  conv('vgg', 'conv1b', 28, 32, 32, 3, 1),
  conv('vgg', 'conv2a', 14, 32, 64, 3, 1),
  conv('vgg', 'conv2b', 14, 64, 64, 3, 1),
  conv('vgg', 'conv3a', 7, 64, 128, 3, 1),
  conv('vgg', 'conv3b', 7, 128, 128, 3, 1),
  dense('vgg', 'fc1', 128 * 3 * 3, 256),
  dense('vgg', 'fc2', 256, 10),
];

/** MobileNet-V1 (width 1.0) with a stride-1 stem on 28x28x1: depthwise 3x3 + pointwise 1x1 pairs. */
export const MOBILENET_V1: readonly Layer[] = [
  conv('mobilenet-v1', 'stem', 28, 1, 32, 3, 1),
  depthwise('mobilenet-v1', 'dw1', 28, 32, 1),
  conv('mobilenet-v1', 'pw1', 28, 32, 64, 1, 1),
  depthwise('mobilenet-v1', 'dw2', 28, 64, 2),
  conv('mobilenet-v1', 'pw2', 14, 64, 128, 1, 1),
  depthwise('mobilenet-v1', 'dw3', 14, 128, 1),
  conv('mobilenet-v1', 'pw3', 14, 128, 128, 1, 1),
  depthwise('mobilenet-v1', 'dw4', 14, 128, 2),
  conv('mobilenet-v1', 'pw4', 7, 128, 256, 1, 1),
  depthwise('mobilenet-v1', 'dw5', 7, 256, 1),
  conv('mobilenet-v1', 'pw5', 7, 256, 256, 1, 1),
  depthwise('mobilenet-v1', 'dw6', 7, 256, 2),
  conv('mobilenet-v1', 'pw6', 4, 256, 512, 1, 1),
  depthwise('mobilenet-v1', 'dw7-11', 4, 512, 1, 5),
  conv('mobilenet-v1', 'pw7-11', 4, 512, 512, 1, 1, 5),
  depthwise('mobilenet-v1', 'dw12', 4, 512, 2),
  conv('mobilenet-v1', 'pw12', 2, 512, 1024, 1, 1),
  depthwise('mobilenet-v1', 'dw13', 2, 1024, 1),
  conv('mobilenet-v1', 'pw13', 2, 1024, 1024, 1, 1),
  dense('mobilenet-v1', 'fc', 1024, 10),
];

/**
 * MobileNet-V2 (width 1.0) with a stride-1 stem on 28x28x1: inverted residual blocks (1x1 expand x6,
 * depthwise 3x3, 1x1 project), then a 1x1 head to 1280 channels.
 */
export const MOBILENET_V2: readonly Layer[] = [
  conv('mobilenet-v2', 'stem', 28, 1, 32, 3, 1),
  depthwise('mobilenet-v2', 'b1.dw', 28, 32, 1),
  conv('mobilenet-v2', 'b1.project', 28, 32, 16, 1, 1),
  conv('mobilenet-v2', 'b2.expand', 28, 16, 96, 1, 1),
  depthwise('mobilenet-v2', 'b2.dw', 28, 96, 2),
  conv('mobilenet-v2', 'b2.project', 14, 96, 24, 1, 1),
  conv('mobilenet-v2', 'b3.expand', 14, 24, 144, 1, 1, 2),
  depthwise('mobilenet-v2', 'b3.dw', 14, 144, 1),
  conv('mobilenet-v2', 'b3.project', 14, 144, 24, 1, 1),
  depthwise('mobilenet-v2', 'b4.dw', 14, 144, 2),
  conv('mobilenet-v2', 'b4.project', 7, 144, 32, 1, 1),
  conv('mobilenet-v2', 'b5.expand', 7, 32, 192, 1, 1, 3),
  depthwise('mobilenet-v2', 'b5.dw', 7, 192, 1, 2),
  conv('mobilenet-v2', 'b5.project', 7, 192, 32, 1, 1, 2),
  depthwise('mobilenet-v2', 'b7.dw', 7, 192, 2),
  conv('mobilenet-v2', 'b7.project', 4, 192, 64, 1, 1),
  conv('mobilenet-v2', 'b8.expand', 4, 64, 384, 1, 1, 4),
  depthwise('mobilenet-v2', 'b8.dw', 4, 384, 1, 4),
  conv('mobilenet-v2', 'b8.project', 4, 384, 64, 1, 1, 3),
  conv('mobilenet-v2', 'b11.project', 4, 384, 96, 1, 1),
  conv('mobilenet-v2', 'b12.expand', 4, 96, 576, 1, 1, 3),
  depthwise('mobilenet-v2', 'b12.dw', 4, 576, 1, 2),
  conv('mobilenet-v2', 'b12.project', 4, 576, 96, 1, 1, 2),
  depthwise('mobilenet-v2', 'b14.dw', 4, 576, 2),
  conv('mobilenet-v2', 'b14.project', 2, 576, 160, 1, 1),
  conv('mobilenet-v2', 'b15.expand', 2, 160, 960, 1, 1, 3),
  depthwise('mobilenet-v2', 'b15.dw', 2, 960, 1, 3),
  conv('mobilenet-v2', 'b15.project', 2, 960, 160, 1, 1, 2),
  conv('mobilenet-v2', 'b17.project', 2, 960, 320, 1, 1),
  conv('mobilenet-v2', 'head', 2, 320, 1280, 1, 1),
  dense('mobilenet-v2', 'fc', 1280, 10),
];

/** Every network's table, by network name. */
export const NETWORKS: Readonly<Record<string, readonly Layer[]>> = {
  resnet20: RESNET20,
  vgg: VGG,
  'mobilenet-v1': MOBILENET_V1,
  'mobilenet-v2': MOBILENET_V2,
};

/** Every layer of every network, in table order. */
export const ALL_LAYERS: readonly Layer[] = Object.values(NETWORKS).flat();

/** Looks a layer up by id. @throws Error when there is none. */
export function layerById(id: string): Layer {
  const layer = ALL_LAYERS.find((l) => l.id === id);
  if (layer === undefined) throw new Error(`layerById: expected a layer id of the shape tables but received ${id}`);
  return layer;
}

/** Output size of a `same`-padded convolution: ceil(in / stride). */
export function outputSize(inSize: number, stride: number): number {
  return Math.ceil(inSize / stride);
}

/** `same` padding as tfjs computes it: [top, bottom, left, right] (the odd pixel goes to the bottom/right). */
export function samePadding(layer: ConvLayer): [number, number, number, number] {
  const pad = (inSize: number): [number, number] => {
    const total = Math.max((outputSize(inSize, layer.stride) - 1) * layer.stride + layer.kernel - inSize, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  const [top, bottom] = pad(layer.inHeight);
  const [left, right] = pad(layer.inWidth);
  return [top, bottom, left, right];
}

/** Multiply-accumulates of one occurrence of `layer` at `batch` images (padding taps counted as work). */
export function layerMacs(layer: Layer, batch: number): number {
  if (layer.kind === 'dense') return batch * layer.inFeatures * layer.outFeatures;
  const pixels = outputSize(layer.inHeight, layer.stride) * outputSize(layer.inWidth, layer.stride);
  const perOutput = layer.kind === 'depthwise' ? layer.kernel * layer.kernel : layer.kernel * layer.kernel * layer.inChannels;
  return batch * pixels * layer.outChannels * perOutput;
}

/** MACs of one image through every layer of `net` (repeats included; pooling and elementwise ops excluded). */
export function networkMacs(net: string): number {
  const layers = NETWORKS[net];
  if (layers === undefined) throw new Error(`networkMacs: expected a network name but received ${net}`);
  let total = 0;
  for (const layer of layers) total += layerMacs(layer, 1) * layer.repeats;
  return total;
}

/**
 * The layer as a GEMM/SpMM `[M x K] x [K x N]` problem in the channels-first (CHW) layout used by the sparse
 * kernels: M output channels, K input channels (x kernel taps), N = batch x output pixels.
 */
export function gemmProblem(layer: Layer, batch: number): { m: number; k: number; n: number } {
  if (layer.kind === 'dense') return { m: layer.outFeatures, k: layer.inFeatures, n: batch };
  if (layer.kind === 'depthwise') throw new Error(`gemmProblem: expected a dense or convolution layer but received depthwise ${layer.id}`);
  const pixels = outputSize(layer.inHeight, layer.stride) * outputSize(layer.inWidth, layer.stride);
  return { m: layer.outChannels, k: layer.inChannels * layer.kernel * layer.kernel, n: batch * pixels };
}

/** A short human label: `16->32 3x3/2 @28` or `1152->256 fc`. */
export function describeLayer(layer: Layer): string {
  if (layer.kind === 'dense') return `${layer.inFeatures}->${layer.outFeatures} fc`;
  const stride = layer.stride === 1 ? '' : `/${layer.stride}`;
  const kind = layer.kind === 'depthwise' ? ' dw' : '';
  return `${layer.inChannels}->${layer.outChannels} ${layer.kernel}x${layer.kernel}${stride}${kind} @${layer.inHeight}`;
}
