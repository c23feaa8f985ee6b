import { ErrorCode, argumentError } from '@amc/core';

/** Options objects are checked by the shared @amc/core helper. */
export { checkOptions } from '@amc/core';

/** Throws AMC_INVALID_ARGUMENT unless `value` is a safe integer in [min, max]. */
export function checkInteger(op: string, argument: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw argumentError(ErrorCode.InvalidArgument, op, argument, `an integer ${range}`, value);
  }
  return value;
}

/**
 * Throws unless `value` is a number in the interval described by `low`, `high` and the open/closed flags:
 * AMC_NON_FINITE for NaN and infinities (when the interval is finite), AMC_INVALID_ARGUMENT otherwise.
 */
export function checkNumber(
  op: string,
  argument: string,
  value: unknown,
  low: number,
  high: number,
  { lowOpen = false, highOpen = false }: { lowOpen?: boolean; highOpen?: boolean } = {},
): number {
  const expected = `a number in ${lowOpen ? '(' : '['}${low}, ${high}${highOpen ? ')' : ']'}`;
  if (typeof value !== 'number') throw argumentError(ErrorCode.InvalidArgument, op, argument, expected, value);
  if (!Number.isFinite(value)) throw argumentError(ErrorCode.NonFinite, op, argument, `a finite number (${expected})`, value);
  const ok = (lowOpen ? value > low : value >= low) && (highOpen ? value < high : value <= high);
  if (!ok) throw argumentError(ErrorCode.InvalidArgument, op, argument, expected, value);
  return value;
}

/** Throws AMC_INVALID_ARGUMENT unless `value` is a boolean. */
export function checkBoolean(op: string, argument: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw argumentError(ErrorCode.InvalidArgument, op, argument, 'a boolean', value);
  return value;
}

/**
 * Copies `value` (an array or typed array of `length` numbers) into `out` at `offset`. Throws AMC_INVALID_ARGUMENT
 * for a non-array, a wrong length or a non-number element, AMC_NON_FINITE for NaN / infinite elements, and
 * AMC_INVALID_ARGUMENT for elements outside `[low, high]` when bounds are given.
 */
export function copyVector(
  op: string,
  argument: string,
  value: unknown,
  length: number,
  out: Float64Array,
  offset = 0,
  bounds?: { low: number; high: number },
): void {
  const isArrayLike = Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
  const expected = `an array of ${length} finite numbers${bounds === undefined ? '' : ` in [${bounds.low}, ${bounds.high}]`}`;
  if (!isArrayLike || (value as ArrayLike<unknown>).length !== length) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, expected, value);
  }
  const items = value as ArrayLike<unknown>;
  for (let i = 0; i < length; i++) {
    const v = items[i];
    if (typeof v !== 'number') throw argumentError(ErrorCode.InvalidArgument, op, `${argument}[${i}]`, 'a number', v);
    if (!Number.isFinite(v)) throw argumentError(ErrorCode.NonFinite, op, `${argument}[${i}]`, 'a finite number', v);
    if (bounds !== undefined && (v < bounds.low || v > bounds.high)) {
      throw argumentError(ErrorCode.InvalidArgument, op, `${argument}[${i}]`, `a number in [${bounds.low}, ${bounds.high}]`, v);
    }
    out[offset + i] = v;
  }
}
