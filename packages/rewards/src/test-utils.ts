/**
 * Helpers of the rewards tests (not exported from the package).
 */
import { AmcError } from '@amc/core';
import { expect } from 'vitest';

/** Asserts that `fn` throws an AmcError with `code` (and a message matching `text`, if given). */
export function expectCode(fn: () => unknown, code: string, text?: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(AmcError.isInstance(e)).toBe(true);
    expect((e as AmcError).code).toBe(code);
    if (text !== undefined) expect((e as AmcError).message).toMatch(text);
    return;
  }
  throw new Error('expected an AmcError');
}

/** Runs `body(seed)` for `count` seeds from `base`; a failure is rethrown with its seed in the message. */
export function forEachSeed(base: number, count: number, body: (seed: number) => void): void {
  for (let i = 0; i < count; i++) {
    const seed = base + i;
    try {
      body(seed);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new Error(`failed for seed ${seed} (rerun: forEachSeed(${seed}, 1, ...)): ${message}`, { cause: e });
    }
  }
}
