import * as tfl from '@tensorflow/tfjs-layers';
import type { ResolvedOptions } from '../options.js';

type Initializer = ReturnType<typeof tfl.initializers.heNormal>;
type Regularizer = ReturnType<typeof tfl.regularizers.l2>;

/** A symbolic tensor of the functional API. */
export type Sym = tfl.SymbolicTensor;

/** Batch-norm settings of every model: tfjs momentum 0.9 (PyTorch momentum 0.1), epsilon 1e-5. */
export const BN_MOMENTUM = 0.9;
export const BN_EPSILON = 1e-5;

/** 32-bit FNV-1a of a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** murmur3's 32-bit finaliser. */
function fmix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * The seed of the initialiser of layer `name` under model seed `seed`: an integer in [1, 2^31 - 1].
 * Never 0, because tfjs-core treats a falsy seed as "no seed" and falls back to `Math.random`.
 * Keyed by the layer name, so it does not depend on the order the layers are created in.
 */
export function layerSeed(seed: number, name: string): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 0x100000000) >>> 0;
  const h = fmix32(fmix32(lo ^ fmix32(hi + 0x9e3779b9)) ^ fnv1a(name));
  return (h % 0x7ffffffe) + 1;
}

/**
 * Small helper around the tfjs-layers functional API that names, seeds and regularises every layer the same way.
 * Each method creates one layer named exactly `name` and applies it to `x`.
 */
export class GraphBuilder {
  readonly options: ResolvedOptions;
  private readonly names = new Set<string>();

  constructor(options: ResolvedOptions) {
    this.options = options;
  }

  /** The input layer, named `input`. */
  input(): Sym {
    return tfl.input({ shape: [...this.options.inputShape], name: this.claim('input') });
  }

  /** Registers `name`; a duplicate is a bug in the model definition. */
  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`@amc/zoo internal error: duplicate layer name ${name}`);
    this.names.add(name);
    return name;
  }

  private seedFor(name: string): number | undefined {
    return this.options.seed === undefined ? undefined : layerSeed(this.options.seed, name);
  }

  /** He-normal (fan-in, truncated normal as tfjs implements it) initialiser seeded for layer `name`. */
  private heNormal(name: string): Initializer {
    const seed = this.seedFor(name);
    return seed === undefined ? tfl.initializers.heNormal({}) : tfl.initializers.heNormal({ seed });
  }

  private kernelDecay(): Regularizer | undefined {
    const wd = this.options.weightDecay;
    return wd > 0 ? tfl.regularizers.l2({ l2: wd / 2 }) : undefined;
  }

  /** A k x k convolution, 'same' padding, no bias by default (it is followed by batch norm). */
  conv(x: Sym, name: string, filters: number, kernelSize: number, strides = 1, useBias = false): Sym {
    const regularizer = this.kernelDecay();
    const layer = tfl.layers.conv2d({
      name: this.claim(name),
      filters,
      kernelSize,
      strides,
      padding: 'same',
      useBias,
      kernelInitializer: this.heNormal(name),
      ...(regularizer === undefined ? {} : { kernelRegularizer: regularizer }),
    });
    return layer.apply(x) as Sym;
  }

  /**
   * A 3x3 depthwise convolution (depth multiplier 1), 'same' padding, no bias, no weight decay.
   *
   * Initialiser: He-normal with the true fan-in of a depthwise filter (k*k). tfjs's `heNormal` would compute the
   * fan-in of the [k, k, C, 1] kernel as k*k*C and draw weights sqrt(C) times too small, so a truncated normal with
   * stddev sqrt(2 / (k*k)) is used instead (what PyTorch's kaiming_normal_ gives a depthwise conv).
   */
  depthwise(x: Sym, name: string, strides = 1, kernelSize = 3): Sym {
    const seed = this.seedFor(name);
    const stddev = Math.sqrt(2 / (kernelSize * kernelSize));
    const layer = tfl.layers.depthwiseConv2d({
      name: this.claim(name),
      kernelSize,
      strides,
      padding: 'same',
      depthMultiplier: 1,
      useBias: false,
      depthwiseInitializer:
        seed === undefined
          ? tfl.initializers.truncatedNormal({ mean: 0, stddev })
          : tfl.initializers.truncatedNormal({ mean: 0, stddev, seed }),
    });
    return layer.apply(x) as Sym;
  }

  /** Batch norm over the channel axis (NHWC), momentum 0.9, epsilon 1e-5, gamma 1, beta 0. */
  bn(x: Sym, name: string): Sym {
    return tfl.layers
      .batchNormalization({ name: this.claim(name), axis: -1, momentum: BN_MOMENTUM, epsilon: BN_EPSILON })
      .apply(x) as Sym;
  }

  /** ReLU, or ReLU6 when `maxValue` is 6. */
  relu(x: Sym, name: string, maxValue?: number): Sym {
    const layer =
      maxValue === undefined ? tfl.layers.reLU({ name: this.claim(name) }) : tfl.layers.reLU({ name: this.claim(name), maxValue });
    return layer.apply(x) as Sym;
  }

  /** Element-wise sum (a residual join). */
  add(xs: Sym[], name: string): Sym {
    return tfl.layers.add({ name: this.claim(name) }).apply(xs) as Sym;
  }

  /** 2x2 max pooling, stride 2, 'valid' padding. */
  maxPool(x: Sym, name: string): Sym {
    return tfl.layers.maxPooling2d({ name: this.claim(name), poolSize: 2, strides: 2, padding: 'valid' }).apply(x) as Sym;
  }

  /** Global average pooling over height and width. */
  globalAvgPool(x: Sym, name: string): Sym {
    return tfl.layers.globalAveragePooling2d({ name: this.claim(name) }).apply(x) as Sym;
  }

  /** Dropout; deliberately unseeded, see the README (a seeded tfjs dropout draws the same mask at every step). */
  dropout(x: Sym, name: string, rate: number): Sym {
    return tfl.layers.dropout({ name: this.claim(name), rate }).apply(x) as Sym;
  }

  /** The classifier: dense with bias, linear (logits, no softmax), He-normal kernel. */
  dense(x: Sym, name: string, units: number): Sym {
    const regularizer = this.kernelDecay();
    return tfl.layers
      .dense({
        name: this.claim(name),
        units,
        useBias: true,
        kernelInitializer: this.heNormal(name),
        ...(regularizer === undefined ? {} : { kernelRegularizer: regularizer }),
      })
      .apply(x) as Sym;
  }

  /** conv + BN (+ ReLU / ReLU6) under `${prefix}.conv`, `${prefix}.bn`, `${prefix}.relu`. */
  convBn(x: Sym, prefix: string, filters: number, kernelSize: number, strides: number, activation: 'relu' | 'relu6' | 'none'): Sym {
    let y = this.conv(x, `${prefix}.conv`, filters, kernelSize, strides);
    y = this.bn(y, `${prefix}.bn`);
    if (activation !== 'none') y = this.relu(y, `${prefix}.relu`, activation === 'relu6' ? 6 : undefined);
    return y;
  }

  /** Wraps the graph into a `LayersModel` named `name`. */
  build(input: Sym, output: Sym, name: string): tfl.LayersModel {
    return tfl.model({ inputs: input, outputs: output, name });
  }
}
