/**
 * Sparse weight formats (CSR and 4 x 1 block CSR), their validation, and conversions from and to dense.
 */
import { AmcError, ErrorCode, argumentError } from '@amc/core';
import { callNative, callNativeAsync } from './call.js';
import { loadNative } from './load.js';
import type { DenseToSparseNativeOptions, SparseNativeMatrix } from './binding/sparse.js';
import { checkDims, checkFloat32, checkInt, allocateFloat32, allocateTyped } from './validate.js';

/**
 * A sparse matrix in compressed sparse row form. Rows are output channels (M), columns input features (K).
 * Row `r` holds the entries `rowPtr[r] .. rowPtr[r + 1] - 1`: column `colIdx[e]`, value `values[e]`, columns
 * strictly increasing within a row.
 *
 * @example
 * // [[1, 0, 2],
 * //  [0, 0, 0],
 * //  [0, 3, 0]]
 * const a: CsrMatrix = {
 *   format: 'csr', rows: 3, cols: 3,
 *   rowPtr: Int32Array.of(0, 2, 2, 3), colIdx: Int32Array.of(0, 2, 1), values: Float32Array.of(1, 2, 3),
 * };
 */
export interface CsrMatrix {
  readonly format: 'csr';
  readonly rows: number;
  readonly cols: number;
  /** rows + 1 non-decreasing offsets, from 0 to the entry count. */
  readonly rowPtr: Int32Array;
  /** One column index per entry, in [0, cols). */
  readonly colIdx: Int32Array;
  /** One value per entry (NaN and infinities are data and pass through). */
  readonly values: Float32Array;
}

/**
 * A sparse matrix in block CSR form with 4 x 1 blocks: 4 consecutive output rows by 1 column. A block is stored
 * when any of its 4 values is nonzero; block row `g` (rows 4g .. 4g + 3) holds blocks `blockRowPtr[g] ..
 * blockRowPtr[g + 1] - 1`, block `b` at column `colIdx[b]` with values `values[4b .. 4b + 3]` (rows past the
 * last are zero). Each activation vector the kernel loads then feeds 4 FMAs instead of 1.
 *
 * @example
 * // rows = 5 (two block rows, the second padded), cols = 2:
 * // [[1, 0], [2, 0], [0, 0], [0, 0], [0, 5]]
 * const a: BlockCsrMatrix = {
 *   format: 'bcsr', rows: 5, cols: 2, blockRows: 4,
 *   blockRowPtr: Int32Array.of(0, 1, 2), colIdx: Int32Array.of(0, 1),
 *   values: Float32Array.of(1, 2, 0, 0, 5, 0, 0, 0),
 * };
 */
export interface BlockCsrMatrix {
  readonly format: 'bcsr';
  readonly rows: number;
  readonly cols: number;
  readonly blockRows: 4;
  /** ceil(rows / 4) + 1 non-decreasing offsets, from 0 to the block count. */
  readonly blockRowPtr: Int32Array;
  /** One column index per block, in [0, cols). */
  readonly colIdx: Int32Array;
  /** Four values per block (row 4g + i at 4b + i), zero past the last row. */
  readonly values: Float32Array;
}

/** Either sparse format. */
export type SparseMatrix = CsrMatrix | BlockCsrMatrix;

/** The name of a sparse format. */
export type SparseFormat = SparseMatrix['format'];

const BLOCK_ROWS = 4;

function structureError(code: (typeof ErrorCode)[keyof typeof ErrorCode], op: string, argument: string, expected: string, received: string): AmcError {
  return new AmcError(code, `${op}: expected ${expected} for ${argument} but received ${received}`, {
    operation: op,
    argument,
    expected,
    received,
  });
}

/**
 * Checks a sparse matrix's structure: format, dimensions, typed-array types, lengths (rowPtr of rows + 1 or
 * ceil(rows / 4) + 1 entries, one or four values per column index), rowPtr starting at 0, non-decreasing and
 * ending at the entry count, column indices in [0, cols) and strictly increasing within a row. Values are not
 * checked (NaN propagates). Costs O(rows + entries). Returns the matrix.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT (types, rowPtr not starting at 0 or decreasing, columns not increasing),
 * AMC_SHAPE_MISMATCH (inconsistent lengths), AMC_INDEX_OUT_OF_RANGE (a column outside [0, cols)).
 * @example
 * validateSparseMatrix(weights, 'weights', 'myOp');
 */
export function validateSparseMatrix(matrix: unknown, argumentName: unknown = 'matrix', opName: unknown = 'validateSparseMatrix'): SparseMatrix {
  // The names only label error messages; anything but a string falls back to the defaults.
  const argument = typeof argumentName === 'string' ? argumentName : 'matrix';
  const op = typeof opName === 'string' ? opName : 'validateSparseMatrix';
  if (typeof matrix !== 'object' || matrix === null || Array.isArray(matrix) || ArrayBuffer.isView(matrix)) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, 'a CsrMatrix or BlockCsrMatrix', matrix);
  }
  const m = matrix as Record<string, unknown>;
  const format = m.format;
  if (format !== 'csr' && format !== 'bcsr') {
    throw argumentError(ErrorCode.InvalidArgument, op, `${argument}.format`, "'csr' or 'bcsr'", format);
  }
  const rows = checkInt(op, `${argument}.rows`, m.rows);
  const cols = checkInt(op, `${argument}.cols`, m.cols);
  const ptrName = format === 'csr' ? 'rowPtr' : 'blockRowPtr';
  if (format === 'bcsr' && m.blockRows !== BLOCK_ROWS) {
    throw argumentError(ErrorCode.InvalidArgument, op, `${argument}.blockRows`, '4', m.blockRows);
  }
  const rowPtr = m[ptrName];
  const colIdx = m.colIdx;
  if (!(rowPtr instanceof Int32Array)) throw argumentError(ErrorCode.InvalidArgument, op, `${argument}.${ptrName}`, 'an Int32Array', rowPtr);
  if (!(colIdx instanceof Int32Array)) throw argumentError(ErrorCode.InvalidArgument, op, `${argument}.colIdx`, 'an Int32Array', colIdx);
  const values = checkFloat32(op, `${argument}.values`, m.values);
  const groups = format === 'csr' ? rows : Math.ceil(rows / BLOCK_ROWS);
  const perEntry = format === 'csr' ? 1 : BLOCK_ROWS;
  const entries = colIdx.length;
  if (rowPtr.length !== groups + 1) {
    throw argumentError(ErrorCode.ShapeMismatch, op, `${argument}.${ptrName}`, `an Int32Array of length ${groups + 1}`, rowPtr);
  }
  if (values.length !== entries * perEntry) {
    throw argumentError(ErrorCode.ShapeMismatch, op, `${argument}.values`, `a Float32Array of length ${entries * perEntry} (${perEntry} per column index)`, values);
  }
  if (rowPtr[0] !== 0) {
    throw structureError(ErrorCode.InvalidArgument, op, `${argument}.${ptrName}[0]`, '0', String(rowPtr[0]));
  }
  if (rowPtr[groups] !== entries) {
    throw structureError(ErrorCode.ShapeMismatch, op, `${argument}.${ptrName}[${groups}]`, `the number of column indices (${entries})`, String(rowPtr[groups]));
  }
  for (let r = 0; r < groups; r++) {
    const begin = rowPtr[r] as number;
    const end = rowPtr[r + 1] as number;
    if (end < begin || end > entries) {
      throw structureError(ErrorCode.InvalidArgument, op, `${argument}.${ptrName}`, `non-decreasing offsets in [0, ${entries}]`, `${end} after ${begin} at index ${r + 1}`);
    }
  }
  for (let r = 0; r < groups; r++) {
    const begin = rowPtr[r] as number;
    const end = rowPtr[r + 1] as number;
    let previous = -1;
    for (let e = begin; e < end; e++) {
      const col = colIdx[e] as number;
      if (col < 0 || col >= cols) {
        throw structureError(ErrorCode.IndexOutOfRange, op, `${argument}.colIdx`, `column indices in [0, ${cols})`, `${col} at position ${e}`);
      }
      if (col <= previous) {
        throw structureError(ErrorCode.InvalidArgument, op, `${argument}.colIdx`, 'strictly increasing columns within a row', `${col} after ${previous} at position ${e}`);
      }
      previous = col;
    }
  }
  return matrix as SparseMatrix;
}

/** The plain object the addon reads (after {@link validateSparseMatrix}). */
export function nativeSparse(a: SparseMatrix): SparseNativeMatrix {
  return {
    format: a.format === 'csr' ? 0 : 1,
    rows: a.rows,
    cols: a.cols,
    rowPtr: a.format === 'csr' ? a.rowPtr : a.blockRowPtr,
    colIdx: a.colIdx,
    values: a.values,
  };
}

function prepareDense(op: string, dense: unknown, rows: unknown, cols: unknown): [Float32Array, number, number] {
  checkDims(op, '[rows, cols]', [rows as number, cols as number]);
  const r = rows as number;
  const c = cols as number;
  return [checkFloat32(op, 'dense', dense, r * c), r, c];
}

function groupsOf(format: SparseFormat, rows: number): number {
  return format === 'csr' ? rows : Math.ceil(rows / BLOCK_ROWS);
}

function assemble(format: SparseFormat, rows: number, cols: number, rowPtr: Int32Array, colIdx: Int32Array, values: Float32Array): SparseMatrix {
  if (format === 'csr') return { format, rows, cols, rowPtr, colIdx, values };
  return { format, rows, cols, blockRows: BLOCK_ROWS, blockRowPtr: rowPtr, colIdx, values };
}

function convert(op: string, format: SparseFormat, dense: unknown, rows: unknown, cols: unknown): SparseMatrix {
  const [data, r, c] = prepareDense(op, dense, rows, cols);
  const native = loadNative();
  const options: DenseToSparseNativeOptions = {
    format: format === 'csr' ? 0 : 1,
    dense: data,
    rows: r,
    cols: c,
    rowPtr: allocateTyped(op, 'rowPtr', Int32Array, groupsOf(format, r) + 1),
  };
  callNative(op, () => native.denseToSparseCount(options));
  const entries = options.rowPtr[options.rowPtr.length - 1] as number;
  options.colIdx = new Int32Array(entries);
  options.values = new Float32Array(entries * (format === 'csr' ? 1 : BLOCK_ROWS));
  callNative(op, () => native.denseToSparseFill(options));
  return assemble(format, r, c, options.rowPtr, options.colIdx, options.values);
}

async function convertAsync(op: string, format: SparseFormat, dense: unknown, rows: unknown, cols: unknown): Promise<SparseMatrix> {
  const [data, r, c] = prepareDense(op, dense, rows, cols);
  const native = loadNative();
  const options: DenseToSparseNativeOptions = {
    format: format === 'csr' ? 0 : 1,
    dense: data,
    rows: r,
    cols: c,
    rowPtr: allocateTyped(op, 'rowPtr', Int32Array, groupsOf(format, r) + 1),
  };
  await callNativeAsync(op, () => native.denseToSparseCountAsync(options));
  const entries = options.rowPtr[options.rowPtr.length - 1] as number;
  options.colIdx = new Int32Array(entries);
  options.values = new Float32Array(entries * (format === 'csr' ? 1 : BLOCK_ROWS));
  await callNativeAsync(op, () => native.denseToSparseFillAsync(options));
  return assemble(format, r, c, options.rowPtr, options.colIdx, options.values);
}

/**
 * Converts a dense row-major `rows x cols` matrix to CSR (natively, in parallel over rows). Every value that
 * compares unequal to 0 is kept (NaN included; -0 dropped).
 *
 * @throws AmcError AMC_INVALID_ARGUMENT (rows, cols), AMC_SHAPE_MISMATCH (dense length).
 * @example
 * const a = denseToCsr(Float32Array.of(1, 0, 2, 0, 0, 0, 0, 3, 0), 3, 3); // a.rowPtr = [0, 2, 2, 3]
 */
export function denseToCsr(dense: Float32Array, rows: number, cols: number): CsrMatrix {
  return convert('denseToCsr', 'csr', dense, rows, cols) as CsrMatrix;
}

/** {@link denseToCsr} off the event loop. */
export async function denseToCsrAsync(dense: Float32Array, rows: number, cols: number): Promise<CsrMatrix> {
  return (await convertAsync('denseToCsrAsync', 'csr', dense, rows, cols)) as CsrMatrix;
}

/**
 * Converts a dense row-major `rows x cols` matrix to 4 x 1 block CSR (natively, in parallel over block rows): a
 * block is kept when any of its (up to) 4 values is nonzero; rows past `rows` are zero-padded.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT (rows, cols), AMC_SHAPE_MISMATCH (dense length).
 * @example
 * const a = denseToBlockCsr(weights, 256, 256); // a.values.length === 4 * a.colIdx.length
 */
export function denseToBlockCsr(dense: Float32Array, rows: number, cols: number): BlockCsrMatrix {
  return convert('denseToBlockCsr', 'bcsr', dense, rows, cols) as BlockCsrMatrix;
}

/** {@link denseToBlockCsr} off the event loop. */
export async function denseToBlockCsrAsync(dense: Float32Array, rows: number, cols: number): Promise<BlockCsrMatrix> {
  return (await convertAsync('denseToBlockCsrAsync', 'bcsr', dense, rows, cols)) as BlockCsrMatrix;
}

/**
 * Converts a dense matrix to the given format ({@link denseToCsr} or {@link denseToBlockCsr}).
 *
 * @throws AmcError as those, and AMC_INVALID_ARGUMENT for an unknown format.
 */
export function denseToSparse(dense: Float32Array, rows: number, cols: number, format: SparseFormat): SparseMatrix {
  if (format !== 'csr' && format !== 'bcsr') {
    throw argumentError(ErrorCode.InvalidArgument, 'denseToSparse', 'format', "'csr' or 'bcsr'", format);
  }
  return convert('denseToSparse', format, dense, rows, cols);
}

/**
 * Expands a sparse matrix (either format) to a dense row-major `rows x cols` Float32Array.
 *
 * @throws AmcError as {@link validateSparseMatrix}.
 * @example
 * const dense = sparseToDense(denseToBlockCsr(w, 8, 8)); // equals w
 */
export function sparseToDense(matrix: SparseMatrix): Float32Array {
  const a = validateSparseMatrix(matrix, 'matrix', 'sparseToDense');
  return a.format === 'csr' ? expandCsr(a) : expandBlockCsr(a);
}

function expandCsr(a: CsrMatrix): Float32Array {
  const out = allocateFloat32('sparseToDense', 'the dense matrix', a.rows * a.cols);
  for (let r = 0; r < a.rows; r++) {
    for (let e = a.rowPtr[r] as number; e < (a.rowPtr[r + 1] as number); e++) out[r * a.cols + (a.colIdx[e] as number)] = a.values[e] as number;
  }
  return out;
}

function expandBlockCsr(a: BlockCsrMatrix): Float32Array {
  const out = allocateFloat32('sparseToDense', 'the dense matrix', a.rows * a.cols);
  const groups = Math.ceil(a.rows / BLOCK_ROWS);
  for (let g = 0; g < groups; g++) {
    for (let e = a.blockRowPtr[g] as number; e < (a.blockRowPtr[g + 1] as number); e++) {
      const col = a.colIdx[e] as number;
      for (let i = 0; i < BLOCK_ROWS && g * BLOCK_ROWS + i < a.rows; i++) {
        out[(g * BLOCK_ROWS + i) * a.cols + col] = a.values[e * BLOCK_ROWS + i] as number;
      }
    }
  }
  return out;
}

/**
 * Expands a CSR matrix to dense row-major.
 *
 * @throws AmcError as {@link validateSparseMatrix}, and AMC_INVALID_ARGUMENT for a block CSR matrix.
 */
export function csrToDense(matrix: CsrMatrix): Float32Array {
  const a = validateSparseMatrix(matrix, 'matrix', 'csrToDense');
  if (a.format !== 'csr') throw argumentError(ErrorCode.InvalidArgument, 'csrToDense', 'matrix.format', "'csr'", a.format);
  return expandCsr(a);
}

/**
 * Expands a 4 x 1 block CSR matrix to dense row-major.
 *
 * @throws AmcError as {@link validateSparseMatrix}, and AMC_INVALID_ARGUMENT for a CSR matrix.
 */
export function blockCsrToDense(matrix: BlockCsrMatrix): Float32Array {
  const a = validateSparseMatrix(matrix, 'matrix', 'blockCsrToDense');
  if (a.format !== 'bcsr') throw argumentError(ErrorCode.InvalidArgument, 'blockCsrToDense', 'matrix.format', "'bcsr'", a.format);
  return expandBlockCsr(a);
}
