/**
 * Fine-grained (magnitude) pruning, AMC-SPEC section 5: keep the largest-|w| fraction of a layer's weights.
 *
 * Tie rule (everywhere in this family): exactly k = round(density * n) entries are kept; among entries of
 * equal magnitude, lower indices are kept first. Magnitudes compare by value, so -x and +x tie, as do -0 and
 * +0. NaN weights are rejected (AMC_NON_FINITE: they have no order); infinities order as the largest
 * magnitudes. The native code selects in O(n) (a radix select over the bits of |w|), never sorting.
 */
import { ErrorCode, argumentError } from '@amc/core';
import { callNative, callNativeAsync } from './call.js';
import { loadNative } from './load.js';
import type { MagnitudeNativeOptions } from './binding/prune.js';
import { checkDensity, checkLength } from './prune-checks.js';
import { checkFloat32, checkOptions, type OptionKeys } from './validate.js';

const MAGNITUDE_PRUNE_OPTIONS_KEYS: OptionKeys<MagnitudePruneOptions> = { out: true, mask: true };

/** Result of {@link magnitudeThreshold}. */
export interface MagnitudeThresholdResult {
  /**
   * The k-th largest |w| (k = round(density * n)), or +Infinity when k = 0. Every |w| above it is kept; entries
   * equal to it are kept lowest index first until k are kept.
   */
  threshold: number;
  /** k, the number of entries kept. */
  kept: number;
}

/** Options of {@link magnitudePrune}. */
export interface MagnitudePruneOptions {
  /** Where the pruned weights go (length n); may be `weights` itself to prune in place. Default: a new array. */
  out?: Float32Array;
  /** Receives 1 for every kept entry and 0 for every pruned one (length n). */
  mask?: Uint8Array;
}

/** The number of weights kept at a density: `Math.round(density * n)`. */
export function magnitudeKeepCount(n: number, density: number): number {
  return Math.min(n, Math.max(0, Math.round(density * n)));
}

function prepareThreshold(op: string, weights: unknown, density: unknown): MagnitudeNativeOptions {
  const w = checkFloat32(op, 'weights', weights);
  checkLength(op, 'weights', w);
  const d = checkDensity(op, 'density', density);
  return { weights: w, keep: magnitudeKeepCount(w.length, d), threshold: new Float32Array(1) };
}

function thresholdResult(native: MagnitudeNativeOptions): MagnitudeThresholdResult {
  return { threshold: native.threshold?.[0] ?? Number.POSITIVE_INFINITY, kept: native.keep };
}

/**
 * The magnitude threshold of per-tensor top-k pruning: the k-th largest |w| with k = round(density * n).
 *
 * @param weights the layer's weights (any layout).
 * @param density the fraction of weights to keep, in [0, 1].
 * @returns `{ threshold, kept }` (threshold +Infinity when nothing is kept).
 * @throws AmcError AMC_INVALID_ARGUMENT (not a Float32Array, density outside [0, 1]), AMC_NON_FINITE (a NaN
 *   weight, or a NaN / infinite density).
 * @example
 * const { threshold, kept } = magnitudeThreshold(kernel, 0.25); // keep the largest quarter
 */
export function magnitudeThreshold(weights: Float32Array, density: number): MagnitudeThresholdResult {
  const native = prepareThreshold('magnitudeThreshold', weights, density);
  const binding = loadNative();
  callNative('magnitudeThreshold', () => binding.magnitudePrune(native));
  return thresholdResult(native);
}

/** {@link magnitudeThreshold} off the event loop. Do not modify `weights` until the promise settles. */
export async function magnitudeThresholdAsync(weights: Float32Array, density: number): Promise<MagnitudeThresholdResult> {
  const native = prepareThreshold('magnitudeThresholdAsync', weights, density);
  const binding = loadNative();
  await callNativeAsync('magnitudeThresholdAsync', () => binding.magnitudePruneAsync(native));
  return thresholdResult(native);
}

function preparePrune(op: string, weights: unknown, density: unknown, options: unknown): MagnitudeNativeOptions {
  const native = prepareThreshold(op, weights, density);
  const o = checkOptions<MagnitudePruneOptions>(op, options, MAGNITUDE_PRUNE_OPTIONS_KEYS);
  const n = native.weights.length;
  native.out = o.out === undefined ? new Float32Array(n) : checkFloat32(op, 'options.out', o.out, n);
  if (o.mask !== undefined) {
    if (!(o.mask instanceof Uint8Array)) {
      throw argumentError(ErrorCode.InvalidArgument, op, 'options.mask', 'a Uint8Array', o.mask);
    }
    if (o.mask.length !== n) {
      throw argumentError(ErrorCode.ShapeMismatch, op, 'options.mask', `a Uint8Array of length ${n}`, o.mask);
    }
    native.mask = o.mask;
  }
  return native;
}

/**
 * Per-tensor magnitude pruning: a copy of `weights` (or `options.out`) with exactly the n - k smallest-|w|
 * entries zeroed, k = round(density * n), ties kept lowest index first (see the module comment). Kept entries
 * keep their value and sign; pruned entries become +0.
 *
 * @param weights the layer's weights (any layout).
 * @param density the fraction of weights to keep, in [0, 1].
 * @param options `out` (may be `weights` for in place) and `mask` (1 kept, 0 pruned).
 * @returns the pruned weights (`options.out` when given).
 * @throws AmcError AMC_INVALID_ARGUMENT, AMC_SHAPE_MISMATCH (out or mask of another length), AMC_NON_FINITE
 *   (a NaN weight).
 * @example
 * const mask = new Uint8Array(kernel.length);
 * const sparse = magnitudePrune(kernel, 0.3, { mask }); // 30% of the weights survive
 */
export function magnitudePrune(weights: Float32Array, density: number, options?: MagnitudePruneOptions): Float32Array {
  const native = preparePrune('magnitudePrune', weights, density, options);
  const binding = loadNative();
  callNative('magnitudePrune', () => binding.magnitudePrune(native));
  return native.out as Float32Array;
}

/** {@link magnitudePrune} off the event loop. Do not touch the buffers until the promise settles. */
export async function magnitudePruneAsync(
  weights: Float32Array,
  density: number,
  options?: MagnitudePruneOptions,
): Promise<Float32Array> {
  const native = preparePrune('magnitudePruneAsync', weights, density, options);
  const binding = loadNative();
  await callNativeAsync('magnitudePruneAsync', () => binding.magnitudePruneAsync(native));
  return native.out as Float32Array;
}
