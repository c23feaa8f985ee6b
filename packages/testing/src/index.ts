/**
 * Test helpers shared by the amc packages' tests. Private to this repository (never published): coded-error
 * assertions, per-seed loops, seeded inputs and the relative error the numeric tests compare with.
 * `@amc/testing/tfjs` adds the helpers that need TensorFlow.js.
 */
import { AmcError, Rng } from '@amc/core';
import { expect } from 'vitest';

/** What an error message must hold: a string it contains, or a pattern it matches. */
export type MessagePart = string | RegExp;

/** Runs `run` and returns what it threw; `threw` tells a thrown `undefined` from nothing thrown. */
function capture(run: () => unknown): { threw: boolean; caught: unknown } {
  try {
    run();
    return { threw: false, caught: undefined };
  } catch (caught) {
    return { threw: true, caught };
  }
}

/**
 * The shared check: something was thrown, `isKind` accepts it, it carries `code`, and its message holds every part.
 * `kind` names what was expected in the failure messages.
 */
function checkCoded<E extends Error>(
  outcome: { threw: boolean; caught: unknown },
  kind: string,
  isKind: (e: unknown) => e is E,
  code: string,
  message: readonly MessagePart[],
): E {
  const wanted = `${kind} ${code}${message.length > 0 ? ` (${message.map(String).join(', ')})` : ''}`;
  if (!outcome.threw) throw new Error(`expected ${wanted}, got no error: nothing was thrown`);
  expect(isKind(outcome.caught), `expected ${wanted}, got ${String(outcome.caught)}`).toBe(true);
  const error = outcome.caught as E & { code?: unknown };
  expect(error.code, `expected ${wanted}, got: ${error.message}`).toBe(code);
  for (const part of message) {
    if (typeof part === 'string') expect(error.message).toContain(part);
    else expect(error.message).toMatch(part);
  }
  return error;
}

const isAmcError = (e: unknown): e is AmcError => AmcError.isInstance(e);
const isError = (e: unknown): e is Error => e instanceof Error;

/**
 * Runs `run` and asserts that it throws an {@link AmcError} with `code` whose message contains every string and
 * matches every pattern of `message`. Returns the error for further checks (its `argument`, say).
 */
export function expectCode(run: () => unknown, code: string, ...message: MessagePart[]): AmcError {
  return checkCoded(capture(run), 'an AmcError', isAmcError, code, message);
}

/** {@link expectCode} for a promise (or a function returning one) that must reject. */
export async function expectCodeAsync(
  run: Promise<unknown> | (() => Promise<unknown>),
  code: string,
  ...message: MessagePart[]
): Promise<AmcError> {
  let outcome: { threw: boolean; caught: unknown };
  try {
    await (typeof run === 'function' ? run() : run);
    outcome = { threw: false, caught: undefined };
  } catch (caught) {
    outcome = { threw: true, caught };
  }
  return checkCoded(outcome, 'an AmcError', isAmcError, code, message);
}

/**
 * {@link expectCode} for the raw native addon, below the TypeScript wrappers: it throws plain `Error`s that carry a
 * `code` (the wrappers turn them into {@link AmcError}s). Asserts an `Error` with `code` and the message parts.
 */
export function expectNativeCode(run: () => unknown, code: string, ...message: MessagePart[]): Error {
  return checkCoded(capture(run), 'a native error', isError, code, message);
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

/** `n` floats uniform in [-1, 1) from `seed`. */
export function randomInput(n: number, seed: number): Float32Array {
  return new Rng(seed).fillUniform(new Float32Array(n), -1, 1);
}

/** max |actual - expected| / max |expected| (the plain max difference when `expected` is all zeros). */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length, 'relativeError: lengths').toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return diff / (scale === 0 ? 1 : scale);
}
