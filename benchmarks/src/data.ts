/**
 * Seeded operands, pruning masks and layout conversions for the suites (all outside the timed regions).
 */
import { Rng } from '@amc/core';

/** The seed of every operand: fixed, so two runs time the same numbers. */
export const BENCH_SEED = 20180802;

/** A new generator for one case, derived from the bench seed and a case label. */
export function rngFor(label: string): Rng {
  let hash = BENCH_SEED;
  for (let i = 0; i < label.length; i++) hash = (Math.imul(hash, 31) + label.charCodeAt(i)) | 0;
  return new Rng(hash >>> 0);
}

/** `length` uniform values in [-1, 1). */
export function randomArray(rng: Rng, length: number): Float32Array {
  return rng.fillUniform(new Float32Array(length), -1, 1);
}

/**
 * Unstructured magnitude-free pruning: zeroes exactly round(sparsity * length) entries chosen at random.
 * Returns a pruned copy.
 */
export function pruneUnstructured(rng: Rng, dense: Float32Array, sparsity: number): Float32Array {
  const out = dense.slice();
  const zeros = Math.round(sparsity * out.length);
  // Partial Fisher-Yates: the first `zeros` slots of a random permutation.
  const order = new Int32Array(out.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  for (let i = 0; i < zeros; i++) {
    const j = i + rng.int(order.length - i);
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
    out[order[i] as number] = 0;
  }
  return out;
}

/**
 * Block pruning for a `rows x cols` row-major matrix: zeroes round(sparsity * blocks) whole blocks of
 * `blockRows` consecutive rows x 1 column (the 4x1 output-channel blocks of block-CSR). `rows` need not be a
 * multiple of `blockRows` (the last block is shorter).
 */
export function pruneBlocks(rng: Rng, dense: Float32Array, rows: number, cols: number, sparsity: number, blockRows = 4): Float32Array {
  const out = dense.slice();
  const blockRowCount = Math.ceil(rows / blockRows);
  const blocks = blockRowCount * cols;
  const mask = pruneUnstructured(rng, new Float32Array(blocks).fill(1), sparsity);
  for (let br = 0; br < blockRowCount; br++) {
    for (let c = 0; c < cols; c++) {
      if (mask[br * cols + c] !== 0) continue;
      for (let r = br * blockRows; r < Math.min(rows, (br + 1) * blockRows); r++) out[r * cols + c] = 0;
    }
  }
  return out;
}

/** Number of nonzero entries. */
export function countNonzeros(values: Float32Array): number {
  let nnz = 0;
  for (const v of values) if (v !== 0) nnz++;
  return nnz;
}

function dims4(shape: readonly number[]): [number, number, number, number] {
  if (shape.length !== 4) throw new Error(`expected a 4-D shape but received [${shape.join(', ')}]`);
  return shape as unknown as [number, number, number, number];
}

/** NHWC -> NCHW copy. */
export function nhwcToNchw(data: Float32Array, shape: readonly number[]): Float32Array {
  const [n, h, w, c] = dims4(shape);
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) out[((b * c + ch) * h + y) * w + x] = data[((b * h + y) * w + x) * c + ch] as number;
  return out;
}

/** NCHW -> NHWC copy (`shape` is the NCHW shape). */
export function nchwToNhwc(data: Float32Array, shape: readonly number[]): Float32Array {
  const [n, c, h, w] = dims4(shape);
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[((b * h + y) * w + x) * c + ch] = data[((b * c + ch) * h + y) * w + x] as number;
  return out;
}

/** HWIO filter -> OIHW (ONNX Conv weights). */
export function hwioToOihw(data: Float32Array, shape: readonly number[]): Float32Array {
  const [kh, kw, ci, co] = dims4(shape);
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = data[((y * kw + x) * ci + i) * co + o] as number;
  return out;
}

/**
 * HWIO filter -> the `[cout][kh][kw][cin]` row-major matrix (`cout x kh*kw*cin`) that sparse convolution
 * weights use.
 */
export function hwioToOhwi(data: Float32Array, shape: readonly number[]): Float32Array {
  const [kh, kw, ci, co] = dims4(shape);
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[((o * kh + y) * kw + x) * ci + i] = data[((y * kw + x) * ci + i) * co + o] as number;
  return out;
}

/** Inverse of {@link hwioToOhwi}. */
export function ohwiToHwio(data: Float32Array, shape: readonly number[]): Float32Array {
  const [kh, kw, ci, co] = dims4(shape);
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[((y * kw + x) * ci + i) * co + o] = data[((o * kh + y) * kw + x) * ci + i] as number;
  return out;
}

/** Keeps the given channels (last axis) of an NHWC/...C array with `channels` channels. */
export function gatherChannels(data: Float32Array, channels: number, keep: Int32Array): Float32Array {
  const rows = data.length / channels;
  const out = new Float32Array(rows * keep.length);
  for (let r = 0; r < rows; r++) for (let j = 0; j < keep.length; j++) out[r * keep.length + j] = data[r * channels + (keep[j] as number)] as number;
  return out;
}

/** `count` sorted distinct indices out of [0, total), chosen at random. */
export function chooseChannels(rng: Rng, total: number, count: number): Int32Array {
  const picked = pruneUnstructured(rng, new Float32Array(total).fill(1), 1 - count / total);
  const out = new Int32Array(count);
  let j = 0;
  for (let i = 0; i < total && j < count; i++) if (picked[i] !== 0) out[j++] = i;
  return out;
}

/** Worst difference of two outputs, absolute and relative to the largest |expected|. */
export interface Agreement {
  maxAbsError: number;
  relativeError: number;
  ok: boolean;
}

/**
 * Compares an output with a reference: ok when max |a - e| <= 1e-3 * max(|e|, 1e-6) (FP32 summation-order
 * differences of long dot products stay far below that).
 */
export function agreement(actual: Float32Array, expected: Float32Array): Agreement {
  if (actual.length !== expected.length) return { maxAbsError: Number.POSITIVE_INFINITY, relativeError: Number.POSITIVE_INFINITY, ok: false };
  let maxAbs = 0;
  let scale = 1e-6;
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i] as number;
    const d = Math.abs((actual[i] as number) - e);
    if (!(d <= maxAbs)) maxAbs = d;
    if (Math.abs(e) > scale) scale = Math.abs(e);
  }
  const relativeError = maxAbs / scale;
  return { maxAbsError: maxAbs, relativeError, ok: relativeError <= 1e-3 };
}
