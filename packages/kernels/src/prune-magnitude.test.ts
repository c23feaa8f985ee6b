import { Rng } from '@amc/core';
import { afterAll, describe, expect, it } from 'vitest';
import { expectCode } from '@amc/testing';
import { magnitudePrune, magnitudePruneAsync, magnitudeThreshold, magnitudeThresholdAsync } from './prune.js';
import { referenceMagnitudePrune, referenceMagnitudeThreshold } from './reference/prune.js';
import { getNumThreads, setNumThreads } from './runtime.js';
import { TEST_SEED, randomArray } from './test-utils.js';

const DENSITIES = [0, 0.5, 0.99, 1, 0.3, 1e-3];
const SMALL_SIZES = [1, 2, 3, 7, 64, 1000];
// Around the native range split (65,536 elements per range): one range, two, three.
const LARGE_SIZES = [65_535, 131_073, 200_003];

/** Values drawn from a few magnitudes only, both signs, with -0: lots of ties. */
function tiedArray(rng: Rng, n: number, levels: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const level = rng.int(levels);
    a[i] = level === 0 ? (rng.int(2) === 0 ? 0 : -0) : (rng.int(2) === 0 ? -1 : 1) * level * 0.25;
  }
  return a;
}

function expectSamePrune(weights: Float32Array, density: number, context: string): void {
  const mask = new Uint8Array(weights.length);
  const got = magnitudePrune(weights, density, { mask });
  const want = referenceMagnitudePrune(weights, density);
  const kept = mask.reduce((s, m) => s + m, 0);
  expect(kept, `${context}: kept (seed ${TEST_SEED})`).toBe(want.mask.reduce((s, m) => s + m, 0));
  for (let i = 0; i < weights.length; i++) {
    if (mask[i] !== want.mask[i] || !Object.is(got[i], want.out[i] === 0 && want.mask[i] === 0 ? 0 : want.out[i])) {
      expect.fail(`${context}: index ${i} got ${got[i]} mask ${mask[i]}, expected ${want.out[i]} mask ${want.mask[i]} (seed ${TEST_SEED})`);
    }
  }
}

describe('magnitudeThreshold / magnitudePrune', () => {
  const threads = getNumThreads();
  afterAll(() => setNumThreads(threads));

  it('match the sort-based reference over sizes and densities, one and two threads', () => {
    const rng = new Rng(TEST_SEED);
    setNumThreads(1);
    for (const n of SMALL_SIZES) {
      const w = randomArray(rng, n, -3, 3);
      for (const density of DENSITIES) {
        const context = `n=${n} density=${density}`;
        expect(magnitudeThreshold(w, density), context).toEqual(referenceMagnitudeThreshold(w, density));
        expectSamePrune(w, density, context);
      }
    }
    setNumThreads(2);
    for (const n of LARGE_SIZES) {
      const w = randomArray(rng, n, -3, 3);
      for (const density of [0.5, 0.99]) {
        const context = `threads=2 n=${n} density=${density}`;
        expect(magnitudeThreshold(w, density), context).toEqual(referenceMagnitudeThreshold(w, density));
        if (density === 0.5) expectSamePrune(w, density, context);
      }
    }
  });

  it('keep exactly k with many ties, lower indices first, across native ranges', () => {
    const rng = new Rng(TEST_SEED + 1);
    for (const t of [1, 2]) {
      setNumThreads(t);
      for (const [n, levels] of [[10, 2], [257, 3], [131_073, 4], [200_003, 2]] as const) {
        const w = tiedArray(rng, n, levels);
        for (const density of n < 1000 ? [0, 0.1, 0.5, 0.77, 1] : [0.1, 0.77]) {
          const context = `ties threads=${t} n=${n} levels=${levels} density=${density}`;
          expect(magnitudeThreshold(w, density), context).toEqual(referenceMagnitudeThreshold(w, density));
          expectSamePrune(w, density, context);
        }
      }
    }
    // All equal: the first k survive.
    const same = new Float32Array(9).fill(-2);
    expect(Array.from(magnitudePrune(same, 4 / 9))).toEqual([-2, -2, -2, -2, 0, 0, 0, 0, 0]);
  });

  it('handles n = 1, negative values, zeros, infinities and the empty tensor', () => {
    expect(magnitudeThreshold(Float32Array.of(-5), 1)).toEqual({ threshold: 5, kept: 1 });
    expect(magnitudeThreshold(Float32Array.of(-5), 0.4)).toEqual({ threshold: Number.POSITIVE_INFINITY, kept: 0 });
    expect(Array.from(magnitudePrune(Float32Array.of(-5), 0.5))).toEqual([-5]);
    expect(Array.from(magnitudePrune(Float32Array.of(-3, 1, -2, 0.5), 0.5))).toEqual([-3, 0, -2, 0]);
    expect(magnitudeThreshold(Float32Array.of(-3, 1, -2, 0.5), 0.75)).toEqual({ threshold: 1, kept: 3 });
    const inf = Float32Array.of(1, Number.NEGATIVE_INFINITY, 2, Number.POSITIVE_INFINITY);
    expect(Array.from(magnitudePrune(inf, 0.5))).toEqual([0, Number.NEGATIVE_INFINITY, 0, Number.POSITIVE_INFINITY]);
    expect(magnitudeThreshold(inf, 0.25)).toEqual({ threshold: Number.POSITIVE_INFINITY, kept: 1 });
    expect(magnitudeThreshold(new Float32Array(0), 0.5)).toEqual({ threshold: Number.POSITIVE_INFINITY, kept: 0 });
    expect(magnitudePrune(new Float32Array(0), 1).length).toBe(0);
    const zeros = new Float32Array(4);
    expect(magnitudeThreshold(zeros, 0.5)).toEqual({ threshold: 0, kept: 2 });
  });

  it('writes into out (also in place) and mask', () => {
    const rng = new Rng(TEST_SEED + 2);
    const w = randomArray(rng, 5000);
    const want = referenceMagnitudePrune(w, 0.37);
    const out = new Float32Array(w.length);
    const mask = new Uint8Array(w.length).fill(7);
    expect(magnitudePrune(w, 0.37, { out, mask })).toBe(out);
    expect(out).toEqual(want.out);
    expect(mask).toEqual(want.mask);
    const inPlace = w.slice();
    expect(magnitudePrune(inPlace, 0.37, { out: inPlace })).toBe(inPlace);
    expect(inPlace).toEqual(want.out);
  });

  it('runs asynchronously with the same result', async () => {
    const rng = new Rng(TEST_SEED + 3);
    const w = randomArray(rng, 150_000);
    expect(await magnitudeThresholdAsync(w, 0.2)).toEqual(magnitudeThreshold(w, 0.2));
    const mask = new Uint8Array(w.length);
    const got = await magnitudePruneAsync(w, 0.2, { mask });
    const want = magnitudePrune(w, 0.2);
    expect(got.every((v, i) => Object.is(v, want[i]))).toBe(true);
    expect(mask.reduce((s, m) => s + m, 0)).toBe(30_000);
  });

  it('rejects bad arguments with coded errors', async () => {
    const w = Float32Array.of(1, 2, 3, 4);
    const nan = Float32Array.of(1, Number.NaN, 3);
    const cases: [() => unknown, string, RegExp][] = [
      [() => magnitudeThreshold(w, -0.1), 'AMC_INVALID_ARGUMENT', /\[0, 1\] for density/],
      [() => magnitudeThreshold(w, 1.5), 'AMC_INVALID_ARGUMENT', /density/],
      [() => magnitudeThreshold(w, Number.NaN), 'AMC_NON_FINITE', /density/],
      [() => magnitudeThreshold(w, '0.5' as never), 'AMC_INVALID_ARGUMENT', /density/],
      [() => magnitudeThreshold([1, 2] as never, 0.5), 'AMC_INVALID_ARGUMENT', /Float32Array for weights/],
      [() => magnitudeThreshold(nan, 0.5), 'AMC_NON_FINITE', /NaN at index 1/],
      [() => magnitudeThreshold(nan, 0), 'AMC_NON_FINITE', /NaN/],
      [() => magnitudePrune(nan, 1), 'AMC_NON_FINITE', /weights/],
      [() => magnitudePrune(w, 0.5, { out: new Float32Array(3) }), 'AMC_SHAPE_MISMATCH', /options.out/],
      [() => magnitudePrune(w, 0.5, { mask: new Uint8Array(5) }), 'AMC_SHAPE_MISMATCH', /options.mask/],
      [() => magnitudePrune(w, 0.5, { mask: new Int8Array(4) as never }), 'AMC_INVALID_ARGUMENT', /Uint8Array/],
      [() => magnitudePrune(w, 0.5, 3 as never), 'AMC_INVALID_ARGUMENT', /options/],
    ];
    for (const [run, code, message] of cases) expectCode(run, code, message);
    await expect(magnitudeThresholdAsync(nan, 0.5)).rejects.toMatchObject({ code: 'AMC_NON_FINITE' });
    await expect(magnitudePruneAsync(w, 2)).rejects.toMatchObject({ code: 'AMC_INVALID_ARGUMENT' });
  });
});
