/**
 * Channel selection, AMC-SPEC section 4: score every channel by the norm of its weight slice, keep the top k.
 */
import { AmcError, ErrorCode, type FloatTensor, argumentError } from '@amc/core';
import { callNative, callNativeAsync } from './call.js';
import { loadNative } from './load.js';
import type { ChannelImportanceNativeOptions, TopKNativeOptions } from './binding/prune.js';
import { checkLength, checkTensor } from './prune-checks.js';
import { checkFloat32, checkInt, checkOptions, allocateFloat32, type OptionKeys } from './validate.js';

const CHANNEL_IMPORTANCE_OPTIONS_KEYS: OptionKeys<ChannelImportanceOptions> = { norm: true };

/** The norm of {@link channelImportance}: sum of |w| or the square root of the sum of w^2. */
export type ImportanceNorm = 'l1' | 'l2';

/** Options of {@link channelImportance}. */
export interface ChannelImportanceOptions {
  /** Default `l1` (the AMC reference). */
  norm?: ImportanceNorm;
}

const MAX_RANK = 6;

function prepareImportance(op: string, weights: unknown, axis: unknown, options: unknown): ChannelImportanceNativeOptions {
  const tensor = checkTensor(op, 'weights', weights, 1, MAX_RANK);
  const rank = tensor.shape.length;
  if (typeof axis !== 'number' || !Number.isInteger(axis)) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'axis', `an integer in [${-rank}, ${rank})`, axis);
  }
  if (axis < -rank || axis >= rank) {
    throw new AmcError(
      ErrorCode.IndexOutOfRange,
      `${op}: expected an integer in [${-rank}, ${rank}) for axis but received ${axis}`,
      { operation: op, argument: 'axis', expected: `an integer in [${-rank}, ${rank})`, received: String(axis) },
    );
  }
  const o = checkOptions<ChannelImportanceOptions>(op, options, CHANNEL_IMPORTANCE_OPTIONS_KEYS);
  const norm = o.norm ?? 'l1';
  if (norm !== 'l1' && norm !== 'l2') {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.norm', "'l1' or 'l2'", o.norm);
  }
  const a = axis < 0 ? axis + rank : axis;
  let outer = 1;
  let inner = 1;
  tensor.shape.forEach((d, i) => {
    if (i < a) outer *= d;
    if (i > a) inner *= d;
  });
  const channels = tensor.shape[a] as number;
  return {
    weights: tensor.data,
    outer,
    channels,
    inner,
    norm: norm === 'l1' ? 1 : 2,
    out: allocateFloat32(op, 'the scores', channels),
  };
}

/**
 * Importance of every index along `axis`: the L1 (default) or L2 norm of the tensor's slice at that index,
 * accumulated in double. For an HWIO conv filter [kh, kw, cin, cout], axis 2 scores input channels
 * (sum over kh, kw, cout of |W|, the AMC criterion) and axis 3 output channels; for a Dense kernel [in, out],
 * axis 0 scores inputs and axis 1 outputs. Negative axes count from the end.
 *
 * @param weights a tensor of rank 1 to 6.
 * @param axis the axis in [-rank, rank).
 * @returns one score per index along the axis (an infinity or NaN in a slice makes its score non-finite).
 * @throws AmcError AMC_INVALID_ARGUMENT (not a tensor, bad norm), AMC_SHAPE_MISMATCH (data length differs from
 *   the shape), AMC_INDEX_OUT_OF_RANGE (axis).
 * @example
 * const scores = channelImportance({ data: kernel, shape: [3, 3, 64, 128] }, 2); // 64 input-channel scores
 */
export function channelImportance(weights: FloatTensor, axis: number, options?: ChannelImportanceOptions): Float32Array {
  const native = prepareImportance('channelImportance', weights, axis, options);
  const binding = loadNative();
  callNative('channelImportance', () => binding.channelImportance(native));
  return native.out;
}

/** {@link channelImportance} off the event loop. Do not modify the tensor until the promise settles. */
export async function channelImportanceAsync(
  weights: FloatTensor,
  axis: number,
  options?: ChannelImportanceOptions,
): Promise<Float32Array> {
  const native = prepareImportance('channelImportanceAsync', weights, axis, options);
  const binding = loadNative();
  await callNativeAsync('channelImportanceAsync', () => binding.channelImportanceAsync(native));
  return native.out;
}

function prepareTopK(op: string, scores: unknown, k: unknown): TopKNativeOptions {
  const s = checkFloat32(op, 'scores', scores);
  const n = checkLength(op, 'scores', s);
  const keep = checkInt(op, 'k', k, 0, n);
  return { scores: s, keep, out: new Int32Array(keep) };
}

/**
 * The indices of the k largest scores, sorted ascending by index: the kept-channel list a channel-sliced
 * conv takes. Ties go to lower indices (so exactly k are returned); -0 and +0 tie. O(n), no sort.
 *
 * @param scores one score per channel.
 * @param k how many to keep, an integer in [0, scores.length].
 * @throws AmcError AMC_INVALID_ARGUMENT (not a Float32Array, k out of range), AMC_NON_FINITE (a NaN score).
 * @example
 * topKIndices(Float32Array.from([0.5, 2, 2, 1]), 2); // Int32Array [1, 2]
 */
export function topKIndices(scores: Float32Array, k: number): Int32Array {
  const native = prepareTopK('topKIndices', scores, k);
  const binding = loadNative();
  callNative('topKIndices', () => binding.topKIndices(native));
  return native.out;
}

/** {@link topKIndices} off the event loop. Do not modify `scores` until the promise settles. */
export async function topKIndicesAsync(scores: Float32Array, k: number): Promise<Int32Array> {
  const native = prepareTopK('topKIndicesAsync', scores, k);
  const binding = loadNative();
  await callNativeAsync('topKIndicesAsync', () => binding.topKIndicesAsync(native));
  return native.out;
}
