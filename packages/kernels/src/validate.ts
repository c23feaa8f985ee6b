/**
 * Argument validation shared by every wrapper. Each check throws an AmcError whose message follows
 * `<op>: expected <what> for <argument> but received <value>`.
 */
import { ACTIVATIONS, type Activation, AmcError, ErrorCode, argumentError } from '@amc/core';
import type { NativeActivation } from './binding/types.js';

/** Largest element count accepted for one buffer (2^31 - 1, the native index range). */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/**
 * Every key of an options type, each mapped to `true`: a literal of this type must name every option (the
 * compiler rejects a missing or an extra key), so the list cannot drift from the interface.
 */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

/**
 * Throws unless `value` is a plain (non-array, non-null) object or undefined whose keys are all in `keys` (a
 * misspelt option, e.g. `out` where `dx` is meant, would otherwise be ignored silently); returns it or `{}`.
 */
export function checkOptions<T extends object>(op: string, value: unknown, keys: OptionKeys<T>, argument = 'options'): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, 'an options object', value);
  }
  for (const key of Object.keys(value)) {
    if (!Object.prototype.hasOwnProperty.call(keys, key)) {
      throw argumentError(ErrorCode.InvalidArgument, op, `${argument}.${key}`, `an option of ${op} (${Object.keys(keys).join(', ')})`, (value as Record<string, unknown>)[key]);
    }
  }
  return value as Partial<T>;
}

/** Throws unless `value` is an integer in [min, max]. */
export function checkInt(op: string, argument: string, value: unknown, min = 0, max = MAX_ELEMENTS): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

/** Throws unless `value` is a finite number. */
export function checkNumber(op: string, argument: string, value: unknown): number {
  if (typeof value !== 'number') throw argumentError(ErrorCode.InvalidArgument, op, argument, 'a number', value);
  if (!Number.isFinite(value)) throw argumentError(ErrorCode.NonFinite, op, argument, 'a finite number', value);
  return value;
}

/** Throws unless `value` is a boolean (undefined gives `fallback`). */
export function checkBool(op: string, argument: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw argumentError(ErrorCode.InvalidArgument, op, argument, 'a boolean', value);
  return value;
}

/** Throws unless `value` is a Float32Array, of exactly `length` elements when given. */
export function checkFloat32(op: string, argument: string, value: unknown, length?: number): Float32Array {
  if (!(value instanceof Float32Array)) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, 'a Float32Array', value);
  }
  if (length !== undefined && value.length !== length) {
    throw argumentError(ErrorCode.ShapeMismatch, op, argument, `a Float32Array of length ${length}`, value);
  }
  return value;
}

/** Throws AMC_NON_FINITE when the array holds a NaN or an infinity. */
export function checkFinite(op: string, argument: string, array: Float32Array): void {
  for (let i = 0; i < array.length; i++) {
    const v = array[i] as number;
    if (v - v !== 0) {
      throw new AmcError(
        ErrorCode.NonFinite,
        `${op}: expected finite values for ${argument} but received ${v} at index ${i}`,
        { operation: op, argument, expected: 'finite values', received: `${v} at index ${i}` },
      );
    }
  }
}

/** Throws unless the dims are non-negative integers whose product fits in one buffer; returns the product. */
export function checkDims(op: string, argument: string, dims: readonly number[]): number {
  let size = 1;
  dims.forEach((d, i) => {
    checkInt(op, `${argument}[${i}]`, d, 0, MAX_ELEMENTS);
    size *= d;
  });
  if (size > MAX_ELEMENTS) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, `at most ${MAX_ELEMENTS} elements`, dims);
  }
  return size;
}

/**
 * Validates a list of distinct indices in [0, limit): a non-empty Int32Array or array of integers. Returns an
 * Int32Array (the same one when given an Int32Array).
 */
export function checkIndexList(op: string, argument: string, value: unknown, limit: number): Int32Array {
  let list: Int32Array;
  if (value instanceof Int32Array) {
    list = value;
  } else if (Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    list = Int32Array.from(value as number[]);
  } else {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, 'an Int32Array or an array of integers', value);
  }
  if (list.length === 0) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, `a non-empty index list`, value);
  }
  const seen = new Uint8Array(limit);
  for (let i = 0; i < list.length; i++) {
    const index = list[i] as number;
    if (index < 0 || index >= limit) {
      throw new AmcError(
        ErrorCode.IndexOutOfRange,
        `${op}: expected indices in [0, ${limit}) for ${argument} but received ${index} at position ${i}`,
        { operation: op, argument, expected: `indices in [0, ${limit})`, received: String(index) },
      );
    }
    if (seen[index] === 1) {
      throw new AmcError(
        ErrorCode.IndexOutOfRange,
        `${op}: expected distinct indices for ${argument} but received ${index} twice`,
        { operation: op, argument, expected: 'distinct indices', received: `${index} twice` },
      );
    }
    seen[index] = 1;
  }
  return list;
}

/** Maps an activation name to its native code. */
export function checkActivation(op: string, argument: string, value: unknown): NativeActivation {
  if (value === undefined) return 0;
  const index = ACTIVATIONS.indexOf(value as Activation);
  if (index < 0) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, `one of ${ACTIVATIONS.join(', ')}`, value);
  }
  return index as NativeActivation;
}

/** Returns `out` when given (checked for type and length), else a fresh zeroed array. */
export function outputBuffer(op: string, out: unknown, length: number, argument = 'options.out'): Float32Array {
  if (out === undefined) return allocateFloat32(op, argument, length);
  return checkFloat32(op, argument, out, length);
}

/** Allocates a zeroed Float32Array, turning an allocation failure into AMC_OUT_OF_MEMORY. */
export function allocateFloat32(op: string, argument: string, length: number): Float32Array {
  return allocateTyped(op, argument, Float32Array, length);
}

/**
 * Allocates a zeroed typed array whose size comes from user-given dimensions, turning an impossible size
 * (more than MAX_ELEMENTS, or more memory than the process can get) into AMC_OUT_OF_MEMORY instead of a RangeError.
 */
export function allocateTyped<T>(op: string, argument: string, Ctor: new (length: number) => T, length: number): T {
  try {
    if (!(length <= MAX_ELEMENTS)) throw new RangeError(`length ${length} exceeds ${MAX_ELEMENTS}`);
    return new Ctor(length);
  } catch (e) {
    throw new AmcError(ErrorCode.OutOfMemory, `${op}: cannot allocate ${length} floats for ${argument}`, {
      operation: op,
      argument,
      expected: 'an allocatable size',
      received: String(length),
      cause: e,
    });
  }
}
