/**
 * Validation helpers shared by the conv family's wrappers (conv.ts, depthwise.ts, conv-backprop.ts,
 * sliced-conv.ts). Not exported from the package.
 */
import { ErrorCode, type FloatTensor, argumentError } from '@amc/core';
import { checkDims, checkInt } from './validate.js';

/** A validated tensor: its data and a plain copy of its shape. */
export interface CheckedTensor {
  data: Float32Array;
  shape: number[];
}

/**
 * Throws unless `value` is an array of `rank` non-negative integers (with a fitting product; `rank` -1: any rank
 * >= 1); returns a copy.
 */
export function checkShape(op: string, argument: string, value: unknown, rank: number, what: string): number[] {
  if (!Array.isArray(value) || (rank >= 0 ? value.length !== rank : value.length < 1)) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, what, value);
  }
  checkDims(op, argument, value as number[]);
  return [...(value as number[])];
}

/**
 * Throws unless `value` is a FloatTensor of rank `rank` (`what` names the layout, e.g. "an NHWC tensor") whose
 * data is a Float32Array holding exactly the shape's element count.
 */
export function checkTensor(op: string, argument: string, value: unknown, rank: number, what: string): CheckedTensor {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, `${what} ({ data, shape })`, value);
  }
  const tensor = value as Partial<FloatTensor>;
  if (!(tensor.data instanceof Float32Array)) {
    throw argumentError(ErrorCode.InvalidArgument, op, `${argument}.data`, 'a Float32Array', tensor.data);
  }
  const shape = checkShape(op, `${argument}.shape`, tensor.shape, rank, `a shape of rank ${rank >= 0 ? rank : '>= 1'} (${what})`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (tensor.data.length !== size) {
    throw argumentError(
      ErrorCode.ShapeMismatch,
      op,
      `${argument}.data`,
      `a Float32Array of length ${size} (the product of shape [${shape.join(', ')}])`,
      tensor.data,
    );
  }
  return { data: tensor.data, shape };
}

/** Throws AMC_SHAPE_MISMATCH for `argument`. */
export function shapeMismatch(op: string, argument: string, expected: string, received: unknown): never {
  throw argumentError(ErrorCode.ShapeMismatch, op, argument, expected, received);
}

/** Throws unless `out` shares no memory with any of the inputs (a kernel never runs in place). */
export function checkNoOverlap(op: string, argument: string, out: Float32Array, inputs: readonly (Float32Array | undefined)[]): void {
  for (const input of inputs) {
    if (input === undefined || input.buffer !== out.buffer) continue;
    const outEnd = out.byteOffset + out.byteLength;
    const inEnd = input.byteOffset + input.byteLength;
    if (out.byteOffset < inEnd && input.byteOffset < outEnd && out.length > 0 && input.length > 0) {
      throw argumentError(ErrorCode.InvalidArgument, op, argument, 'a buffer that does not overlap the inputs', out);
    }
  }
}

/**
 * Validates the shared arguments of a grouped conv: the NHWC input, the HWIO filter and `groups`. Returns the
 * groups count. Shared by conv2d and its backprops.
 */
export function checkGroups(op: string, groupsOption: unknown, inChannels: number, filterShape: readonly number[]): number {
  const groups = groupsOption === undefined ? 1 : checkInt(op, 'options.groups', groupsOption, 1, 1 << 24);
  const outChannels = filterShape[3] as number;
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw argumentError(
      ErrorCode.InvalidArgument,
      op,
      'options.groups',
      `a divisor of the input channels (${inChannels}) and of the output channels (${outChannels})`,
      groupsOption,
    );
  }
  if ((filterShape[2] as number) * groups !== inChannels) {
    shapeMismatch(
      op,
      'filter.shape',
      `[kh, kw, ${inChannels / groups}, outChannels] (the input channels ${inChannels} / groups ${groups})`,
      filterShape,
    );
  }
  return groups;
}
