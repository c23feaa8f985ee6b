import { ErrorCode, argumentError } from './errors.js';

/**
 * Checks an options argument: `undefined` (returns `{}`) or a plain object whose keys are all in `known`.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT naming `argument` (not an object) or `argument.key` (an unknown key, with
 *   the known ones listed).
 * @example
 * const o = checkOptions<PruneOptions>('pruneChannels', options, ['channelRound', 'groups']);
 */
export function checkOptions<T extends object>(op: string, value: unknown, known: readonly string[], argument = 'options'): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, 'an options object or undefined', value);
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw argumentError(ErrorCode.InvalidArgument, op, `${argument}.${key}`, `one of ${known.join(', ')}`, key);
  }
  return value as Partial<T>;
}
