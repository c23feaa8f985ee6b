/**
 * Order statistics of timing samples. Medians and quartiles use linear interpolation between order
 * statistics (the "type 7" quantile of R and numpy's default), so they agree with numpy.percentile.
 */

/** Summary of a list of samples (all in the samples' unit, milliseconds in this package). */
export interface SampleStats {
  /** Number of samples. */
  n: number;
  median: number;
  min: number;
  max: number;
  /** First quartile (25th percentile). */
  q1: number;
  /** Third quartile (75th percentile). */
  q3: number;
  /** Interquartile range q3 - q1. */
  iqr: number;
  /** Median absolute deviation from the median (unscaled). */
  mad: number;
  mean: number;
}

/**
 * The `p`-quantile (0 <= p <= 1) of already sorted values, interpolating linearly between neighbours.
 *
 * @throws RangeError when `sorted` is empty or `p` is outside [0, 1].
 * @example quantileSorted([1, 2, 3, 4], 0.5) // 2.5
 */
export function quantileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('quantileSorted: expected at least one value but received none');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantileSorted: expected p in [0, 1] but received ${p}`);
  const position = (sorted.length - 1) * p;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (position - lower);
}

/**
 * The median of `values` (any order).
 *
 * @throws RangeError when `values` is empty.
 * @example median([3, 1, 2]) // 2
 */
export function median(values: readonly number[]): number {
  return quantileSorted([...values].sort((a, b) => a - b), 0.5);
}

/**
 * Median, extremes, quartiles, IQR, MAD and mean of `samples`.
 *
 * @throws RangeError when `samples` is empty.
 */
export function summarize(samples: readonly number[]): SampleStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = quantileSorted(sorted, 0.5);
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  const deviations = sorted.map((v) => Math.abs(v - mid)).sort((a, b) => a - b);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n: sorted.length,
    median: mid,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    q1,
    q3,
    iqr: q3 - q1,
    mad: quantileSorted(deviations, 0.5),
    mean: sum / sorted.length,
  };
}

/**
 * The geometric mean of positive values (the right average of speed ratios); NaN when empty.
 *
 * @example geometricMean([2, 8]) // 4
 */
export function geometricMean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let logSum = 0;
  for (const v of values) logSum += Math.log(v);
  return Math.exp(logSum / values.length);
}

/**
 * The sparsity at which a sparse kernel starts to beat dense, from speedups (dense time / sparse time)
 * measured at increasing sparsities: linear interpolation of the first crossing of 1.
 *
 * @returns `{ kind: 'below', at }` when already faster at the lowest sparsity measured, `{ kind: 'above', at }`
 * when never faster up to the highest, otherwise `{ kind: 'at', at }` with the interpolated sparsity.
 * @example breakEvenSparsity([0, 0.5, 0.9], [0.5, 0.8, 1.2]) // { kind: 'at', at: 0.7 }
 */
export function breakEvenSparsity(
  sparsities: readonly number[],
  speedups: readonly number[],
): { kind: 'below' | 'at' | 'above'; at: number } | undefined {
  const points = sparsities
    .map((s, i) => [s, speedups[i]] as const)
    .filter((p): p is readonly [number, number] => p[1] !== undefined && Number.isFinite(p[1]))
    .sort((a, b) => a[0] - b[0]);
  const first = points[0];
  const last = points[points.length - 1];
  if (first === undefined || last === undefined) return undefined;
  if (first[1] >= 1) return { kind: 'below', at: first[0] };
  for (let i = 1; i < points.length; i++) {
    const [s0, v0] = points[i - 1] as readonly [number, number];
    const [s1, v1] = points[i] as readonly [number, number];
    if (v0 < 1 && v1 >= 1) return { kind: 'at', at: s0 + ((1 - v0) * (s1 - s0)) / (v1 - v0) };
  }
  return { kind: 'above', at: last[0] };
}
