/** Argument checks shared by the prune family's wrappers (internal, not exported from the package). */
import { ErrorCode, argumentError } from '@amc/core';
import { MAX_ELEMENTS, checkDims, checkFloat32, checkNumber } from './validate.js';

/** A validated tensor: its data and a copy of its shape. */
export interface CheckedTensor {
  data: Float32Array;
  shape: number[];
}

/**
 * Throws unless `value` is a FloatTensor (`{ data: Float32Array, shape: integer[] }`) of rank in
 * [minRank, maxRank] whose shape's product equals `data.length`.
 */
export function checkTensor(op: string, argument: string, value: unknown, minRank: number, maxRank: number): CheckedTensor {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, 'a tensor { data, shape }', value);
  }
  const { data, shape } = value as { data?: unknown; shape?: unknown };
  const checkedData = checkFloat32(op, `${argument}.data`, data);
  if (!Array.isArray(shape) || shape.length < minRank || shape.length > maxRank) {
    const ranks = minRank === maxRank ? `rank ${minRank}` : `rank ${minRank} to ${maxRank}`;
    throw argumentError(ErrorCode.InvalidArgument, op, `${argument}.shape`, `an array of integers (${ranks})`, shape);
  }
  const copy = shape.slice() as number[];
  const size = checkDims(op, `${argument}.shape`, copy);
  if (size !== checkedData.length) {
    throw argumentError(
      ErrorCode.ShapeMismatch,
      op,
      `${argument}.data`,
      `${size} elements (shape [${copy.join(', ')}])`,
      checkedData,
    );
  }
  return { data: checkedData, shape: copy };
}

/** Throws unless `value` is a number in [0, 1]; returns it. */
export function checkDensity(op: string, argument: string, value: unknown): number {
  const density = checkNumber(op, argument, value);
  if (density < 0 || density > 1) throw argumentError(ErrorCode.InvalidArgument, op, argument, 'a number in [0, 1]', value);
  return density;
}

/** Throws unless the array has at most MAX_ELEMENTS elements. */
export function checkLength(op: string, argument: string, array: ArrayLike<unknown>): number {
  if (array.length > MAX_ELEMENTS) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, `at most ${MAX_ELEMENTS} elements`, array);
  }
  return array.length;
}
