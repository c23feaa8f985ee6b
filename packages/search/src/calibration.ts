/**
 * Calibration features for channel-pruning reconstruction, computed once per search and reused by every episode.
 *
 * AMC reconstructs a consumer from the ORIGINAL model's input features X (im2col rows at sampled output
 * positions) and its original pre-activation output Y = X W (+ b, which stays out of the fit): with kept input
 * columns K, `min ||X_K W' - X W||`. Its normal equations need only the Gram matrix G = X^T X:
 * `G_KK W' = (G W)_K`. With the Cholesky factor G = L L^T, the square matrix R = L^T (cols x cols) has
 * `R^T R = G`, so the least-squares problem `min ||R_K W' - R W||` (R_K: the kept columns of R) has exactly the
 * same solution, and `||R v|| = ||X v||` makes its residual the relative output error on the calibration data.
 * The cache therefore holds, per consumer, R and R W: cols x cols and cols x outs floats instead of
 * (images x positions) x cols, and an episode solves `cols`-row problems instead of 5,000-row ones.
 */
import { ErrorCode, AmcError, Rng } from '@amc/core';
import type { Conv2dNode, DenseNode, Graph } from '@amc/graph';
import { gemm, leastSquares } from '@amc/kernels';
import { drawPositions, gatherRows, nodeOutput } from '@amc/prune';

/** The cached factor of one consumer layer. */
export interface ConsumerFactor {
  node: number;
  name: string;
  kind: 'conv2d' | 'dense';
  /** Columns of the full im2col row: kh * kw * cin (dense: in). */
  cols: number;
  /** Output channels of the full layer. */
  outs: number;
  /** Input channels of the full layer (cols = blocks * cin). */
  cin: number;
  /** R = L^T, cols x cols row-major. */
  root: Float32Array;
  /** R W, cols x outs row-major. */
  target: Float32Array;
  /** Calibration rows the Gram matrix was formed from. */
  rows: number;
  /**
   * Per input channel k (cin entries): its share of the layer's output energy on the calibration data,
   * `||X_k W_k||^2 / ||X W||^2` (X_k, W_k: the columns / rows of channel k), from R: `||R_k W_k||^2 / ||R W||^2`.
   */
  energy: Float64Array;
}

/**
 * The output-energy share of every input channel of a consumer (see {@link ConsumerFactor.energy}), from the
 * upper-triangular root R (cols x cols) and the kernel W (cols x outs, column index = block * cin + channel).
 */
export function channelEnergy(root: Float32Array, kernel: Float32Array, cols: number, cin: number, outs: number, target: Float32Array): Float64Array {
  let total = 0;
  for (let i = 0; i < cols * outs; i++) total += (target[i] as number) ** 2;
  const energy = new Float64Array(cin);
  const m = new Float64Array(cols * outs);
  const blocks = cols / cin;
  for (let k = 0; k < cin; k++) {
    m.fill(0);
    let lastRow = 0;
    for (let b = 0; b < blocks; b++) {
      const j = b * cin + k;
      lastRow = Math.max(lastRow, j);
      const w = j * outs;
      for (let row = 0; row <= j; row++) {
        const r = root[row * cols + j] as number;
        if (r === 0) continue;
        const o0 = row * outs;
        for (let o = 0; o < outs; o++) m[o0 + o] = (m[o0 + o] as number) + r * (kernel[w + o] as number);
      }
    }
    let e = 0;
    for (let i = 0; i < (lastRow + 1) * outs; i++) e += (m[i] as number) ** 2;
    energy[k] = total > 0 ? e / total : 0;
  }
  return energy;
}

/** Options of {@link buildCalibrationCache}. */
export interface CalibrationCacheOptions {
  /** Output positions sampled per image for a k x k conv (and per sample of a dense layer on a rank > 1 input). Default 10. */
  positionsPerImage?: number;
  /** Seed of the position sampling. */
  seed: number;
  /** Batch size of the forward passes. Default 128. */
  batchSize?: number;
}

/** Floats of one sample of the graph's (single) input. */
export function inputSizeOf(graph: Graph): number {
  return graph.node(graph.inputs[0] as number).outputShape.reduce((a, b) => a * b, 1);
}

/**
 * Lower Cholesky factor of the symmetric `g` (n x n, float) in double, with a diagonal jitter that starts at
 * 1e-7 of the mean diagonal and grows tenfold until the factorisation succeeds (a dead input channel makes G
 * singular). Returns R = L^T as floats.
 */
function choleskyRoot(g: Float32Array, n: number): Float32Array {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += g[i * n + i] as number;
  mean = mean / n || 1;
  const l = new Float64Array(n * n);
  for (let jitter = 1e-7 * mean; ; jitter *= 10) {
    let ok = true;
    l.fill(0);
    for (let j = 0; j < n && ok; j++) {
      let d = (g[j * n + j] as number) + jitter;
      for (let k = 0; k < j; k++) d -= (l[j * n + k] as number) ** 2;
      if (!(d > 0) || !Number.isFinite(d)) {
        ok = false;
        break;
      }
      const ljj = Math.sqrt(d);
      l[j * n + j] = ljj;
      for (let i = j + 1; i < n; i++) {
        let s = g[i * n + j] as number;
        const li = i * n;
        const lj = j * n;
        for (let k = 0; k < j; k++) s -= (l[li + k] as number) * (l[lj + k] as number);
        l[li + j] = s / ljj;
      }
    }
    if (ok) break;
    if (jitter > mean * 1e3) throw new AmcError(ErrorCode.NativeFailure, 'buildCalibrationCache: the calibration Gram matrix could not be factorised', { operation: 'buildCalibrationCache' });
  }
  const root = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) root[j * n + i] = l[i * n + j] as number;
  return root;
}

/**
 * Builds the factors of every consumer in `consumers` (conv2d / dense node ids of `graph`) from `count`
 * calibration images: the original input features of each consumer (one forward pass of the sub-graph that
 * produces them, shared by consumers of the same input), im2col rows at `positionsPerImage` seeded positions,
 * G = X^T X on the native gemm, its Cholesky root R and R W.
 */
export function buildCalibrationCache(graph: Graph, consumers: readonly number[], images: Float32Array, count: number, options: CalibrationCacheOptions): Map<number, ConsumerFactor> {
  const positions = options.positionsPerImage ?? 10;
  const batchSize = options.batchSize ?? 128;
  const rng = new Rng(options.seed);
  const inputSize = inputSizeOf(graph);
  if (images.length < count * inputSize) {
    throw new AmcError(ErrorCode.ShapeMismatch, `buildCalibrationCache: ${count} images need ${count * inputSize} floats, got ${images.length}`, { operation: 'buildCalibrationCache', argument: 'images' });
  }
  const calibration = images.subarray(0, count * inputSize);
  const features = new Map<number, Float32Array>();
  const cache = new Map<number, ConsumerFactor>();
  for (const id of [...consumers].sort((a, b) => a - b)) {
    const node = graph.node(id) as Conv2dNode | DenseNode;
    const source = node.inputs[0] as number;
    let x = features.get(source);
    if (x === undefined) {
      x = nodeOutput(graph, source, calibration, count, false, batchSize);
      features.set(source, x);
    }
    const { data, rows, cols } = gatherRows(node, x, drawPositions(rng, node, count, positions));
    const gram = gemm(data, data, [cols, cols, rows], { transA: true });
    const root = choleskyRoot(gram, cols);
    const kernel = node.weights.kernel.data;
    const outs = node.outputShape.at(-1) as number;
    const target = gemm(root, kernel, [cols, outs, cols]);
    const cin = (node.inputShapes[0] as number[]).at(-1) as number;
    cache.set(id, { node: id, name: node.name, kind: node.kind, cols, outs, cin, root, target, rows, energy: channelEnergy(root, kernel, cols, cin, outs, target) });
  }
  return cache;
}

/** What {@link reconstructFromCache} did for one layer. */
export interface CachedReconstruction {
  name: string;
  /** Kept columns and outputs of the fit. */
  cols: number;
  outs: number;
  /** ||X_K W' - X W||_F / ||X W||_F on the calibration rows. */
  residual: number;
}

/**
 * Refits the kernel of a pruned consumer (its kernel already sliced to `keptIn` input channels and `keptOut`
 * output channels) from its cached factor: `min ||R_K W' - (R W)_{:, keptOut}||`, solved by `leastSquares` of
 * @amc/kernels. Writes the result into `kernel` ([kh, kw, |keptIn|, |keptOut|] or [|keptIn|, |keptOut|]).
 */
export function reconstructFromCache(factor: ConsumerFactor, keptIn: readonly number[], keptOut: readonly number[], kernel: Float32Array): CachedReconstruction {
  const blocks = factor.cols / factor.cin;
  const colsK = blocks * keptIn.length;
  const outsK = keptOut.length;
  const n = factor.cols;
  const x = new Float32Array(n * colsK);
  const columns = new Int32Array(colsK);
  for (let b = 0, c = 0; b < blocks; b++) for (const k of keptIn) columns[c++] = b * factor.cin + k;
  for (let r = 0; r < n; r++) {
    const row = r * n;
    const out = r * colsK;
    for (let c = 0; c < colsK; c++) x[out + c] = factor.root[row + (columns[c] as number)] as number;
  }
  const y = new Float32Array(n * outsK);
  for (let r = 0; r < n; r++) for (let o = 0; o < outsK; o++) y[r * outsK + o] = factor.target[r * factor.outs + (keptOut[o] as number)] as number;
  const fit = leastSquares({ data: x, shape: [n, colsK] }, { data: y, shape: [n, outsK] });
  kernel.set(fit.weights.data);
  return { name: factor.name, cols: colsK, outs: outsK, residual: fit.residual };
}
