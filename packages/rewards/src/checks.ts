/**
 * Argument checks shared by the package (internal, not exported from the package).
 */
import { ErrorCode, argumentError } from '@amc/core';

/** Throws AMC_INVALID_ARGUMENT unless `value` is a finite number in [0, 1]; returns it. */
export function checkUnitInterval(op: string, argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, 'a number in [0, 1]', value);
  }
  return value;
}

/** Throws AMC_INVALID_ARGUMENT unless `value` is a finite number >= 0; returns it. */
export function checkNonNegative(op: string, argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, 'a finite number >= 0', value);
  }
  return value;
}

/** Throws AMC_INVALID_ARGUMENT unless `value` is a finite number > 0; returns it. */
export function checkPositive(op: string, argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, 'a finite number > 0', value);
  }
  return value;
}

/** Throws AMC_INVALID_ARGUMENT unless `value` is a plain object (not null, not an array); returns it. */
export function checkObject(op: string, argument: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, 'an object', value);
  }
  return value as Record<string, unknown>;
}

/** Options objects are checked by the shared @amc/core helper. */
export { checkOptions } from '@amc/core';
