import { Rng } from '@amc/core';
import { describe, expect, it } from 'vitest';
import { referenceSparseConv2d, referenceSparseDense } from './reference/sparse.js';
import {
  type SparseConv2dOptions,
  type SparseFormat,
  denseToSparse,
  filterToSparse,
  sparseConv2d,
  sparseConv2dAsync,
  sparseDense,
  sparseDenseAsync,
} from './sparse.js';
import { TEST_SEED, expectClose, forEachIsa, randomArray, sparsify } from './test-utils.js';

const FORMATS: SparseFormat[] = ['csr', 'bcsr'];

interface ConvCase {
  batch: number;
  size: [number, number];
  cin: number;
  cout: number;
  kernel: [number, number];
  options: Omit<SparseConv2dOptions, 'kernelSize'>;
}

const CASES: ConvCase[] = [
  { batch: 1, size: [5, 7], cin: 3, cout: 5, kernel: [1, 1], options: {} },
  { batch: 2, size: [6, 6], cin: 8, cout: 17, kernel: [1, 1], options: { activation: 'relu' } },
  { batch: 1, size: [9, 9], cin: 16, cout: 8, kernel: [1, 1], options: { strides: 2 } },
  { batch: 1, size: [7, 6], cin: 4, cout: 9, kernel: [1, 1], options: { padding: [1, 0, 2, 1] } },
  { batch: 1, size: [8, 8], cin: 5, cout: 4, kernel: [3, 3], options: { padding: 'same' } },
  { batch: 2, size: [7, 9], cin: 3, cout: 6, kernel: [3, 3], options: { padding: 'valid', activation: 'relu6' } },
  { batch: 1, size: [11, 10], cin: 8, cout: 13, kernel: [3, 3], options: { strides: 2, padding: 'same' } },
  { batch: 2, size: [10, 12], cin: 2, cout: 5, kernel: [3, 3], options: { dilations: 2, padding: 'same' } },
  { batch: 1, size: [9, 8], cin: 6, cout: 7, kernel: [2, 3], options: { strides: [2, 1], dilations: [1, 2], padding: 'valid' } },
  { batch: 1, size: [3, 3], cin: 1, cout: 1, kernel: [3, 3], options: { padding: 'same' } },
  { batch: 1, size: [14, 14], cin: 24, cout: 33, kernel: [3, 3], options: { padding: 'same' } },
  { batch: 1, size: [16, 16], cin: 32, cout: 64, kernel: [1, 1], options: { activation: 'relu' } },
];

describe('sparseConv2d', () => {
  it('matches a dense NHWC convolution of the densified weights on every ISA', () => {
    const rng = new Rng(TEST_SEED);
    forEachIsa((isa) => {
      for (const c of CASES) {
        for (const format of FORMATS) {
          for (const sparsity of [0, 0.7, 1]) {
            const [kh, kw] = c.kernel;
            const filter = sparsify(rng, randomArray(rng, kh * kw * c.cin * c.cout), sparsity);
            const weights = filterToSparse({ data: filter, shape: [kh, kw, c.cin, c.cout] }, format);
            const input = { data: randomArray(rng, c.batch * c.size[0] * c.size[1] * c.cin), shape: [c.batch, ...c.size, c.cin] };
            const bias = randomArray(rng, c.cout);
            const options: SparseConv2dOptions = { ...c.options, kernelSize: c.kernel, bias };
            const got = sparseConv2d(input, weights, options);
            const want = referenceSparseConv2d(input, weights, options);
            expect(got.shape).toEqual(want.shape);
            expectClose(got.data, want.data, `${isa} ${format} s=${sparsity} ${JSON.stringify(c)}`);
          }
        }
      }
    });
  });

  it('writes into options.out and runs asynchronously', async () => {
    const rng = new Rng(TEST_SEED + 1);
    const weights = denseToSparse(sparsify(rng, randomArray(rng, 6 * 27), 0.5), 6, 27, 'bcsr');
    const input = { data: randomArray(rng, 2 * 5 * 5 * 3), shape: [2, 5, 5, 3] };
    const out = new Float32Array(2 * 5 * 5 * 6);
    const options: SparseConv2dOptions = { kernelSize: [3, 3], padding: 'same', out };
    const want = referenceSparseConv2d(input, weights, { kernelSize: [3, 3], padding: 'same' });
    expect(sparseConv2d(input, weights, options).data).toBe(out);
    expectClose(out, want.data, 'out');
    const got = await sparseConv2dAsync(input, weights, { kernelSize: [3, 3], padding: 'same' });
    expectClose(got.data, want.data, 'async');
  });

  it('rejects bad arguments with coded errors', async () => {
    const rng = new Rng(TEST_SEED + 2);
    const weights = denseToSparse(randomArray(rng, 4 * 18), 4, 18, 'csr');
    const input = { data: new Float32Array(1 * 4 * 4 * 2), shape: [1, 4, 4, 2] };
    const base: SparseConv2dOptions = { kernelSize: [3, 3] };
    const cases: [() => unknown, string, RegExp][] = [
      [() => sparseConv2d(input, weights, { kernelSize: [1, 1] }), 'AMC_SHAPE_MISMATCH', /weights\.cols/],
      [() => sparseConv2d({ data: input.data, shape: [1, 4, 4] }, weights, base), 'AMC_INVALID_ARGUMENT', /input\.shape/],
      [() => sparseConv2d({ data: new Float32Array(3), shape: [1, 4, 4, 2] }, weights, base), 'AMC_SHAPE_MISMATCH', /input\.data/],
      [() => sparseConv2d(input, weights, { kernelSize: [3] as never }), 'AMC_INVALID_ARGUMENT', /kernelSize/],
      [() => sparseConv2d(input, weights, undefined as never), 'AMC_INVALID_ARGUMENT', /kernelSize/],
      [() => sparseConv2d(input, weights, { ...base, strides: 0 }), 'AMC_INVALID_ARGUMENT', /strides/],
      [() => sparseConv2d(input, weights, { ...base, dilations: 3 }), 'AMC_SHAPE_MISMATCH', /filter/],
      [() => sparseConv2d(input, weights, { ...base, bias: new Float32Array(3) }), 'AMC_SHAPE_MISMATCH', /bias/],
      [() => sparseConv2d(input, weights, { ...base, out: new Float32Array(3) }), 'AMC_SHAPE_MISMATCH', /out/],
      [() => sparseConv2d(input, { ...weights, colIdx: weights.colIdx.map(() => 99) } as never, base), 'AMC_INDEX_OUT_OF_RANGE', /weights\.colIdx/],
    ];
    for (const [run, code, message] of cases) {
      let caught: unknown;
      try {
        run();
      } catch (e) {
        caught = e;
      }
      expect((caught as { code?: string })?.code, String(message)).toBe(code);
      expect((caught as Error).message).toMatch(message);
    }
    await expect(sparseConv2dAsync(input, weights, { kernelSize: [1, 1] })).rejects.toMatchObject({ code: 'AMC_SHAPE_MISMATCH' });
  });
});

describe('sparseDense', () => {
  it('matches the reference for every batch size around the tiles, both formats, every ISA', () => {
    const rng = new Rng(TEST_SEED + 3);
    forEachIsa((isa) => {
      for (const batch of [1, 3, 8, 17, 64, 65]) {
        for (const [outputs, inputs] of [[1, 1], [5, 7], [10, 64], [33, 20]] as const) {
          for (const format of FORMATS) {
            const weights = denseToSparse(sparsify(rng, randomArray(rng, outputs * inputs), 0.6), outputs, inputs, format);
            const x = randomArray(rng, batch * inputs);
            const options = { bias: randomArray(rng, outputs), activation: 'relu' as const };
            expectClose(sparseDense(x, batch, weights, options), referenceSparseDense(x, batch, weights, options), `${isa} ${format} ${batch}x${inputs}->${outputs}`);
          }
        }
      }
    });
  });

  it('runs asynchronously and rejects bad arguments', async () => {
    const rng = new Rng(TEST_SEED + 4);
    const weights = denseToSparse(randomArray(rng, 6 * 9), 6, 9, 'bcsr');
    const x = randomArray(rng, 4 * 9);
    expectClose(await sparseDenseAsync(x, 4, weights), referenceSparseDense(x, 4, weights), 'async');
    expect(() => sparseDense(new Float32Array(35), 4, weights)).toThrow(expect.objectContaining({ code: 'AMC_SHAPE_MISMATCH' }));
    expect(() => sparseDense(x, -1, weights)).toThrow(expect.objectContaining({ code: 'AMC_INVALID_ARGUMENT' }));
    expect(() => sparseDense(x, 4, weights, { out: new Float32Array(23) })).toThrow(expect.objectContaining({ code: 'AMC_SHAPE_MISMATCH' }));
    expect(() => sparseDense(x, 4, { ...weights, blockRowPtr: Int32Array.of(0, weights.colIdx.length + 1, weights.colIdx.length) } as never)).toThrow(
      expect.objectContaining({ code: 'AMC_INVALID_ARGUMENT' }),
    );
    await expect(sparseDenseAsync(x, 5, weights)).rejects.toMatchObject({ code: 'AMC_SHAPE_MISMATCH' });
  });
});
