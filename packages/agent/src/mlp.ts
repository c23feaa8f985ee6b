import { ErrorCode, argumentError, type Rng } from '@amc/core';
import { type DenseEngine, createDenseEngine } from './dense-engine.js';

/** The activation after the last layer of an {@link Mlp}; every hidden layer is followed by a ReLU. */
export type OutputActivation = 'sigmoid' | 'none';

/**
 * The shape of an {@link Mlp}.
 *
 * @example
 * // the AMC critic: relu(L(s) + L(a)) -> 300 -> ReLU -> 1, with 11 state features and 1 action
 * { inputBlocks: [11, 1], hidden: [300, 300], outputSize: 1, outputActivation: 'none', lastLayerInit: 3e-3 }
 */
export interface MlpSpec {
  /**
   * The input is the concatenation of these blocks (e.g. `[stateDim, actionDim]`). The first layer has one
   * weight block and one bias per input block, each initialised with its own fan-in, so `L(s) + L(a)` of the
   * reference critic (two `nn.Linear`, two biases) is reproduced exactly.
   */
  readonly inputBlocks: readonly number[];
  /** Hidden layer widths, each followed by a ReLU. At least one. */
  readonly hidden: readonly number[];
  /** Width of the last layer. */
  readonly outputSize: number;
  /** Activation of the last layer. */
  readonly outputActivation: OutputActivation;
  /** The last layer's weights are drawn from U(-lastLayerInit, lastLayerInit) (reference DDPG: 3e-3). */
  readonly lastLayerInit: number;
}

interface Layer {
  readonly inSize: number;
  readonly outSize: number;
  /** Offset of the `[inSize, outSize]` row-major weight in `params`. */
  readonly weight: number;
  /** Offsets of the bias vectors (`outSize` each) in `params`; several only for the first layer. */
  readonly biases: readonly number[];
  readonly relu: boolean;
}

/**
 * A dense multilayer perceptron in Float64 with a forward pass that caches activations and a backward pass
 * (reverse mode) for a batch. All parameters live in one flat `params` array (their gradients in `grads`,
 * same layout), so the optimiser, the soft target update and serialisation treat a network as one vector.
 *
 * Layout of `params`: per layer, the weight `[inSize, outSize]` row-major (`W[k * outSize + j]` connects input
 * `k` to output `j`), then its bias(es). Initialisation (PyTorch's `nn.Linear` default, per fan-in): weight and
 * bias ~ U(-1/sqrt(fanIn), 1/sqrt(fanIn)); the last layer's weight ~ U(-lastLayerInit, lastLayerInit).
 *
 * Buffers are sized for `maxBatch` rows and reused: the arrays returned by {@link Mlp.forward} and
 * {@link Mlp.backward} are views that the next call overwrites.
 */
export class Mlp {
  /** The shape this network was built with. */
  readonly spec: MlpSpec;
  /** Number of inputs (the sum of `spec.inputBlocks`). */
  readonly inputSize: number;
  /** Number of outputs. */
  readonly outputSize: number;
  /** All weights and biases. */
  readonly params: Float64Array;
  /** Gradients of the last {@link Mlp.backward} calls, same layout as `params`. */
  readonly grads: Float64Array;
  /** The largest batch the buffers hold. */
  readonly maxBatch: number;
  private readonly layers: readonly Layer[];
  /** acts[0] is the input, acts[l + 1] the activated output of layer l; each `maxBatch * width`. */
  private readonly acts: Float64Array[];
  /** deltas[l]: gradient of the loss w.r.t. the pre-activation of layer l. */
  private readonly deltas: Float64Array[];
  private readonly inputGrad: Float64Array;

  /** @throws AmcError AMC_INVALID_ARGUMENT for sizes that are not positive integers. */
  /** `engine` runs the matrix products (default: the Float64 JS loops). */
  constructor(spec: MlpSpec, maxBatch: number, private readonly engine: DenseEngine = createDenseEngine('js')) {
    const op = 'Mlp';
    const positive = (argument: string, v: unknown): number => {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
        throw argumentError(ErrorCode.InvalidArgument, op, argument, 'a positive integer', v);
      }
      return v;
    };
    if (!Array.isArray(spec.inputBlocks) || spec.inputBlocks.length === 0) {
      throw argumentError(ErrorCode.InvalidArgument, op, 'spec.inputBlocks', 'a non-empty array of positive integers', spec.inputBlocks);
    }
    if (!Array.isArray(spec.hidden) || spec.hidden.length === 0) {
      throw argumentError(ErrorCode.InvalidArgument, op, 'spec.hidden', 'a non-empty array of positive integers', spec.hidden);
    }
    spec.inputBlocks.forEach((b, i) => positive(`spec.inputBlocks[${i}]`, b));
    spec.hidden.forEach((h, i) => positive(`spec.hidden[${i}]`, h));
    positive('spec.outputSize', spec.outputSize);
    positive('maxBatch', maxBatch);
    this.spec = spec;
    this.maxBatch = maxBatch;
    this.inputSize = spec.inputBlocks.reduce((a, b) => a + b, 0);
    this.outputSize = spec.outputSize;
    const widths = [this.inputSize, ...spec.hidden, spec.outputSize];
    const layers: Layer[] = [];
    let offset = 0;
    for (let l = 0; l + 1 < widths.length; l++) {
      const inSize = widths[l] as number;
      const outSize = widths[l + 1] as number;
      const weight = offset;
      offset += inSize * outSize;
      const biasCount = l === 0 ? spec.inputBlocks.length : 1;
      const biases: number[] = [];
      for (let b = 0; b < biasCount; b++) {
        biases.push(offset);
        offset += outSize;
      }
      layers.push({ inSize, outSize, weight, biases, relu: l + 2 < widths.length });
    }
    this.layers = layers;
    this.params = new Float64Array(offset);
    this.grads = new Float64Array(offset);
    this.acts = widths.map((w) => new Float64Array(maxBatch * w));
    this.deltas = layers.map((layer) => new Float64Array(maxBatch * layer.outSize));
    this.inputGrad = new Float64Array(maxBatch * this.inputSize);
  }

  /** Number of parameters. */
  get parameterCount(): number {
    return this.params.length;
  }

  /**
   * Draws fresh parameters from `rng`, layer by layer (weights then biases, each in memory order), as described
   * in the class comment.
   */
  initialize(rng: Rng): void {
    const p = this.params;
    const last = this.layers.length - 1;
    this.layers.forEach((layer, l) => {
      const { inSize, outSize } = layer;
      // Row blocks of the first weight (one per input block) and the matching biases use the block's fan-in.
      const blocks = l === 0 ? this.spec.inputBlocks : [inSize];
      let row = 0;
      for (const fanIn of blocks) {
        const bound = l === last ? this.spec.lastLayerInit : 1 / Math.sqrt(fanIn);
        const end = layer.weight + (row + fanIn) * outSize;
        for (let i = layer.weight + row * outSize; i < end; i++) p[i] = rng.uniformRange(-bound, bound);
        row += fanIn;
      }
      layer.biases.forEach((offset, b) => {
        const bound = 1 / Math.sqrt(blocks[b] as number);
        for (let j = 0; j < outSize; j++) p[offset + j] = rng.uniformRange(-bound, bound);
      });
    });
  }

  /**
   * Runs `batch` rows of `input` (`batch * inputSize`, row-major) through the network and keeps every
   * activation for {@link Mlp.backward}. Returns a view of `batch * outputSize` outputs (overwritten by the
   * next forward call). The caller validates shapes; this is the inner loop of training.
   */
  forward(input: Float64Array, batch: number): Float64Array {
    const p = this.params;
    const x0 = this.acts[0] as Float64Array;
    x0.set(input.subarray(0, batch * this.inputSize));
    for (let l = 0; l < this.layers.length; l++) {
      const layer = this.layers[l] as Layer;
      const { inSize, outSize, weight } = layer;
      const x = this.acts[l] as Float64Array;
      const y = this.acts[l + 1] as Float64Array;
      const biases = layer.biases;
      // y[b, :] = sum of the biases + x[b, :] W.
      for (let b = 0; b < batch; b++) {
        const yRow = b * outSize;
        const b0 = biases[0] as number;
        for (let j = 0; j < outSize; j++) y[yRow + j] = p[b0 + j] as number;
        for (let e = 1; e < biases.length; e++) {
          const be = biases[e] as number;
          for (let j = 0; j < outSize; j++) y[yRow + j] = (y[yRow + j] as number) + (p[be + j] as number);
        }
      }
      this.engine.addMatMul(x, batch, inSize, p, weight, outSize, y);
      const n = batch * outSize;
      if (layer.relu) {
        for (let i = 0; i < n; i++) if ((y[i] as number) < 0) y[i] = 0;
      } else if (this.spec.outputActivation === 'sigmoid') {
        for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-(y[i] as number)));
      }
    }
    return (this.acts[this.layers.length] as Float64Array).subarray(0, batch * this.outputSize);
  }

  /**
   * Back-propagates `gradOutput` (d loss / d output, `batch * outputSize`) through the activations of the last
   * {@link Mlp.forward} of the same `batch`.
   *
   * - `accumulate`: when true, adds d loss / d params to `grads` (call {@link Mlp.zeroGrads} first); when false,
   *   parameter gradients are skipped (used to differentiate the critic w.r.t. its action input only).
   * - `inputFrom`: when given, returns d loss / d input for input columns `inputFrom .. inputSize - 1` as a view
   *   of `batch * (inputSize - inputFrom)` values (overwritten by the next call); otherwise returns undefined.
   */
  backward(gradOutput: Float64Array, batch: number, accumulate: boolean, inputFrom?: number): Float64Array | undefined {
    const p = this.params;
    const g = this.grads;
    const last = this.layers.length - 1;
    const top = this.deltas[last] as Float64Array;
    const out = this.acts[last + 1] as Float64Array;
    const n = batch * this.outputSize;
    if (this.spec.outputActivation === 'sigmoid') {
      for (let i = 0; i < n; i++) {
        const y = out[i] as number;
        top[i] = (gradOutput[i] as number) * y * (1 - y);
      }
    } else {
      for (let i = 0; i < n; i++) top[i] = gradOutput[i] as number;
    }
    for (let l = last; l >= 0; l--) {
      const layer = this.layers[l] as Layer;
      const { inSize, outSize, weight } = layer;
      const x = this.acts[l] as Float64Array;
      const d = this.deltas[l] as Float64Array;
      if (accumulate) {
        this.engine.addWeightGradient(x, d, batch, inSize, outSize, g, weight);
        // Every bias of the layer gets the column sums of d.
        for (const bias of layer.biases) {
          for (let b = 0; b < batch; b++) {
            const dRow = b * outSize;
            for (let j = 0; j < outSize; j++) g[bias + j] = (g[bias + j] as number) + (d[dRow + j] as number);
          }
        }
      }
      if (l > 0) {
        // d_prev = (d W^T) * relu'(x); x is the previous layer's ReLU output, so relu' is (x > 0).
        const prev = this.deltas[l - 1] as Float64Array;
        this.engine.matMulTransposed(d, batch, outSize, p, weight, 0, inSize, prev);
        const n = batch * inSize;
        for (let i = 0; i < n; i++) if ((x[i] as number) === 0) prev[i] = 0;
      } else if (inputFrom !== undefined) {
        this.engine.matMulTransposed(d, batch, outSize, p, weight, inputFrom, inSize, this.inputGrad);
        return this.inputGrad.subarray(0, batch * (inSize - inputFrom));
      }
    }
    return undefined;
  }

  /** Sets every gradient to 0. */
  zeroGrads(): void {
    this.grads.fill(0);
  }
}
