import { Rng } from '@amc/core';
import { describe, expect, it } from 'vitest';
import { expectCode, expectNativeCode } from '@amc/testing';
import { loadNative } from './load.js';
import type { NativeKernelInfo } from './native-binding.js';
import { getNativeInfo } from './runtime.js';
import { nativeSparse } from './sparse-format.js';
import { referenceSpmm } from './reference/sparse.js';
import { type SparseFormat, type SparseMatrix, denseToSparse, spmm, spmmAsync } from './sparse.js';
import { TEST_SEED, expectClose, forEachIsa, randomArray, sparsify } from './test-utils.js';

const FORMATS: SparseFormat[] = ['csr', 'bcsr'];

function randomSparse(rng: Rng, rows: number, cols: number, sparsity: number, format: SparseFormat): SparseMatrix {
  return denseToSparse(sparsify(rng, randomArray(rng, rows * cols), sparsity), rows, cols, format);
}

describe('spmm', () => {
  it('every compiled variant this CPU runs matches the reference on edge-case shapes at every sparsity', () => {
    const rng = new Rng(TEST_SEED);
    const native = loadNative();
    const variants = (getNativeInfo().kernels.spmm ?? []) as (NativeKernelInfo & { format?: string })[];
    expect(variants.map((v) => v.isa)).toEqual(expect.arrayContaining(['scalar', 'avx2', 'avx512']));
    expect(new Set(variants.map((v) => v.format))).toEqual(new Set(['csr', 'bcsr']));
    const ms = [1, 3, 4, 5, 17];
    const ks = [1, 7, 64];
    const ns = [1, 7, 8, 15, 16, 17, 63, 64, 65, 200];
    const sparsities = [0, 0.5, 0.9, 0.99, 1];
    for (const variant of variants.filter((v) => v.available)) {
      const format = variant.format as SparseFormat;
      for (const m of ms) {
        for (const k of ks) {
          for (const n of ns) {
            for (const sparsity of sparsities) {
              const a = randomSparse(rng, m, k, sparsity, format);
              const b = randomArray(rng, k * n);
              const bias = randomArray(rng, m);
              const activation = (m + n) % 3;
              const c = new Float32Array(m * n);
              native.spmm({ weights: nativeSparse(a), b, n, c, bias, activation: activation as 0 | 1 | 2, ukernel: variant.name });
              const want = referenceSpmm(a, b, n, { bias, activation: (['none', 'relu', 'relu6'] as const)[activation] });
              expectClose(c, want, `${variant.name} ${m}x${k}x${n} s=${sparsity}`);
            }
          }
        }
      }
    }
  });

  it('selects a variant on every ISA cap and matches the reference', () => {
    const rng = new Rng(TEST_SEED + 5);
    forEachIsa((isa) => {
      for (const [m, k, n] of [[5, 7, 1], [17, 64, 15], [4, 300, 65], [33, 600, 40], [9, 20, 200]] as const) {
        for (const format of FORMATS) {
          const a = randomSparse(rng, m, k, 0.7, format);
          const b = randomArray(rng, k * n);
          expectClose(spmm(a, b, n), referenceSpmm(a, b, n), `${isa} ${format} ${m}x${k}x${n}`);
        }
      }
    });
  });

  it('rejects a forced variant that is unknown, of the other format or beyond this CPU', () => {
    const native = loadNative();
    const a = nativeSparse(denseToSparse(Float32Array.of(1, 0, 0, 1), 2, 2, 'csr'));
    const options = { weights: a, b: new Float32Array(4), n: 2, c: new Float32Array(4) };
    expectNativeCode(() => native.spmm({ ...options, ukernel: 'f32_spmm_nope' }), 'AMC_INVALID_ARGUMENT', /ukernel/);
    expectNativeCode(() => native.spmm({ ...options, ukernel: 'f32_spmm_bcsr4_ukernel_8__scalar' }), 'AMC_INVALID_ARGUMENT', /ukernel/);
    const missing = (getNativeInfo().kernels.spmm ?? []).find((v) => !v.available);
    if (missing !== undefined) expectNativeCode(() => native.spmm({ ...options, ukernel: missing.name }), 'AMC_UNSUPPORTED_ISA');
  });

  it('covers every sparsity with bias and every activation on tile-sized shapes', () => {
    const rng = new Rng(TEST_SEED + 1);
    forEachIsa((isa) => {
      for (const sparsity of [0, 0.5, 0.9, 0.99, 1]) {
        for (const [m, k, n] of [[17, 64, 65], [5, 7, 200], [33, 40, 24]] as const) {
          for (const activation of ['none', 'relu', 'relu6'] as const) {
            for (const format of FORMATS) {
              const a = randomSparse(rng, m, k, sparsity, format);
              const b = randomArray(rng, k * n, -3, 3);
              const bias = randomArray(rng, m, -2, 2);
              const options = { bias, activation };
              expectClose(spmm(a, b, n, options), referenceSpmm(a, b, n, options), `${isa} ${format} s=${sparsity} ${activation}`);
            }
          }
        }
      }
    });
  });

  it('gives act(bias) for all-zero weights and writes into options.out', () => {
    const bias = Float32Array.of(1, -2, 7);
    for (const format of FORMATS) {
      const a = denseToSparse(new Float32Array(3 * 4), 3, 4, format);
      const out = new Float32Array(3 * 2).fill(99);
      const got = spmm(a, randomArray(new Rng(1), 4 * 2), 2, { bias, activation: 'relu6', out });
      expect(got).toBe(out);
      expect(Array.from(got)).toEqual([1, 1, 0, 0, 6, 6]);
      expect(spmm(a, new Float32Array(0), 0).length).toBe(0);
    }
    const empty = denseToSparse(new Float32Array(0), 2, 0, 'csr');
    expect(Array.from(spmm(empty, new Float32Array(0), 3, { bias: Float32Array.of(1, 2) }))).toEqual([1, 1, 1, 2, 2, 2]);
  });

  it('propagates NaN in weights and activations (never rejects data values)', () => {
    forEachIsa((isa) => {
      for (const format of FORMATS) {
        const dense = Float32Array.of(1, 0, Number.NaN, 2);
        const a = denseToSparse(dense, 2, 2, format);
        const b = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18);
        for (const activation of ['none', 'relu', 'relu6'] as const) {
          const got = spmm(a, b, 9, { activation });
          for (let j = 0; j < 9; j++) {
            expect(Number.isNaN(got[9 + j]), `${isa} ${format} ${activation}`).toBe(true);
            expect(got[j]).toBe(Math.min(activation === 'relu6' ? 6 : Infinity, j + 1));
          }
        }
        const withNan = b.slice();
        withNan[9] = Number.NaN;
        const got = spmm(denseToSparse(Float32Array.of(1, 0, 0, 1), 2, 2, format), withNan, 9);
        expect(Number.isNaN(got[9])).toBe(true);
        expect(got[10]).toBe(11);
      }
    });
  });

  it('runs asynchronously with the same result, also with several threads of work', async () => {
    const rng = new Rng(TEST_SEED + 2);
    for (const format of FORMATS) {
      const a = randomSparse(rng, 64, 96, 0.8, format);
      const b = randomArray(rng, 96 * 700);
      const bias = randomArray(rng, 64);
      expectClose(await spmmAsync(a, b, 700, { bias }), referenceSpmm(a, b, 700, { bias }), `async ${format}`);
    }
  });

  it('rejects bad arguments with coded errors', async () => {
    const rng = new Rng(TEST_SEED + 3);
    const a = randomSparse(rng, 3, 4, 0.5, 'csr');
    const b = new Float32Array(4 * 5);
    const cases: [() => unknown, string, RegExp][] = [
      [() => spmm(a, new Float32Array(19), 5), 'AMC_SHAPE_MISMATCH', /for b/],
      [() => spmm(a, b, -1), 'AMC_INVALID_ARGUMENT', /for n/],
      [() => spmm(a, b, 2.5), 'AMC_INVALID_ARGUMENT', /for n/],
      [() => spmm(a, [1, 2] as never, 5), 'AMC_INVALID_ARGUMENT', /Float32Array for b/],
      [() => spmm({ ...a, rowPtr: Int32Array.of(0, a.colIdx.length, 1, a.colIdx.length) } as never, b, 5), 'AMC_INVALID_ARGUMENT', /a\.rowPtr/],
      [() => spmm({ ...a, cols: 1 } as never, new Float32Array(5), 5), 'AMC_INDEX_OUT_OF_RANGE', /a\.colIdx/],
      [() => spmm(a, b, 5, { bias: new Float32Array(2) }), 'AMC_SHAPE_MISMATCH', /bias/],
      [() => spmm(a, b, 5, { out: new Float32Array(14) }), 'AMC_SHAPE_MISMATCH', /out/],
      [() => spmm(a, b, 5, { activation: 'gelu' as never }), 'AMC_INVALID_ARGUMENT', /activation/],
      [() => spmm(a, b, 5, 7 as never), 'AMC_INVALID_ARGUMENT', /options/],
    ];
    for (const [run, code, message] of cases) expectCode(run, code, message);
    await expect(spmmAsync(a, new Float32Array(3), 5)).rejects.toMatchObject({ code: 'AMC_SHAPE_MISMATCH' });
  });
});

describe('sparse native layer', () => {
  const native = loadNative();
  const good = () => ({
    format: 0 as 0 | 1,
    rows: 3,
    cols: 4,
    rowPtr: Int32Array.of(0, 2, 2, 3),
    colIdx: Int32Array.of(0, 3, 1),
    values: Float32Array.of(1, 2, 3),
  });
  const hostile: [string, Record<string, unknown>, string][] = [
    ['rowPtr decreasing', { rowPtr: Int32Array.of(0, 3, 1, 3) }, 'AMC_INVALID_ARGUMENT'],
    ['rowPtr not starting at 0', { rowPtr: Int32Array.of(-1, 2, 2, 3) }, 'AMC_INVALID_ARGUMENT'],
    ['rowPtr past the entries', { rowPtr: Int32Array.of(0, 2147483647, 2, 3) }, 'AMC_INVALID_ARGUMENT'],
    ['rowPtr ending early', { rowPtr: Int32Array.of(0, 1, 1, 2) }, 'AMC_SHAPE_MISMATCH'],
    ['rowPtr too short', { rowPtr: Int32Array.of(0, 3) }, 'AMC_SHAPE_MISMATCH'],
    ['rowPtr empty', { rowPtr: new Int32Array(0) }, 'AMC_SHAPE_MISMATCH'],
    ['column negative', { colIdx: Int32Array.of(0, -5, 1) }, 'AMC_INDEX_OUT_OF_RANGE'],
    ['column past cols', { colIdx: Int32Array.of(0, 2147483647, 1) }, 'AMC_INDEX_OUT_OF_RANGE'],
    ['columns unsorted', { colIdx: Int32Array.of(3, 0, 1) }, 'AMC_INVALID_ARGUMENT'],
    ['values too short', { values: Float32Array.of(1, 2) }, 'AMC_SHAPE_MISMATCH'],
    ['values of the wrong type', { values: Int32Array.of(1, 2, 3) }, 'AMC_INVALID_ARGUMENT'],
    ['unknown format', { format: 7 }, 'AMC_INVALID_ARGUMENT'],
    ['block format with CSR lengths', { format: 1 }, 'AMC_SHAPE_MISMATCH'],
    ['negative rows', { rows: -3 }, 'AMC_INVALID_ARGUMENT'],
    ['huge cols', { cols: 2 ** 40 }, 'AMC_INVALID_ARGUMENT'],
  ];

  it('rejects hostile structures in every op, sync and async, without crashing', async () => {
    for (const [name, patch, code] of hostile) {
      const weights = { ...good(), ...patch };
      const calls: [string, () => void, () => Promise<void>][] = [
        [
          'spmm',
          () => native.spmm({ weights, b: new Float32Array(8), n: 2, c: new Float32Array(6) } as never),
          () => native.spmmAsync({ weights, b: new Float32Array(8), n: 2, c: new Float32Array(6) } as never),
        ],
        [
          'sparseDense',
          () => native.sparseDense({ weights, x: new Float32Array(8), batch: 2, y: new Float32Array(6) } as never),
          () => native.sparseDenseAsync({ weights, x: new Float32Array(8), batch: 2, y: new Float32Array(6) } as never),
        ],
        [
          'sparseConv2d',
          () => native.sparseConv2d(convOptions(weights) as never),
          () => native.sparseConv2dAsync(convOptions(weights) as never),
        ],
      ];
      for (const [op, sync, async] of calls) {
        expectNativeCode(sync, code);
        await expect(async(), `${op}: ${name}`).rejects.toMatchObject({ code });
      }
    }
  });

  it('rejects wrong buffer lengths and a stale rowPtr in the conversion passes', () => {
    const weights = good();
    expectNativeCode(() => native.spmm({ weights, b: new Float32Array(7), n: 2, c: new Float32Array(6) }), 'AMC_SHAPE_MISMATCH');
    expectNativeCode(() => native.spmm({ weights, b: new Float32Array(8), n: 2, c: new Float32Array(5) }), 'AMC_SHAPE_MISMATCH');
    expectNativeCode(() => native.spmm({ weights, b: new Float32Array(8), n: 2, c: new Float32Array(6), bias: new Float32Array(2) }), 'AMC_SHAPE_MISMATCH');
    expectNativeCode(() => native.spmm({ weights, b: new Float32Array(8), n: 2, c: new Float32Array(6), activation: 5 as never }), 'AMC_INVALID_ARGUMENT');
    expectNativeCode(() => native.sparseConv2d({ ...convOptions(weights), inChannels: 3 } as never), 'AMC_SHAPE_MISMATCH');
    expectNativeCode(() => native.sparseConv2d({ ...convOptions(weights), output: new Float32Array(1) } as never), 'AMC_SHAPE_MISMATCH');
    const dense = Float32Array.of(1, 0, 2, 0, 0, 3);
    const fill = (rowPtr: Int32Array, entries = 3) => () =>
      native.denseToSparseFill({ format: 0, dense, rows: 2, cols: 3, rowPtr, colIdx: new Int32Array(entries), values: new Float32Array(entries) });
    expectNativeCode(fill(Int32Array.of(0, 1, 3)), 'AMC_SHAPE_MISMATCH');
    expectNativeCode(fill(Int32Array.of(0, 3, 2), 2), 'AMC_INVALID_ARGUMENT');
    expectNativeCode(fill(Int32Array.of(0, 5, 3)), 'AMC_INVALID_ARGUMENT');
    expectNativeCode(fill(Int32Array.of(0, 2)), 'AMC_SHAPE_MISMATCH');
    expectNativeCode(fill(Int32Array.of(0, 2, 4), 4), 'AMC_SHAPE_MISMATCH');
    fill(Int32Array.of(0, 2, 3))();
    expectNativeCode(
      () => native.denseToSparseCount({ format: 1, dense, rows: 2, cols: 3, rowPtr: new Int32Array(3) }),
      'AMC_SHAPE_MISMATCH',
    );
  });

  it('survives random hostile structures: every call either succeeds or throws a coded error', () => {
    const rng = new Rng(TEST_SEED + 4);
    const pick = (n: number) => Math.floor(rng.uniform() * n);
    const wild = () => [0, 1, -1, 2, 3, 5, 8, 2147483647, -2147483648][pick(9)] as number;
    let succeeded = 0;
    for (let trial = 0; trial < 400; trial++) {
      const format = pick(2) as 0 | 1;
      const rows = pick(6);
      const cols = 1 + pick(5);
      const groups = format === 0 ? rows : Math.ceil(rows / 4);
      const entries = pick(6);
      const rowPtr = Int32Array.from({ length: groups + 1 + (pick(4) === 0 ? pick(3) - 1 : 0) }, (_, i) =>
        pick(3) === 0 ? wild() : Math.min(entries, i * pick(3)),
      );
      const colIdx = Int32Array.from({ length: entries }, (_, i) => (pick(3) === 0 ? wild() : i % cols));
      const values = new Float32Array(entries * (format === 0 ? 1 : 4) + (pick(5) === 0 ? 1 : 0)).fill(Number.NaN);
      const weights = { format, rows, cols, rowPtr, colIdx, values };
      const n = 1 + pick(20);
      try {
        native.spmm({ weights, b: new Float32Array(cols * n), n, c: new Float32Array(rows * n) });
        native.sparseDense({ weights, x: new Float32Array(cols * n), batch: n, y: new Float32Array(rows * n) });
        succeeded++;
      } catch (e) {
        expect((e as { code?: string }).code).toMatch(/^AMC_(INVALID_ARGUMENT|SHAPE_MISMATCH|INDEX_OUT_OF_RANGE)$/);
      }
    }
    expect(succeeded).toBeGreaterThan(0);
  });
});

function convOptions(weights: object): Record<string, unknown> {
  // 1 x 2 x 2 x 2 input, 1 x 2 kernel (K = 4 = weights.cols), 3 output channels.
  return {
    batch: 1,
    inHeight: 2,
    inWidth: 2,
    inChannels: 2,
    kernelHeight: 1,
    kernelWidth: 2,
    strideHeight: 1,
    strideWidth: 1,
    dilationHeight: 1,
    dilationWidth: 1,
    padTop: 0,
    padBottom: 0,
    padLeft: 0,
    padRight: 0,
    outHeight: 2,
    outWidth: 1,
    weights,
    input: new Float32Array(8),
    output: new Float32Array(6),
  };
}
