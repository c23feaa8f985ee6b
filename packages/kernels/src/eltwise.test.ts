import { Rng } from '@amc/core';
import { describe, expect, it } from 'vitest';
import { expectCode } from '@amc/testing';
import { BINARY_OPS, UNARY_OPS, activationGrad, activationGradAsync, binaryOp, binaryOpAsync, clipGrad, clipGradAsync, unaryOp, unaryOpAsync } from './eltwise.js';
import { referenceActivationGrad, referenceBinary, referenceClipGrad, referenceUnary } from './reference/eltwise.js';
import { TEST_SEED, forEachIsa, randomArray } from './test-utils.js';

// Lengths around a vector, the native chunk (32,768) and the parallel cut (65,536).
const LENGTHS = [1, 7, 8, 9, 31, 1000, 32_767, 32_769, 65_536, 100_003];

function withSpecials(rng: Rng, n: number): Float32Array {
  const x = randomArray(rng, n, -8, 8);
  const specials = [Number.NaN, 0, -0, 6, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (let i = 0; i < Math.min(n, specials.length); i++) x[(i * 7919) % n] = specials[i] as number;
  return x;
}

function expectSame(got: Float32Array, want: Float32Array, context: string): void {
  expect(got.length, context).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i] as number;
    const w = want[i] as number;
    if (!(Object.is(g, w) || (g === w && g === 0) || (Number.isNaN(g) && Number.isNaN(w)))) {
      throw new Error(`${context}: index ${i}: got ${g}, want ${w}`);
    }
  }
}

/** Within a relative 1e-6 (one float ulp or so), NaN matching NaN and infinities matching exactly. */
function expectNear(got: Float32Array, want: Float32Array, context: string): void {
  expect(got.length, context).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i] as number;
    const w = want[i] as number;
    const ok = Number.isNaN(w) ? Number.isNaN(g) : g === w || Math.abs(g - w) <= 1e-6 * Math.abs(w);
    if (!ok) throw new Error(`${context}: index ${i}: got ${g}, want ${w}`);
  }
}


describe('eltwise', () => {
  it('unary ops match the reference on every ISA, NaN / infinities / signed zeros included', () => {
    forEachIsa((isa) => {
      const rng = new Rng(TEST_SEED);
      for (const n of LENGTHS) {
        const x = withSpecials(rng, n);
        for (const op of UNARY_OPS) {
          const want = referenceUnary(op, x, 0.25);
          const got = unaryOp(op, x, { alpha: 0.25 });
          if (op === 'sqrt' || op === 'rsqrt') expectNear(got, want, `${isa} ${op} n=${n}`);
          else expectSame(got, want, `${isa} ${op} n=${n}`);
        }
      }
    });
  });

  it('binary ops match the reference for same lengths, scalars on either side and repeated rows', () => {
    forEachIsa((isa) => {
      const rng = new Rng(TEST_SEED + 1);
      for (const n of [1, 9, 1000, 100_000]) {
        for (const m of [n, 1, ...(n % 16 === 0 ? [16] : []), ...(n % 10 === 0 ? [10, 1000] : [])]) {
          if (m > n || n % m !== 0) continue;
          const big = withSpecials(rng, n);
          const small = withSpecials(rng, m);
          for (const op of BINARY_OPS) {
            for (const [a, b] of [[big, small], [small, big]] as const) {
              const got = binaryOp(op, a, b);
              const want = referenceBinary(op, a, b);
              if (op === 'squaredDifference') expectNear(got, want, `${isa} ${op} ${a.length}/${b.length}`);
              else expectSame(got, want, `${isa} ${op} ${a.length}/${b.length}`);
            }
          }
        }
      }
    });
  });

  it('activationGrad matches tfjs semantics (dy times a mask: relu x > 0, relu6 0 < x <= 6, NaN kept; Infinity * 0 is NaN)', async () => {
    const rng = new Rng(TEST_SEED + 2);
    for (const n of LENGTHS) {
      const x = withSpecials(rng, n);
      const dy = withSpecials(rng, n);
      for (const act of ['relu', 'relu6'] as const) {
        expectSame(activationGrad(dy, x, act), referenceActivationGrad(dy, x, act), `${act} n=${n}`);
      }
    }
    const x = new Float32Array([-1, 0, 3, 6, 7, Number.NaN]);
    const dy = new Float32Array([1, 1, 1, 1, 1, 1]);
    expect(Array.from(activationGrad(dy, x, 'relu6'))).toEqual([0, 0, 1, 1, 0, Number.NaN]);
    expect(Array.from(await activationGradAsync(dy, x, 'relu'))).toEqual([0, 0, 1, 1, 1, Number.NaN]);
  });

  it('clipGrad matches tfjs semantics on every ISA (dy where min <= x <= max, else 0 even for NaN x or infinite dy)', async () => {
    const rng = new Rng(TEST_SEED + 3);
    const bounds: [number, number][] = [[0, 6], [-1, 1], [0, Number.POSITIVE_INFINITY], [Number.NEGATIVE_INFINITY, 0], [2, 2]];
    forEachIsa((isa) => {
      for (const n of LENGTHS) {
        const x = withSpecials(rng, n);
        const dy = withSpecials(rng, n);
        for (const [lo, hi] of bounds) expectSame(clipGrad(dy, x, lo, hi), referenceClipGrad(dy, x, lo, hi), `${isa} [${lo}, ${hi}] n=${n}`);
      }
    });
    const x = new Float32Array([-1, 0, 3, 6, 7, Number.NaN, 6]);
    const dy = new Float32Array([1, 1, 1, 1, 1, 1, Number.POSITIVE_INFINITY]);
    expect(Array.from(clipGrad(dy, x, 0, 6))).toEqual([0, 1, 1, 1, 0, 0, Number.POSITIVE_INFINITY]);
    expect(Array.from(await clipGradAsync(new Float32Array([Number.NaN, 2]), new Float32Array([9, 1]), 0, 6))).toEqual([0, 2]);
  });

  it('works in place and async', async () => {
    const x = new Float32Array([-1, 2, -3, 4]);
    unaryOp('relu', x, { out: x });
    expect(Array.from(x)).toEqual([0, 2, 0, 4]);
    const a = new Float32Array([1, 2, 3, 4]);
    binaryOp('mul', a, new Float32Array([10, 100]), { out: a });
    expect(Array.from(a)).toEqual([10, 200, 30, 400]);
    expect(Array.from(await unaryOpAsync('neg', new Float32Array([1])))).toEqual([-1]);
    expect(Array.from(await binaryOpAsync('sub', new Float32Array([5]), new Float32Array([1, 2])))).toEqual([4, 3]);
    expect(unaryOp('relu', new Float32Array(0)).length).toBe(0);
  });

  it('rejects bad arguments with coded errors', () => {
    const x = new Float32Array(6);
    expectCode(() => unaryOp('gelu' as never, x), 'AMC_INVALID_ARGUMENT', /op/);
    expectCode(() => unaryOp('relu', [1, 2] as never), 'AMC_INVALID_ARGUMENT', /x/);
    expectCode(() => unaryOp('relu', x, { out: new Float32Array(5) }), 'AMC_SHAPE_MISMATCH', /options\.out/);
    expectCode(() => unaryOp('step', x, { alpha: Number.NaN }), 'AMC_NON_FINITE', /alpha/);
    expectCode(() => binaryOp('add', x, new Float32Array(4)), 'AMC_SHAPE_MISMATCH', /divides/);
    expectCode(() => binaryOp('add', x, new Float32Array(0)), 'AMC_SHAPE_MISMATCH', /b/);
    expectCode(() => binaryOp('pow' as never, x, x), 'AMC_INVALID_ARGUMENT', /op/);
    expectCode(() => activationGrad(x, new Float32Array(5), 'relu'), 'AMC_SHAPE_MISMATCH', /x/);
    expectCode(() => activationGrad(x, x, 'elu' as never), 'AMC_INVALID_ARGUMENT', /activation/);
    expectCode(() => clipGrad(x, new Float32Array(5), 0, 6), 'AMC_SHAPE_MISMATCH', /x/);
    expectCode(() => clipGrad(x, x, Number.NaN, 6), 'AMC_INVALID_ARGUMENT', /min/);
    expectCode(() => clipGrad(x, x, 0, '6' as never), 'AMC_INVALID_ARGUMENT', /max/);
    expectCode(() => clipGrad(x, x, 7, 6), 'AMC_INVALID_ARGUMENT', /at most max/);
    expectCode(() => clipGrad(x, x, 0, 6, { out: new Float32Array(2) }), 'AMC_SHAPE_MISMATCH', /options\.out/);
  });
});
