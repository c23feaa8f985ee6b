/**
 * Per-layer choice between the dense kernels and SpMM (CSR or 4 x 1 block CSR) for fine-grained-pruned convs and
 * dense layers. In `auto` mode the choice is measured, not guessed: the crossover density differs by layer shape
 * (1 x 1 vs k x k, channel counts, pixels) and by machine, from below 5% to about 65% on the kernel benchmarks of
 * this repository. Each candidate layer is timed on a probe batch with each kernel and keeps the fastest, so a
 * sparse kernel is used only where it beat the dense one here.
 */
import { Rng } from '@amc/core';
import { conv2d, filterToSparse, gemm, sparseConv2d, sparseDense, type SparseMatrix } from '@amc/kernels';
import type { ConvStep, DenseStep, Plan, PlanValue } from './plan.js';

/** How the runtime runs fine-grained-sparse layers (see {@link CompileOptions.sparse}). */
export type SparseMode = 'auto' | 'dense' | 'csr' | 'bcsr';

/** What {@link selectSparseKernels} needs. */
export interface SparseSelectOptions {
  mode: SparseMode;
  /** Layers denser than this are never timed (sparse kernels do not win there). */
  maxDensity: number;
  /** Samples of the probe batch the kernels are timed on. */
  probeBatch: number;
}

/** The kernel chosen for one step, and why. */
export interface SparseChoice {
  kernel: 'dense' | 'csr' | 'bcsr';
  /** Fraction of nonzero weights of the folded kernel. */
  density: number;
  /** Median milliseconds per kernel on the probe batch, when measured. */
  timings?: Partial<Record<'dense' | 'csr' | 'bcsr', number>>;
}

const REPEATS = 5;
/** A sparse kernel is chosen only below this fraction of the dense kernel's time. */
export const SPARSE_MARGIN = 0.9;

function density(weights: Float32Array): number {
  let nonzero = 0;
  for (let i = 0; i < weights.length; i++) if (weights[i] !== 0) nonzero++;
  return weights.length === 0 ? 1 : nonzero / weights.length;
}

function medianMs(run: () => void): number {
  run();
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[REPEATS >> 1] as number;
}

/** The step's weights as a sparse `out x in` matrix in `format`. */
function toSparse(step: ConvStep | DenseStep, format: 'csr' | 'bcsr'): SparseMatrix {
  if (step.op === 'dense') return filterToSparse({ data: step.kernel, shape: [1, 1, step.inFeatures, step.units] }, format);
  return filterToSparse({ data: step.filter, shape: step.filterShape }, format);
}

/** Closures that run the step's dense kernel and a sparse one on a probe input of `batch` samples. */
function probes(step: ConvStep | DenseStep, input: PlanValue, output: PlanValue, batch: number, rng: Rng): { dense: () => void; sparse: (w: SparseMatrix) => () => void } {
  const x = rng.fillUniform(new Float32Array(input.size * batch), -1, 1);
  const out = new Float32Array(output.size * batch);
  const bias = step.bias === undefined ? {} : { bias: step.bias };
  if (step.op === 'dense') {
    const rows = (batch * input.size) / step.inFeatures;
    const options = { activation: step.activation, out, ...bias };
    return {
      dense: () => gemm(x, step.kernel, [rows, step.units, step.inFeatures], options),
      sparse: (w) => () => sparseDense(x, rows, w, options),
    };
  }
  const tensor = { data: x, shape: [batch, ...input.shape] };
  const filter = { data: step.filter, shape: step.filterShape };
  const geometry = { strides: step.strides, padding: step.pads, dilations: step.dilations, activation: step.activation, out, ...bias };
  const kernelSize: [number, number] = [step.filterShape[0], step.filterShape[1]];
  return {
    dense: () => conv2d(tensor, filter, geometry),
    sparse: (w) => () => sparseConv2d(tensor, w, { ...geometry, kernelSize }),
  };
}

/**
 * Decides, for every `conv2d` and `dense` step of `plan` whose folded weights have zeros, whether it runs on the
 * dense kernel or on SpMM, and attaches the sparse weights to the steps that do. `dense` keeps everything
 * dense; `csr` / `bcsr` force that format on every step with density < 1; `auto` times the dense kernel and both
 * sparse formats on `probeBatch` random samples (median of 5 after a warm-up) for steps with density <=
 * `maxDensity`, and keeps the fastest, a sparse one only when it takes under {@link SPARSE_MARGIN} of the dense time. Returns the choice per step index (steps without a choice are dense and
 * unconsidered: depthwise convs, pools, ...). The sparse path computes the same function; its sums run in another
 * order, so outputs agree with the dense path to float rounding (about 1e-6 relative), not bit for bit.
 */
export function selectSparseKernels(plan: Plan, options: SparseSelectOptions): Map<number, SparseChoice> {
  const choices = new Map<number, SparseChoice>();
  const rng = new Rng(0x5ba55e);
  plan.steps.forEach((step, index) => {
    if (step.op !== 'conv2d' && step.op !== 'dense') return;
    const weights = step.op === 'dense' ? step.kernel : step.filter;
    const d = density(weights);
    if (d >= 1 || options.mode === 'dense') {
      choices.set(index, { kernel: 'dense', density: d });
      return;
    }
    if (options.mode === 'csr' || options.mode === 'bcsr') {
      step.sparse = { weights: toSparse(step, options.mode) };
      choices.set(index, { kernel: options.mode, density: d });
      return;
    }
    if (d > options.maxDensity) {
      choices.set(index, { kernel: 'dense', density: d });
      return;
    }
    const input = plan.values[step.inputs[0] as number] as PlanValue;
    const output = plan.values[step.output] as PlanValue;
    const p = probes(step, input, output, options.probeBatch, rng);
    const csr = toSparse(step, 'csr');
    const bcsr = toSparse(step, 'bcsr');
    const timings = { dense: medianMs(p.dense), csr: medianMs(p.sparse(csr)), bcsr: medianMs(p.sparse(bcsr)) };
    // A sparse kernel must beat the dense one clearly: within 10% the choice would follow timing noise.
    let kernel: SparseChoice['kernel'] = 'dense';
    if (timings.csr < SPARSE_MARGIN * timings.dense && timings.csr <= timings.bcsr) kernel = 'csr';
    else if (timings.bcsr < SPARSE_MARGIN * timings.dense) kernel = 'bcsr';
    if (kernel !== 'dense') step.sparse = { weights: kernel === 'csr' ? csr : bcsr };
    choices.set(index, { kernel, density: d, timings });
  });
  return choices;
}
