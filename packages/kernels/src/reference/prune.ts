/**
 * Pure-TS references of the prune family (sorting, naive loops, float64 normal equations with Gaussian
 * elimination). Slow and simple on purpose; no validation.
 */

/** Indices ordered by descending key, ties by ascending index (the family's tie rule). */
function rankOrder(keys: ArrayLike<number>): number[] {
  const order = Array.from({ length: keys.length }, (_, i) => i);
  order.sort((a, b) => {
    const ka = keys[a] as number;
    const kb = keys[b] as number;
    return ka !== kb ? (kb > ka ? 1 : -1) : a - b;
  });
  return order;
}

/** Reference of magnitudeThreshold: sort by |w|, k = round(density * n), the k-th largest |w| (+Inf for k = 0). */
export function referenceMagnitudeThreshold(weights: Float32Array, density: number): { threshold: number; kept: number } {
  const n = weights.length;
  const kept = Math.min(n, Math.max(0, Math.round(density * n)));
  if (kept === 0) return { threshold: Number.POSITIVE_INFINITY, kept };
  const order = rankOrder(Array.from(weights, Math.abs));
  return { threshold: Math.abs(weights[order[kept - 1] as number] as number), kept };
}

/** Reference of magnitudePrune: the pruned copy and the mask, by a full sort. */
export function referenceMagnitudePrune(weights: Float32Array, density: number): { out: Float32Array; mask: Uint8Array } {
  const n = weights.length;
  const kept = Math.min(n, Math.max(0, Math.round(density * n)));
  const order = rankOrder(Array.from(weights, Math.abs));
  const out = new Float32Array(n);
  const mask = new Uint8Array(n);
  for (let r = 0; r < kept; r++) {
    const i = order[r] as number;
    out[i] = weights[i] as number;
    mask[i] = 1;
  }
  return { out, mask };
}

/** Reference of topKIndices: sort by score (ties to lower indices), take k, sort the indices. */
export function referenceTopKIndices(scores: Float32Array, k: number): Int32Array {
  return Int32Array.from(rankOrder(scores).slice(0, k)).sort();
}

/** Reference of channelImportance: a naive loop over every element, float64 sums. */
export function referenceChannelImportance(
  data: Float32Array,
  shape: readonly number[],
  axis: number,
  norm: 'l1' | 'l2' = 'l1',
): Float32Array {
  const a = axis < 0 ? axis + shape.length : axis;
  const channels = shape[a] as number;
  let inner = 1;
  for (let i = a + 1; i < shape.length; i++) inner *= shape[i] as number;
  const sums = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) {
    const c = Math.floor(i / inner) % channels;
    const v = data[i] as number;
    sums[c] = (sums[c] as number) + (norm === 'l1' ? Math.abs(v) : v * v);
  }
  return Float32Array.from(sums, (s) => (norm === 'l1' ? s : Math.sqrt(s)));
}

/** Result of {@link referenceLeastSquares}, in float64. */
export interface ReferenceLeastSquaresResult {
  weights: Float64Array;
  intercept: Float64Array;
  residual: number;
}

/**
 * Solves (A + ridge I') W = B in float64 by Gaussian elimination with partial pivoting; B is n x m row-major.
 * Returns null when a pivot is exactly zero.
 */
function gaussianSolve(a: Float64Array, n: number, b: Float64Array, m: number): Float64Array | null {
  const A = a.slice();
  const B = b.slice();
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(A[r * n + col] as number) > Math.abs(A[pivot * n + col] as number)) pivot = r;
    }
    if (A[pivot * n + col] === 0) return null;
    if (pivot !== col) {
      for (let j = 0; j < n; j++) {
        const t = A[col * n + j] as number;
        A[col * n + j] = A[pivot * n + j] as number;
        A[pivot * n + j] = t;
      }
      for (let j = 0; j < m; j++) {
        const t = B[col * m + j] as number;
        B[col * m + j] = B[pivot * m + j] as number;
        B[pivot * m + j] = t;
      }
    }
    const d = A[col * n + col] as number;
    for (let r = col + 1; r < n; r++) {
      const f = (A[r * n + col] as number) / d;
      if (f === 0) continue;
      for (let j = col; j < n; j++) A[r * n + j] = (A[r * n + j] as number) - f * (A[col * n + j] as number);
      for (let j = 0; j < m; j++) B[r * m + j] = (B[r * m + j] as number) - f * (B[col * m + j] as number);
    }
  }
  for (let col = n - 1; col >= 0; col--) {
    const d = A[col * n + col] as number;
    for (let j = 0; j < m; j++) {
      let s = B[col * m + j] as number;
      for (let k = col + 1; k < n; k++) s -= (A[col * n + k] as number) * (B[k * m + j] as number);
      B[col * m + j] = s / d;
    }
  }
  return B;
}

/** ||X W + 1 b^T - Y||_F / ||Y||_F in float64 (the absolute norm when Y is all zero). */
export function referenceResidual(
  x: Float32Array,
  y: Float32Array,
  weights: ArrayLike<number>,
  intercept: ArrayLike<number> | undefined,
  rows: number,
  cols: number,
  outs: number,
): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < rows; i++) {
    for (let o = 0; o < outs; o++) {
      let s = intercept === undefined ? 0 : (intercept[o] as number);
      for (let j = 0; j < cols; j++) s += (x[i * cols + j] as number) * (weights[j * outs + o] as number);
      const t = y[i * outs + o] as number;
      num += (s - t) * (s - t);
      den += t * t;
    }
  }
  return den > 0 ? Math.sqrt(num / den) : Math.sqrt(num);
}

/**
 * Reference of leastSquares: the float64 normal equations [X 1]^T [X 1] (+ ridge on the X block only) solved by
 * Gaussian elimination. With a small positive ridge this approximates the minimum-norm solution of a
 * rank-deficient X. Throws when the system is exactly singular (use a ridge).
 */
export function referenceLeastSquares(
  x: Float32Array,
  y: Float32Array,
  rows: number,
  cols: number,
  outs: number,
  options: { ridge?: number; fitIntercept?: boolean } = {},
): ReferenceLeastSquaresResult {
  const fit = options.fitIntercept === true;
  const n = cols + (fit ? 1 : 0);
  const g = new Float64Array(n * n);
  const r = new Float64Array(n * outs);
  const row = new Float64Array(n);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) row[j] = x[i * cols + j] as number;
    if (fit) row[cols] = 1;
    for (let p = 0; p < n; p++) {
      const vp = row[p] as number;
      if (vp === 0) continue;
      for (let q = 0; q < n; q++) g[p * n + q] = (g[p * n + q] as number) + vp * (row[q] as number);
      for (let o = 0; o < outs; o++) r[p * outs + o] = (r[p * outs + o] as number) + vp * (y[i * outs + o] as number);
    }
  }
  const ridge = options.ridge ?? 0;
  for (let j = 0; j < cols; j++) g[j * n + j] = (g[j * n + j] as number) + ridge;
  const solution = gaussianSolve(g, n, r, outs);
  if (solution === null) throw new Error('referenceLeastSquares: singular system; use a ridge');
  const weights = solution.slice(0, cols * outs);
  const intercept = fit ? solution.slice(cols * outs) : new Float64Array(outs);
  const residual = referenceResidual(x, y, weights, fit ? intercept : undefined, rows, cols, outs);
  return { weights, intercept, residual };
}
