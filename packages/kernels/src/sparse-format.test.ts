import { Rng } from '@amc/core';
import { describe, expect, it } from 'vitest';
import {
  type BlockCsrMatrix,
  type CsrMatrix,
  blockCsrToDense,
  csrToDense,
  denseToBlockCsr,
  denseToBlockCsrAsync,
  denseToCsr,
  denseToCsrAsync,
  denseToSparse,
  filterToSparse,
  sparseToDense,
  validateSparseMatrix,
} from './sparse.js';
import { expectCode } from '@amc/testing';
import { TEST_SEED, randomArray, sparsify } from './test-utils.js';

describe('sparse formats', () => {
  it('builds the documented examples', () => {
    const csr = denseToCsr(Float32Array.of(1, 0, 2, 0, 0, 0, 0, 3, 0), 3, 3);
    expect(Array.from(csr.rowPtr)).toEqual([0, 2, 2, 3]);
    expect(Array.from(csr.colIdx)).toEqual([0, 2, 1]);
    expect(Array.from(csr.values)).toEqual([1, 2, 3]);
    const bcsr = denseToBlockCsr(Float32Array.of(1, 0, 2, 0, 0, 0, 0, 0, 0, 5), 5, 2);
    expect(bcsr.blockRows).toBe(4);
    expect(Array.from(bcsr.blockRowPtr)).toEqual([0, 1, 2]);
    expect(Array.from(bcsr.colIdx)).toEqual([0, 1]);
    expect(Array.from(bcsr.values)).toEqual([1, 2, 0, 0, 5, 0, 0, 0]);
  });

  it('round-trips dense -> sparse -> dense for both formats at every sparsity', async () => {
    const rng = new Rng(TEST_SEED);
    for (const [rows, cols] of [[1, 1], [3, 7], [4, 4], [5, 9], [17, 64], [64, 3]] as const) {
      for (const sparsity of [0, 0.5, 0.9, 0.99, 1]) {
        const dense = sparsify(rng, randomArray(rng, rows * cols), sparsity);
        const csr = denseToCsr(dense, rows, cols);
        const bcsr = denseToBlockCsr(dense, rows, cols);
        expect(validateSparseMatrix(csr)).toBe(csr);
        expect(validateSparseMatrix(bcsr)).toBe(bcsr);
        expect(csrToDense(csr)).toEqual(dense);
        expect(blockCsrToDense(bcsr)).toEqual(dense);
        expect(sparseToDense(denseToSparse(dense, rows, cols, 'bcsr'))).toEqual(dense);
        let nonzeros = 0;
        for (const v of dense) nonzeros += v !== 0 ? 1 : 0;
        expect(csr.colIdx.length).toBe(nonzeros);
        expect(bcsr.values.length).toBe(4 * bcsr.colIdx.length);
      }
    }
    const dense = randomArray(rng, 6 * 5);
    expect(csrToDense(await denseToCsrAsync(dense, 6, 5))).toEqual(dense);
    expect(blockCsrToDense(await denseToBlockCsrAsync(dense, 6, 5))).toEqual(dense);
  });

  it('keeps NaN as an entry and drops -0', () => {
    const csr = denseToCsr(Float32Array.of(Number.NaN, -0, 0, Number.POSITIVE_INFINITY), 2, 2);
    expect(Array.from(csr.colIdx)).toEqual([0, 1]);
    expect(Number.isNaN(csr.values[0])).toBe(true);
    expect(csr.values[1]).toBe(Number.POSITIVE_INFINITY);
  });

  it('handles empty matrices', () => {
    const empty = denseToCsr(new Float32Array(0), 0, 5);
    expect(Array.from(empty.rowPtr)).toEqual([0]);
    expect(denseToBlockCsr(new Float32Array(0), 3, 0).colIdx.length).toBe(0);
  });

  it('builds conv weights from an HWIO filter: column (ky * kw + kx) * cin + ci', () => {
    const rng = new Rng(TEST_SEED + 1);
    const [kh, kw, cin, cout] = [2, 3, 2, 5];
    const data = sparsify(rng, randomArray(rng, kh * kw * cin * cout), 0.5);
    for (const format of ['csr', 'bcsr'] as const) {
      const dense = sparseToDense(filterToSparse({ data, shape: [kh, kw, cin, cout] }, format));
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          for (let ci = 0; ci < cin; ci++) {
            for (let co = 0; co < cout; co++) {
              const k = (ky * kw + kx) * cin + ci;
              expect(dense[co * kh * kw * cin + k]).toBe(data[k * cout + co]);
            }
          }
        }
      }
    }
    expectCode(() => filterToSparse({ data, shape: [kh, kw, cin] }, 'csr'), 'AMC_INVALID_ARGUMENT', /rank 4/);
    expectCode(() => filterToSparse({ data, shape: [kh, kw, cin, cout] }, 'coo' as never), 'AMC_INVALID_ARGUMENT', /format/);
  });

  it('rejects hostile structures with coded errors', () => {
    const good: CsrMatrix = {
      format: 'csr',
      rows: 3,
      cols: 4,
      rowPtr: Int32Array.of(0, 2, 2, 3),
      colIdx: Int32Array.of(0, 3, 1),
      values: Float32Array.of(1, 2, 3),
    };
    const goodBlock: BlockCsrMatrix = {
      format: 'bcsr',
      rows: 5,
      cols: 2,
      blockRows: 4,
      blockRowPtr: Int32Array.of(0, 1, 2),
      colIdx: Int32Array.of(0, 1),
      values: new Float32Array(8),
    };
    validateSparseMatrix(good);
    validateSparseMatrix(goodBlock);
    const cases: [unknown, string, RegExp][] = [
      [null, 'AMC_INVALID_ARGUMENT', /CsrMatrix/],
      [{ ...good, format: 'coo' }, 'AMC_INVALID_ARGUMENT', /format/],
      [{ ...good, rows: -1 }, 'AMC_INVALID_ARGUMENT', /rows/],
      [{ ...good, cols: 1.5 }, 'AMC_INVALID_ARGUMENT', /cols/],
      [{ ...good, rowPtr: [0, 2, 2, 3] }, 'AMC_INVALID_ARGUMENT', /rowPtr/],
      [{ ...good, colIdx: Float32Array.of(0, 3, 1) }, 'AMC_INVALID_ARGUMENT', /colIdx/],
      [{ ...good, rowPtr: Int32Array.of(0, 2, 3) }, 'AMC_SHAPE_MISMATCH', /rowPtr/],
      [{ ...good, values: Float32Array.of(1, 2) }, 'AMC_SHAPE_MISMATCH', /values/],
      [{ ...good, rowPtr: Int32Array.of(1, 2, 2, 3) }, 'AMC_INVALID_ARGUMENT', /rowPtr\[0\]/],
      [{ ...good, rowPtr: Int32Array.of(0, 2, 2, 2) }, 'AMC_SHAPE_MISMATCH', /rowPtr\[3\]/],
      [{ ...good, rowPtr: Int32Array.of(0, 3, 2, 3) }, 'AMC_INVALID_ARGUMENT', /non-decreasing/],
      [{ ...good, rowPtr: Int32Array.of(0, 9, -1, 3) }, 'AMC_INVALID_ARGUMENT', /non-decreasing/],
      [{ ...good, colIdx: Int32Array.of(0, 4, 1) }, 'AMC_INDEX_OUT_OF_RANGE', /colIdx/],
      [{ ...good, colIdx: Int32Array.of(-1, 3, 1) }, 'AMC_INDEX_OUT_OF_RANGE', /colIdx/],
      [{ ...good, colIdx: Int32Array.of(3, 0, 1) }, 'AMC_INVALID_ARGUMENT', /strictly increasing/],
      [{ ...good, colIdx: Int32Array.of(1, 1, 1) }, 'AMC_INVALID_ARGUMENT', /strictly increasing/],
      [{ ...goodBlock, blockRows: 8 }, 'AMC_INVALID_ARGUMENT', /blockRows/],
      [{ ...goodBlock, blockRowPtr: Int32Array.of(0, 1, 2, 2) }, 'AMC_SHAPE_MISMATCH', /blockRowPtr/],
      [{ ...goodBlock, values: new Float32Array(2) }, 'AMC_SHAPE_MISMATCH', /values/],
      [{ ...goodBlock, colIdx: Int32Array.of(0, 2) }, 'AMC_INDEX_OUT_OF_RANGE', /colIdx/],
    ];
    for (const [matrix, code, message] of cases) expectCode(() => validateSparseMatrix(matrix, 'w', 'op'), code, message);
    // NaN values are data, not structure.
    validateSparseMatrix({ ...good, values: Float32Array.of(Number.NaN, 1, 2) });
    expectCode(() => csrToDense(goodBlock as never), 'AMC_INVALID_ARGUMENT', /format/);
    expectCode(() => blockCsrToDense(good as never), 'AMC_INVALID_ARGUMENT', /format/);
    expectCode(() => denseToCsr(new Float32Array(5), 2, 3), 'AMC_SHAPE_MISMATCH', /dense/);
    expectCode(() => denseToCsr(new Float32Array(6), 2, -3), 'AMC_INVALID_ARGUMENT', /cols|\[1\]/);
    expectCode(() => denseToSparse(new Float32Array(6), 2, 3, 'coo' as never), 'AMC_INVALID_ARGUMENT', /format/);
  });
});
