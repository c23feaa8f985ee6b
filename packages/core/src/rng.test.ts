import { describe, expect, it } from 'vitest';
import { AmcError, ErrorCode } from './errors.js';
import { Rng } from './rng.js';

describe('Rng', () => {
  it('repeats the same sequence for the same seed and differs across seeds', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const sa = Array.from({ length: 100 }, () => a.nextUint32());
    const sb = Array.from({ length: 100 }, () => b.nextUint32());
    const sc = Array.from({ length: 100 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('gives uniforms in [0,1) with the right mean and variance', () => {
    const rng = new Rng(1);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      min = Math.min(min, u);
      max = Math.max(max, u);
      sum += u;
      sumSq += u * u;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    const mean = sum / n;
    expect(mean).toBeCloseTo(0.5, 2);
    expect(sumSq / n - mean * mean).toBeCloseTo(1 / 12, 2);
  });

  it('gives standard normals', () => {
    const rng = new Rng(3);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
    }
    expect(sum / n).toBeCloseTo(0, 1);
    expect(sumSq / n).toBeCloseTo(1, 1);
  });

  it('restores its state exactly, including the cached normal', () => {
    const rng = new Rng(11);
    rng.normal();
    const state = JSON.parse(JSON.stringify(rng.getState()));
    const expected = [rng.normal(), rng.uniform(), rng.int(1000)];
    const restored = Rng.fromState(state);
    expect([restored.normal(), restored.uniform(), restored.int(1000)]).toEqual(expected);
  });

  it('rejects bad seeds and bad arguments with coded errors', () => {
    expect(() => new Rng(Number.NaN)).toThrow(AmcError);
    try {
      new Rng(1.5);
    } catch (e) {
      expect(AmcError.isInstance(e)).toBe(true);
      expect((e as AmcError).code).toBe(ErrorCode.InvalidArgument);
      expect((e as AmcError).message).toMatch(/expected a safe integer for seed but received 1.5/);
    }
    expect(() => new Rng(0).int(0)).toThrow(/positive safe integer/);
    expect(() => Rng.fromState({ words: [1, 2, 3] as never, spareNormal: null })).toThrow(AmcError);
  });

  it('shuffles deterministically as a permutation', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const a = new Rng(5).shuffle([...items]);
    const b = new Rng(5).shuffle([...items]);
    expect(a).toEqual(b);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
  });
});
