import { ErrorCode, argumentError } from './errors.js';

/** Serializable state of a {@link Rng}: four 32-bit words. */
export type RngState = readonly [number, number, number, number];

/**
 * A seeded pseudo-random generator (xoshiro128**, 32-bit state words seeded through splitmix32).
 * Same seed, same sequence, on every platform. Not cryptographic.
 *
 * @example
 * const rng = new Rng(42); rng.uniform(); rng.normal(); rng.int(10);
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | undefined;

  /** @throws AmcError AMC_INVALID_ARGUMENT when `seed` is not a finite integer. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw argumentError(ErrorCode.InvalidArgument, 'Rng', 'seed', 'a safe integer', seed);
    }
    let x = (seed ^ Math.floor(seed / 0x100000000)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform double in [low, high). */
  uniformRange(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** A uniform integer in [0, n). @throws AmcError when n is not a positive safe integer. */
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) {
      throw argumentError(ErrorCode.InvalidArgument, 'Rng.int', 'n', 'a positive safe integer', n);
    }
    return Math.floor(this.uniform() * n);
  }

  /** A standard normal sample (Box-Muller, the spare value is cached and part of the state). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  /** Fills a Float32Array with uniform values in [low, high). */
  fillUniform(out: Float32Array, low = -1, high = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * this.uniform();
    return out;
  }

  /** The full state, for checkpoints. Restoring it with {@link Rng.fromState} continues the same sequence. */
  getState(): { words: RngState; spareNormal: number | null } {
    return { words: [this.s0, this.s1, this.s2, this.s3], spareNormal: this.spareNormal ?? null };
  }

  /** Rebuilds a generator from {@link Rng.getState}. */
  static fromState(state: { words: RngState; spareNormal: number | null }): Rng {
    const words = state?.words;
    if (!Array.isArray(words) || words.length !== 4 || !words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
      throw argumentError(ErrorCode.InvalidArgument, 'Rng.fromState', 'state.words', 'four uint32 words', words);
    }
    const rng = new Rng(0);
    [rng.s0, rng.s1, rng.s2, rng.s3] = words as unknown as [number, number, number, number];
    rng.spareNormal = state.spareNormal ?? undefined;
    return rng;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
