import { type FloatTensor, Rng } from '@amc/core';
import { describe, expect, it } from 'vitest';
import { expectCode } from '@amc/testing';
import { leastSquares, leastSquaresAsync } from './prune.js';
import { referenceLeastSquares, referenceResidual } from './reference/prune.js';
import { getNativeInfo, getNumThreads, setNumThreads } from './runtime.js';
import { TEST_SEED, expectClose, forEachIsa, randomArray } from './test-utils.js';

function tensor(data: Float32Array, rows: number, cols: number): FloatTensor {
  return { data, shape: [rows, cols] };
}

/** Y = X W (+ b) in float64, rounded once to float32. */
function product(x: Float32Array, w: Float32Array, rows: number, cols: number, outs: number, b?: Float32Array): Float32Array {
  const y = new Float32Array(rows * outs);
  for (let i = 0; i < rows; i++) {
    for (let o = 0; o < outs; o++) {
      let s = b === undefined ? 0 : (b[o] as number);
      for (let j = 0; j < cols; j++) s += (x[i * cols + j] as number) * (w[j * outs + o] as number);
      y[i * outs + o] = s;
    }
  }
  return y;
}

function meanDiagonal(x: Float32Array, rows: number, cols: number): number {
  let s = 0;
  for (const v of x) s += v * v;
  return rows * cols > 0 ? s / cols : 0;
}

function expectFinite(a: Float32Array, context: string): void {
  const bad = a.findIndex((v) => !Number.isFinite(v));
  expect(bad, `${context}: non-finite weight (seed ${TEST_SEED})`).toBe(-1);
}


describe('leastSquares', () => {
  it('recovers W exactly from a consistent well-conditioned system on every ISA', () => {
    const rng = new Rng(TEST_SEED);
    // Column counts around the Gram panel (192) and microkernel tiles; rows over two 4096-row blocks.
    const shapes: [number, number, number][] = [
      [1, 1, 1],
      [40, 7, 3],
      [300, 17, 5],
      [9000, 8, 2],
      [400, 191, 2],
      [400, 193, 1],
      [700, 200, 65],
    ];
    const problems = shapes.map(([rows, cols, outs]) => {
      const x = randomArray(rng, rows * cols);
      const w = randomArray(rng, cols * outs);
      return { rows, cols, outs, x, w, y: product(x, w, rows, cols, outs) };
    });
    forEachIsa((isa) => {
      for (const { rows, cols, outs, x, w, y } of problems) {
        for (const solver of ['auto', 'eigen'] as const) {
          const context = `${isa} ${rows}x${cols}x${outs} ${solver}`;
          const got = leastSquares(tensor(x, rows, cols), tensor(y, rows, outs), { solver, ridge: 0 });
          expect(got.solver, context).toBe(solver === 'auto' ? 'cholesky' : 'eigen');
          expect(got.weights.shape).toEqual([cols, outs]);
          expectClose(got.weights.data, w, context, 1e-4, 1e-4);
          expect(got.residual, context).toBeLessThan(1e-5);
          const withDefaultRidge = leastSquares(tensor(x, rows, cols), tensor(y, rows, outs));
          expectClose(withDefaultRidge.weights.data, w, `${context} default ridge`, 1e-4, 1e-4);
          const defaultRidge = 1e-6 * meanDiagonal(x, rows, cols);
          expect(Math.abs(withDefaultRidge.ridge - defaultRidge)).toBeLessThan(1e-6 * defaultRidge);
        }
      }
    });
  });

  it('agrees with the float64 reference on random overdetermined systems, plain and with an intercept', () => {
    const rng = new Rng(TEST_SEED + 1);
    for (const [rows, cols, outs] of [[120, 9, 4], [500, 40, 7], [5000, 30, 3]] as const) {
      // ReLU-like columns, every other one offset by 2 (its mean then dominates: the native code shifts those
      // while packing and keeps the others as they are), and random targets.
      const x = randomArray(rng, rows * cols).map((v, i) => Math.max(0, v + 0.2) + ((i % cols) % 2 === 0 ? 2 : 0));
      const y = randomArray(rng, rows * outs);
      for (const fitIntercept of [false, true]) {
        const ridge = 1e-3;
        const want = referenceLeastSquares(x, y, rows, cols, outs, { ridge, fitIntercept });
        forEachIsa((isa) => {
          const context = `${isa} ${rows}x${cols}x${outs} intercept=${fitIntercept}`;
          const got = leastSquares(tensor(x, rows, cols), tensor(y, rows, outs), { ridge, fitIntercept });
          expect(got.ridge).toBe(ridge);
          expectClose(got.weights.data, Float32Array.from(want.weights), context, 1e-3, 1e-4);
          if (fitIntercept) expectClose(got.intercept as Float32Array, Float32Array.from(want.intercept), context, 1e-3, 1e-4);
          else expect(got.intercept).toBeUndefined();
          expect(Math.abs(got.residual - want.residual), context).toBeLessThan(1e-5);
          // The reported residual is the one of the returned weights.
          expect(got.residual).toBeCloseTo(referenceResidual(x, y, got.weights.data, got.intercept, rows, cols, outs), 5);
        });
      }
    }
  });

  it('gives finite weights for rank-deficient X, with a residual no worse than the minimum-norm reference', () => {
    const rng = new Rng(TEST_SEED + 2);
    const cases: { name: string; rows: number; cols: number; x: Float32Array; rank: number }[] = [];
    {
      // Duplicated columns: [A, A[:, 0..2]].
      const rows = 200;
      const base = 10;
      const a = randomArray(rng, rows * base);
      const x = new Float32Array(rows * (base + 3));
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < base + 3; j++) x[i * (base + 3) + j] = a[i * base + (j < base ? j : j - base)] as number;
      }
      cases.push({ name: 'duplicated columns', rows, cols: base + 3, x, rank: base });
    }
    {
      // Zero columns 2 and 5.
      const rows = 150;
      const cols = 8;
      const x = randomArray(rng, rows * cols);
      for (let i = 0; i < rows; i++) x[i * cols + 2] = x[i * cols + 5] = 0;
      cases.push({ name: 'zero columns', rows, cols, x, rank: cols - 2 });
    }
    cases.push({ name: 'rows < cols', rows: 20, cols: 40, x: randomArray(rng, 20 * 40), rank: 20 });
    const outs = 3;
    for (const { name, rows, cols, x, rank } of cases) {
      const y = randomArray(rng, rows * outs);
      const tiny = 1e-9 * meanDiagonal(x, rows, cols);
      const minNorm = referenceLeastSquares(x, y, rows, cols, outs, { ridge: tiny });
      forEachIsa((isa) => {
        for (const options of [{}, { ridge: 0 }, { solver: 'eigen' as const }, { ridge: 0, solver: 'eigen' as const }]) {
          const context = `${isa} ${name} ${JSON.stringify(options)}`;
          const got = leastSquares(tensor(x, rows, cols), tensor(y, rows, outs), options);
          expectFinite(got.weights.data, context);
          expect(got.residual, context).toBeLessThanOrEqual(minNorm.residual + 1e-4);
          if (options.ridge === 0) {
            // Unregularised: Cholesky must break down and the eigen solver finds the true rank.
            expect(got.solver, context).toBe('eigen');
            expect(got.rank, context).toBe(rank);
            // The minimum-norm solution itself.
            expectClose(got.weights.data, Float32Array.from(minNorm.weights), context, 1e-3, 1e-3);
          }
          if (name === 'zero columns') {
            for (let o = 0; o < outs; o++) {
              expect(Math.abs(got.weights.data[2 * outs + o] as number)).toBeLessThan(1e-12);
              expect(Math.abs(got.weights.data[5 * outs + o] as number)).toBeLessThan(1e-12);
            }
          }
        }
      });
    }
  });

  it('gives zero weights for an all-zero X, and the mean of Y as intercept', () => {
    const rows = 50;
    const cols = 6;
    const outs = 2;
    const x = new Float32Array(rows * cols);
    const y = Float32Array.from({ length: rows * outs }, (_, i) => (i % outs) + 1 + (i % 3));
    for (const options of [{}, { ridge: 0 }, { ridge: 0.5 }, { solver: 'eigen' as const }]) {
      const got = leastSquares(tensor(x, rows, cols), tensor(y, rows, outs), options);
      expect(Array.from(got.weights.data)).toEqual(new Array(cols * outs).fill(0));
      expect(got.residual).toBeCloseTo(1, 6);
      const withBias = leastSquares(tensor(x, rows, cols), tensor(y, rows, outs), { ...options, fitIntercept: true });
      expect(Array.from(withBias.weights.data)).toEqual(new Array(cols * outs).fill(0));
      const mean = [0, 1].map((o) => y.filter((_, i) => i % outs === o).reduce((a, b) => a + b, 0) / rows);
      expectClose(withBias.intercept as Float32Array, Float32Array.from(mean), 'intercept', 1e-6, 1e-6);
    }
    expect(leastSquares(tensor(x, rows, cols), tensor(y, rows, outs), { ridge: 0 }).solver).toBe('eigen');
    expect(leastSquares(tensor(x, rows, cols), tensor(y, rows, outs), { ridge: 0 }).rank).toBe(0);
  });

  it('recovers a known bias with fitIntercept (not penalised by the ridge)', () => {
    const rng = new Rng(TEST_SEED + 3);
    const rows = 400;
    const cols = 12;
    const outs = 4;
    const x = randomArray(rng, rows * cols).map((v) => Math.max(0, v) * 3);
    const w = randomArray(rng, cols * outs);
    const b = Float32Array.of(5, -3, 0.25, 100);
    const y = product(x, w, rows, cols, outs, b);
    // A strong ridge shrinks W but leaves b unpenalised (as the reference, which does not penalise it).
    const strong = referenceLeastSquares(x, y, rows, cols, outs, { ridge: 50, fitIntercept: true });
    forEachIsa((isa) => {
      for (const solver of ['auto', 'eigen'] as const) {
        const got = leastSquares(tensor(x, rows, cols), tensor(y, rows, outs), { fitIntercept: true, solver });
        expectClose(got.weights.data, w, `${isa} ${solver} W`, 1e-4, 1e-4);
        expectClose(got.intercept as Float32Array, b, `${isa} ${solver} b`, 1e-5, 1e-4);
        const shrunk = leastSquares(tensor(x, rows, cols), tensor(y, rows, outs), { fitIntercept: true, solver, ridge: 50 });
        expectClose(shrunk.weights.data, Float32Array.from(strong.weights), `${isa} ${solver} ridge W`, 1e-4, 1e-5);
        expectClose(shrunk.intercept as Float32Array, Float32Array.from(strong.intercept), `${isa} ${solver} ridge b`, 1e-4, 1e-4);
      }
    });
  });

  it("agrees between solvers 'cholesky' and 'eigen' on a well-conditioned problem", () => {
    const rng = new Rng(TEST_SEED + 4);
    const [rows, cols, outs] = [800, 64, 16];
    const x = randomArray(rng, rows * cols);
    const y = randomArray(rng, rows * outs);
    forEachIsa((isa) => {
      const chol = leastSquares(tensor(x, rows, cols), tensor(y, rows, outs), { solver: 'cholesky' });
      const eig = leastSquares(tensor(x, rows, cols), tensor(y, rows, outs), { solver: 'eigen' });
      expect([chol.solver, eig.solver]).toEqual(['cholesky', 'eigen']);
      expect(chol.rank).toBeUndefined();
      expect(eig.rank).toBe(cols);
      expectClose(eig.weights.data, chol.weights.data, `${isa} eigen vs cholesky`, 1e-4, 1e-5);
      expect(Math.abs(eig.residual - chol.residual)).toBeLessThan(1e-6);
    });
  });

  it('accepts empty dimensions: no outputs, no columns, no rows', () => {
    const rng = new Rng(TEST_SEED + 5);
    const x = randomArray(rng, 30 * 4);
    const none = leastSquares(tensor(x, 30, 4), tensor(new Float32Array(0), 30, 0));
    expect(none.weights.shape).toEqual([4, 0]);
    expect(none.residual).toBe(0);
    const y = Float32Array.from({ length: 30 * 2 }, (_, i) => (i % 2 === 0 ? 1 : -1));
    const noCols = leastSquares(tensor(new Float32Array(0), 30, 0), tensor(y, 30, 2));
    expect(noCols.weights.data.length).toBe(0);
    expect(noCols.residual).toBeCloseTo(1, 12);
    const noColsBias = leastSquares(tensor(new Float32Array(0), 30, 0), tensor(y, 30, 2), { fitIntercept: true });
    expect(Array.from(noColsBias.intercept as Float32Array)).toEqual([1, -1]);
    expect(noColsBias.residual).toBeCloseTo(0, 12);
    const noRows = leastSquares(tensor(new Float32Array(0), 0, 3), tensor(new Float32Array(0), 0, 2), { fitIntercept: true });
    expect(Array.from(noRows.weights.data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(noRows.residual).toBe(0);
  });

  it('gives the same answer on one and two threads, and lists its f64 kernels for every ISA', () => {
    const rng = new Rng(TEST_SEED + 7);
    const [rows, cols, outs] = [5000, 150, 20];
    const x = randomArray(rng, rows * cols).map((v) => Math.max(0, v));
    const y = randomArray(rng, rows * outs);
    const threads = getNumThreads();
    try {
      setNumThreads(1);
      const one = leastSquares(tensor(x, rows, cols), tensor(y, rows, outs), { fitIntercept: true });
      setNumThreads(2);
      const two = leastSquares(tensor(x, rows, cols), tensor(y, rows, outs), { fitIntercept: true });
      expectClose(two.weights.data, one.weights.data, 'threads', 1e-4, 1e-5);
      expect(Math.abs(two.residual - one.residual)).toBeLessThan(1e-6);
    } finally {
      setNumThreads(threads);
    }
    const variants = getNativeInfo().kernels.prune ?? [];
    expect(variants.map((k) => k.isa)).toEqual(expect.arrayContaining(['scalar', 'avx2', 'avx512']));
  });

  it('runs asynchronously with the same result', async () => {
    const rng = new Rng(TEST_SEED + 6);
    const x = randomArray(rng, 300 * 20);
    const y = randomArray(rng, 300 * 5);
    const sync = leastSquares(tensor(x, 300, 20), tensor(y, 300, 5), { fitIntercept: true });
    const got = await leastSquaresAsync(tensor(x, 300, 20), tensor(y, 300, 5), { fitIntercept: true });
    expect(got).toEqual(sync);
  });

  it('rejects bad arguments with coded errors', async () => {
    const x = tensor(new Float32Array(12), 4, 3);
    const y = tensor(new Float32Array(8), 4, 2);
    const nanX = tensor(Float32Array.from({ length: 12 }, (_, i) => (i === 7 ? Number.NaN : i)), 4, 3);
    const infY = tensor(Float32Array.from({ length: 8 }, (_, i) => (i === 3 ? Number.POSITIVE_INFINITY : i)), 4, 2);
    expectCode(() => leastSquares(nanX, y), 'AMC_NON_FINITE', /row 2, column 1/);
    expectCode(() => leastSquares(x, infY), 'AMC_NON_FINITE', /for y/);
    expectCode(() => leastSquares(x, tensor(new Float32Array(10), 5, 2)), 'AMC_SHAPE_MISMATCH', /4 rows \(as x\) for y.shape\[0\]/);
    expectCode(() => leastSquares(x, { data: new Float32Array(8), shape: [4, 3] }), 'AMC_SHAPE_MISMATCH', /y.data/);
    expectCode(() => leastSquares({ data: new Float32Array(12), shape: [12] }, y), 'AMC_INVALID_ARGUMENT', /rank 2/);
    expectCode(() => leastSquares(x, y, { ridge: -1 }), 'AMC_INVALID_ARGUMENT', />= 0 for options.ridge/);
    expectCode(() => leastSquares(x, y, { ridge: Number.NaN }), 'AMC_NON_FINITE', /options.ridge/);
    expectCode(() => leastSquares(x, y, { solver: 'qr' as never }), 'AMC_INVALID_ARGUMENT', /options.solver/);
    expectCode(() => leastSquares(x, y, { fitIntercept: 1 as never }), 'AMC_INVALID_ARGUMENT', /options.fitIntercept/);
    expectCode(() => leastSquares(x, y, { solver: 'cholesky', ridge: 0 }), 'AMC_INVALID_ARGUMENT', /positive definite/);
    expectCode(() => leastSquares(x, y, [] as never), 'AMC_INVALID_ARGUMENT', /options/);
    await expect(leastSquaresAsync(nanX, y)).rejects.toMatchObject({ code: 'AMC_NON_FINITE' });
  });
});
