/**
 * Least-squares reconstruction, AMC-SPEC section 4: after input channels are removed, refit the consuming
 * layer's weights so that its output on calibration data matches the original output.
 */
import { ErrorCode, type FloatTensor, argumentError } from '@amc/core';
import { callNative, callNativeAsync } from './call.js';
import { loadNative } from './load.js';
import type { LeastSquaresNativeOptions } from './binding/prune.js';
import { checkTensor } from './prune-checks.js';
import { checkBool, checkNumber, checkOptions, type OptionKeys } from './validate.js';

const LEAST_SQUARES_OPTIONS_KEYS: OptionKeys<LeastSquaresOptions> = { ridge: true, solver: true, fitIntercept: true };

/** Solver choice of {@link leastSquares}. */
export type LeastSquaresSolver = 'auto' | 'cholesky' | 'eigen';

/** The default ridge relative to the mean diagonal of X^T X (of the centred X with an intercept). */
export const DEFAULT_RELATIVE_RIDGE = 1e-6;

/** Options of {@link leastSquares}. */
export interface LeastSquaresOptions {
  /**
   * Ridge (Tikhonov) weight, >= 0, in the units of X^T X. Default: DEFAULT_RELATIVE_RIDGE (1e-6) times the mean
   * diagonal of X^T X (of the column-centred X when fitting an intercept); 0 when X is all zero.
   */
  ridge?: number;
  /**
   * `auto` (default): Cholesky of X^T X + ridge I in double, falling back to `eigen` when it breaks down (a
   * pivot not finite, below ridge / 2, or at the noise floor of X^T X when ridge is 0). `cholesky`: Cholesky
   * only, AMC_INVALID_ARGUMENT when it breaks down. `eigen`: symmetric eigendecomposition
   * X^T X = V diag(l) V^T, W = V diag(1 / (l + ridge)) V^T X^T Y over the eigenvalues above the noise floor
   * (about max(cols, 32) * 2^-23 times the largest diagonal of the float-formed Gram), the rest dropped: the
   * minimum-norm solution, finite even for a rank-deficient or all-zero X; `rank` reports how many were kept.
   */
  solver?: LeastSquaresSolver;
  /**
   * Also fit an intercept b (not ridge-penalised): minimise ||X W + 1 b^T - Y||. Solved on the centred X and Y,
   * b = mean(Y) - mean(X) W. Use it for a layer with a bias (fitting against Y, not Y - b_old). Default false.
   */
  fitIntercept?: boolean;
}

/** Result of {@link leastSquares}. */
export interface LeastSquaresResult {
  /** W, [cols, outs]. */
  weights: FloatTensor;
  /** b, [outs]; present only with `fitIntercept`. */
  intercept?: Float32Array;
  /** The solver that produced W (`auto` resolves to one of these). */
  solver: 'cholesky' | 'eigen';
  /** The ridge used (the default when none was given). */
  ridge: number;
  /**
   * ||X W (+ 1 b^T) - Y||_F / ||Y||_F, computed from X, W and Y (the absolute norm when Y is all zero; 0 for an
   * empty Y).
   */
  residual: number;
  /** The number of eigenvalues kept; present only when the solver is `eigen`. */
  rank?: number;
}

const SOLVERS: Record<LeastSquaresSolver, 0 | 1 | 2> = { auto: 0, cholesky: 1, eigen: 2 };

function prepare(op: string, x: unknown, y: unknown, options: unknown): LeastSquaresNativeOptions {
  const xt = checkTensor(op, 'x', x, 2, 2);
  const yt = checkTensor(op, 'y', y, 2, 2);
  const [rows, cols] = xt.shape as [number, number];
  const [yRows, outs] = yt.shape as [number, number];
  if (yRows !== rows) {
    throw argumentError(ErrorCode.ShapeMismatch, op, 'y.shape[0]', `${rows} rows (as x)`, yRows);
  }
  const o = checkOptions<LeastSquaresOptions>(op, options, LEAST_SQUARES_OPTIONS_KEYS);
  const solver = o.solver ?? 'auto';
  if (!Object.prototype.hasOwnProperty.call(SOLVERS, solver)) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.solver', "'auto', 'cholesky' or 'eigen'", o.solver);
  }
  const fitIntercept = checkBool(op, 'options.fitIntercept', o.fitIntercept, false);
  if (cols * outs > 2 ** 31 - 1) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'x', 'cols * outs < 2^31', [cols, outs]);
  }
  if (cols > 65536) throw argumentError(ErrorCode.InvalidArgument, op, 'x.shape[1]', 'at most 65536 columns', cols);
  const native: LeastSquaresNativeOptions = {
    x: xt.data,
    y: yt.data,
    rows,
    cols,
    outs,
    solver: SOLVERS[solver as LeastSquaresSolver],
    fitIntercept,
    weights: new Float32Array(cols * outs),
    info: new Float64Array(4),
  };
  if (o.ridge !== undefined) {
    const ridge = checkNumber(op, 'options.ridge', o.ridge);
    if (ridge < 0) throw argumentError(ErrorCode.InvalidArgument, op, 'options.ridge', 'a number >= 0', o.ridge);
    native.ridge = ridge;
  }
  if (fitIntercept) native.intercept = new Float32Array(outs);
  return native;
}

function result(native: LeastSquaresNativeOptions): LeastSquaresResult {
  const [solverCode, ridge, residual, rank] = native.info as unknown as [number, number, number, number];
  const out: LeastSquaresResult = {
    weights: { data: native.weights, shape: [native.cols, native.outs] },
    solver: solverCode === 2 ? 'eigen' : 'cholesky',
    ridge,
    residual,
  };
  if (native.intercept !== undefined) out.intercept = native.intercept;
  if (solverCode === 2) out.rank = rank;
  return out;
}

/**
 * Solves min_W ||X W - Y||_F^2 + ridge ||W||_F^2 (optionally with an unpenalised intercept) by the normal
 * equations: X^T X (lower triangle) and X^T Y by the native GEMM in float over 4096-row blocks summed in
 * double (columns whose mean dominates are shifted while packing and the shift added back in double), then
 * Cholesky in double, falling back to a truncated eigendecomposition (see
 * {@link LeastSquaresOptions.solver}). Never returns NaN: a rank-deficient X gives the regularised or
 * minimum-norm solution, an all-zero X gives W = 0. X and Y are checked for NaN and infinities natively (fused
 * with the column-mean pass).
 *
 * Cost: about rows * cols^2 (X^T X, lower triangle) + 4 rows * cols * outs (X^T Y and the residual) flops,
 * plus cols^3 / 3 in double.
 *
 * @param x [rows, cols], e.g. im2col rows of the kept input channels at sampled positions.
 * @param y [rows, outs], e.g. the original layer output at those positions (outs may be 0).
 * @throws AmcError AMC_INVALID_ARGUMENT (not a rank-2 tensor, bad option, solver 'cholesky' breaking down),
 *   AMC_SHAPE_MISMATCH (row counts differ, data length differs from the shape), AMC_NON_FINITE (NaN or
 *   infinity in x or y, a non-finite ridge).
 * @example
 * const { weights, residual } = leastSquares({ data: cols, shape: [30000, 576] }, { data: out, shape: [30000, 64] });
 */
export function leastSquares(x: FloatTensor, y: FloatTensor, options?: LeastSquaresOptions): LeastSquaresResult {
  const native = prepare('leastSquares', x, y, options);
  const binding = loadNative();
  callNative('leastSquares', () => binding.leastSquares(native));
  return result(native);
}

/** {@link leastSquares} off the event loop. Do not modify the tensors until the promise settles. */
export async function leastSquaresAsync(
  x: FloatTensor,
  y: FloatTensor,
  options?: LeastSquaresOptions,
): Promise<LeastSquaresResult> {
  const native = prepare('leastSquaresAsync', x, y, options);
  const binding = loadNative();
  await callNativeAsync('leastSquaresAsync', () => binding.leastSquaresAsync(native));
  return result(native);
}
