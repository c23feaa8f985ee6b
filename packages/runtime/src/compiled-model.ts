/**
 * The compiled model: binds a {@link Plan} to buffers once per batch size and runs it on the native kernels.
 */
import { type Activation, AmcError, ErrorCode, argumentError } from '@amc/core';
import { Graph } from '@amc/graph';
import { batchNorm, binaryOp, conv2d, depthwiseConv2d, gemm, getNumThreads, setNumThreads, sparseConv2d, sparseDense, unaryOp } from '@amc/kernels';
import { applyActivation, concat, globalPool2d, pool2d, zeroPad2d } from './ops.js';
import { buildPlan, type Plan, type PlanValue, type Step } from './plan.js';
import { type SparseChoice, type SparseMode, selectSparseKernels } from './sparse-select.js';

/** Options of {@link compile}. */
export interface CompileOptions {
  /**
   * Size of the native thread pool (process-wide, `setNumThreads` of @amc/kernels), set before every run when it
   * differs. Default: leave the pool as it is.
   */
  numThreads?: number;
  /**
   * How fine-grained-pruned convs and dense layers run. `auto` (default): each layer whose folded kernel has
   * density <= `sparseMaxDensity` is timed with the dense kernel, CSR SpMM and 4 x 1 block-CSR SpMM on
   * `probeBatch` samples at compile time, and keeps the fastest (so never a kernel measured slower than dense).
   * `dense`: never sparse. `csr` / `bcsr`: that format for every conv / dense layer with any zero weight.
   */
  sparse?: SparseMode;
  /** Layers denser than this stay dense in `auto` mode without being timed. Default 0.7. */
  sparseMaxDensity?: number;
  /** Samples of the probe batch of `auto` mode. Default 16. */
  probeBatch?: number;
}

const COMPILE_OPTIONS = ['numThreads', 'sparse', 'sparseMaxDensity', 'probeBatch'];
const SPARSE_MODES: readonly string[] = ['auto', 'dense', 'csr', 'bcsr'];

/** One step of the plan as data: what it runs and which graph layers it covers. */
export interface StepSummary {
  /** `conv2d`, `depthwiseConv2d`, `dense`, `batchNorm`, `add`, `concat`, `pool2d`, `globalPool2d`, `zeroPadding2d` or `activation`. */
  op: Step['op'];
  /** The graph layers computed by this step: the producer first, then the folded batch norm and fused activation. */
  layers: string[];
  /** The natively fused activation (`none` when there is none or the op has no fused one). */
  activation: Activation;
  /** The activation run in place after the kernel in TypeScript, or null. */
  post: string | null;
  /** `conv2d` / `dense` steps: the kernel that runs it (`dense`, or SpMM over `csr` / `bcsr` weights); else null. */
  kernel: SparseChoice['kernel'] | null;
  /** `conv2d` / `dense` steps: the fraction of nonzero weights of the folded kernel; else null. */
  density: number | null;
  /** `auto` mode, timed steps: median milliseconds of each kernel on the probe batch. */
  timings?: SparseChoice['timings'];
}

/** Result of {@link CompiledModel.evaluate}. */
export interface EvaluateResult {
  /** Fraction of samples whose arg-max logit is the label. */
  accuracy: number;
  /** Mean softmax cross-entropy of the logits (natural log). */
  loss: number;
}

/** Bound to the input tensor between calls, so that the caller's array is not retained. */
const EMPTY = new Float32Array(0);

interface MutableTensor {
  data: Float32Array;
  shape: number[];
}

interface Bound {
  batch: number;
  input: MutableTensor;
  output: MutableTensor;
  run: (() => void)[];
}

function checkBatch(op: string, argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, 'a positive safe integer', value);
  }
  return value;
}

/**
 * A graph compiled for the native kernels. Buffers are allocated once per batch size (on the first call with it)
 * and reused; a steady-state call allocates nothing but the small option objects of the kernel wrappers (and the
 * returned array, unless `out` is given).
 */
export class CompiledModel {
  /** The input shape without the batch dimension, e.g. `[28, 28, 1]`. */
  readonly inputShape: readonly number[];
  /** The output shape without the batch dimension, e.g. `[10]`. */
  readonly outputShape: readonly number[];
  /** Elements of one input sample. */
  readonly inputSize: number;
  /** Elements of one output sample. */
  readonly outputSize: number;
  /** The execution plan, one entry per step. */
  readonly steps: readonly StepSummary[];
  private readonly plan: Plan;
  private readonly numThreads: number | undefined;
  private readonly bound = new Map<number, Bound>();
  private readonly scratch: Float64Array;

  /** @internal Use {@link compile}. */
  constructor(plan: Plan, options: { numThreads?: number }, choices: ReadonlyMap<number, SparseChoice> = new Map()) {
    this.plan = plan;
    this.numThreads = options.numThreads;
    const input = plan.values[plan.input] as PlanValue;
    const output = plan.values[plan.output] as PlanValue;
    this.inputShape = Object.freeze([...input.shape]);
    this.outputShape = Object.freeze([...output.shape]);
    this.inputSize = input.size;
    this.outputSize = output.size;
    this.steps = Object.freeze(
      plan.steps.map((s, i) => {
        const choice = choices.get(i);
        return {
          op: s.op,
          layers: [...s.names],
          activation: 'activation' in s && typeof s.activation === 'string' ? s.activation : 'none',
          post: s.op === 'activation' ? s.act.name : (s.post?.name ?? null),
          kernel: choice?.kernel ?? null,
          density: choice?.density ?? null,
          ...(choice?.timings === undefined ? {} : { timings: choice.timings }),
        };
      }),
    );
    let channels = 1;
    for (const s of plan.steps) if (s.op === 'globalPool2d') channels = Math.max(channels, s.channels);
    this.scratch = new Float64Array(channels);
  }

  /**
   * Runs the model on `batch` samples (NHWC, row-major) and returns the outputs, `batch * outputSize` floats.
   * With `out` the result is written there and no array is allocated.
   *
   * @throws AmcError AMC_INVALID_ARGUMENT (not a Float32Array, batch not a positive integer), AMC_SHAPE_MISMATCH
   * (input length other than batch x input size, out length other than batch x output size).
   * @example
   * const logits = model.predict(images, 4);   // images.length === 4 * 28 * 28
   */
  predict(input: Float32Array, batch: number, out?: Float32Array): Float32Array {
    const op = 'CompiledModel.predict';
    this.checkInput(op, input, batch);
    if (out !== undefined) this.checkOut(op, out, batch);
    const result = this.runBound(input, batch);
    if (out === undefined) return result.slice();
    out.set(result);
    return out;
  }

  /**
   * Runs the model on `count` samples in batches of at most `batchSize` (the last may be smaller; each distinct
   * size gets its own buffers once) and returns all outputs, `count * outputSize` floats.
   *
   * @throws AmcError AMC_INVALID_ARGUMENT, AMC_SHAPE_MISMATCH (as {@link predict}).
   */
  predictBatched(images: Float32Array, count: number, batchSize = 128): Float32Array {
    const op = 'CompiledModel.predictBatched';
    this.checkInput(op, images, count, 'count');
    checkBatch(op, 'batchSize', batchSize);
    const out = new Float32Array(count * this.outputSize);
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      const y = this.runBound(images.subarray(start * this.inputSize, (start + n) * this.inputSize), n);
      out.set(y, start * this.outputSize);
    }
    return out;
  }

  /**
   * Accuracy and mean softmax cross-entropy of the model's outputs (taken as logits over the last axis; the
   * output must be rank 1) against integer class labels, in batches of `batchSize`.
   *
   * @param images `count * inputSize` floats; count is derived from the length.
   * @param labels `count` class indices in `[0, outputSize)`.
   * @throws AmcError AMC_INVALID_ARGUMENT (types, labels out of range, batchSize), AMC_SHAPE_MISMATCH (lengths),
   * AMC_UNSUPPORTED (an output of rank other than 1).
   */
  evaluate(images: Float32Array, labels: ArrayLike<number>, batchSize = 128): EvaluateResult {
    const op = 'CompiledModel.evaluate';
    if (!(images instanceof Float32Array)) throw argumentError(ErrorCode.InvalidArgument, op, 'images', 'a Float32Array', images);
    if (images.length === 0 || images.length % this.inputSize !== 0) {
      throw argumentError(ErrorCode.ShapeMismatch, op, 'images', `a non-empty Float32Array whose length is a multiple of ${this.inputSize}`, images);
    }
    const count = images.length / this.inputSize;
    if (typeof labels !== 'object' || labels === null || typeof labels.length !== 'number') {
      throw argumentError(ErrorCode.InvalidArgument, op, 'labels', 'an array of class indices', labels);
    }
    if (labels.length !== count) throw argumentError(ErrorCode.ShapeMismatch, op, 'labels', `${count} labels (one per image)`, labels);
    checkBatch(op, 'batchSize', batchSize);
    if (this.outputShape.length !== 1) {
      throw argumentError(ErrorCode.Unsupported, op, 'model output', 'a rank-1 output of logits', [...this.outputShape]);
    }
    const classes = this.outputSize;
    for (let i = 0; i < count; i++) {
      const l = labels[i];
      if (typeof l !== 'number' || !Number.isInteger(l) || l < 0 || l >= classes) {
        throw argumentError(ErrorCode.InvalidArgument, op, `labels[${i}]`, `an integer class index in [0, ${classes})`, l);
      }
    }
    let correct = 0;
    let lossSum = 0;
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      const y = this.runBound(images.subarray(start * this.inputSize, (start + n) * this.inputSize), n);
      for (let r = 0; r < n; r++) {
        const base = r * classes;
        let best = 0;
        let max = -Infinity;
        for (let c = 0; c < classes; c++) {
          const v = y[base + c] as number;
          if (v > max) {
            max = v;
            best = c;
          }
        }
        let sum = 0;
        for (let c = 0; c < classes; c++) sum += Math.exp((y[base + c] as number) - max);
        const label = labels[start + r] as number;
        lossSum += Math.log(sum) + max - (y[base + label] as number);
        if (best === label) correct++;
      }
    }
    return { accuracy: correct / count, loss: lossSum / count };
  }

  /** Frees the buffers of every batch size (they are allocated again on the next call). */
  releaseBuffers(): void {
    this.bound.clear();
  }

  /** The batch sizes that currently hold buffers. */
  get boundBatchSizes(): number[] {
    return [...this.bound.keys()];
  }

  private checkInput(op: string, input: unknown, batch: unknown, batchName = 'batch'): asserts input is Float32Array {
    if (!(input instanceof Float32Array)) throw argumentError(ErrorCode.InvalidArgument, op, 'input', 'a Float32Array', input);
    const n = checkBatch(op, batchName, batch);
    if (input.length !== n * this.inputSize) {
      throw argumentError(
        ErrorCode.ShapeMismatch,
        op,
        'input',
        `a Float32Array of ${batchName} x ${this.inputSize} = ${n * this.inputSize} floats (input shape [${this.inputShape.join(', ')}])`,
        input,
      );
    }
  }

  private checkOut(op: string, out: unknown, batch: number): void {
    if (!(out instanceof Float32Array) || out.length !== batch * this.outputSize) {
      throw argumentError(ErrorCode.ShapeMismatch, op, 'out', `a Float32Array of ${batch * this.outputSize} floats`, out);
    }
  }

  /** Runs the steps bound for `batch` on `input` (already validated); returns the output buffer (internal). */
  private runBound(input: Float32Array, batch: number): Float32Array {
    if (this.numThreads !== undefined && getNumThreads() !== this.numThreads) setNumThreads(this.numThreads);
    let b = this.bound.get(batch);
    if (b === undefined) {
      b = this.bind(batch);
      this.bound.set(batch, b);
    }
    b.input.data = input;
    try {
      for (const f of b.run) f();
    } finally {
      b.input.data = EMPTY;
    }
    return b.output.data;
  }

  private bind(batch: number): Bound {
    const { plan } = this;
    let slots: Float32Array[];
    try {
      slots = plan.slotSizes.map((s) => new Float32Array(s * batch));
    } catch (cause) {
      throw new AmcError(ErrorCode.OutOfMemory, `CompiledModel: could not allocate the buffers of batch size ${batch}`, { operation: 'CompiledModel.predict', argument: 'batch', cause });
    }
    const tensors: MutableTensor[] = plan.values.map((v) => ({
      data: v.slot < 0 ? EMPTY : (slots[v.slot] as Float32Array).subarray(0, v.size * batch),
      shape: [batch, ...v.shape],
    }));
    const t = (v: number): MutableTensor => tensors[v] as MutableTensor;
    const run = plan.steps.map((step) => this.bindStep(step, batch, t));
    return { batch, input: t(plan.input), output: t(plan.output), run };
  }

  private bindStep(step: Step, batch: number, t: (v: number) => MutableTensor): () => void {
    const x = t(step.inputs[0] as number);
    const y = t(step.output);
    const out = y.data;
    const core = this.bindCore(step, batch, x, y, t);
    const post = step.post;
    if (post === null) return core;
    const lastDim = y.shape[y.shape.length - 1] ?? 1;
    return () => {
      core();
      applyActivation(post, out, out, lastDim);
    };
  }

  private bindCore(step: Step, batch: number, x: MutableTensor, y: MutableTensor, t: (v: number) => MutableTensor): () => void {
    const out = y.data;
    switch (step.op) {
      case 'conv2d':
      case 'depthwiseConv2d': {
        const filter = { data: step.filter, shape: step.filterShape };
        const options = {
          strides: step.strides,
          padding: step.pads,
          dilations: step.dilations,
          activation: step.activation,
          out,
          ...(step.bias === undefined ? {} : { bias: step.bias }),
        };
        if (step.op === 'conv2d' && step.sparse !== undefined) {
          const weights = step.sparse.weights;
          const sparseOptions = { ...options, kernelSize: [step.filterShape[0], step.filterShape[1]] as [number, number] };
          return () => {
            sparseConv2d(x, weights, sparseOptions);
          };
        }
        const kernel = step.op === 'conv2d' ? conv2d : depthwiseConv2d;
        return () => {
          kernel(x, filter, options);
        };
      }
      case 'dense': {
        const rows = (batch * x.shape.slice(1).reduce((a, d) => a * d, 1)) / step.inFeatures;
        const dims = [rows, step.units, step.inFeatures] as const;
        const options = { activation: step.activation, out, ...(step.bias === undefined ? {} : { bias: step.bias }) };
        if (step.sparse !== undefined) {
          const weights = step.sparse.weights;
          return () => {
            sparseDense(x.data, rows, weights, options);
          };
        }
        return () => {
          gemm(x.data, step.kernel, dims, options);
        };
      }
      case 'batchNorm': {
        const options = {
          mean: step.mean,
          variance: step.variance,
          epsilon: step.epsilon,
          activation: step.activation,
          out,
          ...(step.gamma === undefined ? {} : { gamma: step.gamma }),
          ...(step.beta === undefined ? {} : { beta: step.beta }),
        };
        return () => {
          batchNorm(x, options);
        };
      }
      case 'add': {
        const operands = step.inputs.map(t);
        const first = { out };
        const rest = { out };
        const activation = step.activation;
        const act = { out };
        return () => {
          binaryOp('add', (operands[0] as MutableTensor).data, (operands[1] as MutableTensor).data, first);
          for (let k = 2; k < operands.length; k++) binaryOp('add', out, (operands[k] as MutableTensor).data, rest);
          if (activation !== 'none') unaryOp(activation, out, act);
        };
      }
      case 'concat': {
        const operands = step.inputs.map(t);
        const xs: Float32Array[] = operands.map((o) => o.data);
        const outer = step.outer * batch;
        return () => {
          for (let k = 0; k < operands.length; k++) xs[k] = (operands[k] as MutableTensor).data;
          concat(xs, step.inner, outer, out);
        };
      }
      case 'pool2d': {
        const [inHeight, inWidth, channels] = step.inShape;
        const geometry = {
          batch,
          inHeight,
          inWidth,
          channels,
          outHeight: step.outShape[0],
          outWidth: step.outShape[1],
          kernel: step.kernel,
          strides: step.strides,
          pads: step.pads,
        };
        return () => pool2d(step.mode, x.data, geometry, out);
      }
      case 'globalPool2d':
        return () => globalPool2d(step.mode, x.data, batch, step.pixels, step.channels, out, this.scratch);
      case 'zeroPadding2d': {
        const [h, w, c] = step.inShape;
        return () => zeroPad2d(x.data, batch, h, w, c, step.pads, out);
      }
      case 'activation': {
        const act = step.act;
        const options = { out };
        if ((act.name === 'relu' && act.maxValue === null) || act.name === 'relu6') {
          const name = act.name;
          return () => {
            unaryOp(name, x.data, options);
          };
        }
        return () => applyActivation(act, x.data, out, step.lastDim);
      }
    }
  }
}

/**
 * Compiles a graph of @amc/graph for the native kernels: batch norms folded into the conv / depthwise / dense
 * before them, relu / relu6 fused into the kernel that produces their input, flatten / dropout / reshape turned
 * into aliases, and a liveness-based buffer plan.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT (not a Graph, bad options), AMC_UNSUPPORTED (several inputs or outputs),
 * AMC_UNSUPPORTED_LAYER (a layer or activation the runtime cannot run).
 * @example
 * const model = compile(importModel(createModel('resnet20', { seed: 1 })), { numThreads: 2 });
 * const logits = model.predict(images, 4);
 */
export function compile(graph: Graph, options?: CompileOptions): CompiledModel {
  const op = 'compile';
  if (!(graph instanceof Graph)) throw argumentError(ErrorCode.InvalidArgument, op, 'graph', 'a Graph of @amc/graph (importModel / loadGraph)', graph);
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options', 'an options object or undefined', options);
  }
  for (const key of Object.keys(options ?? {})) {
    if (!COMPILE_OPTIONS.includes(key)) {
      throw argumentError(ErrorCode.InvalidArgument, op, `options.${key}`, `no such option (known: ${COMPILE_OPTIONS.join(', ')})`, (options as Record<string, unknown>)[key]);
    }
  }
  const numThreads = options?.numThreads;
  if (numThreads !== undefined && (typeof numThreads !== 'number' || !Number.isInteger(numThreads) || numThreads < 1 || numThreads > 1024)) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.numThreads', 'an integer in [1, 1024]', numThreads);
  }
  const mode = options?.sparse ?? 'auto';
  if (typeof mode !== 'string' || !SPARSE_MODES.includes(mode)) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.sparse', `one of ${SPARSE_MODES.join(', ')}`, mode);
  }
  const maxDensity = options?.sparseMaxDensity ?? 0.7;
  if (typeof maxDensity !== 'number' || !(maxDensity >= 0 && maxDensity <= 1)) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.sparseMaxDensity', 'a number in [0, 1]', maxDensity);
  }
  const probeBatch = options?.probeBatch ?? 16;
  if (typeof probeBatch !== 'number' || !Number.isInteger(probeBatch) || probeBatch < 1 || probeBatch > 4096) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.probeBatch', 'an integer in [1, 4096]', probeBatch);
  }
  const plan = buildPlan(graph);
  if (numThreads !== undefined && getNumThreads() !== numThreads) setNumThreads(numThreads);
  const choices = selectSparseKernels(plan, { mode: mode as SparseMode, maxDensity, probeBatch });
  return new CompiledModel(plan, numThreads === undefined ? {} : { numThreads }, choices);
}
