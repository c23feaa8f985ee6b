import { ErrorCode, argumentError } from '@amc/core';

/**
 * The number of channels a preserve ratio keeps (AMC-SPEC section 3): `d = max(1, round(channels * ratio))`,
 * rounded **up** to a multiple of `channelRound`, capped at `channels`. The effective ratio is `d / channels`.
 *
 * @param channels the group's channel count, a positive integer.
 * @param ratio the preserve ratio, in (0, 1] (1 keeps every channel).
 * @param channelRound the channel multiple, a positive integer (1: no rounding; the AMC reference uses 8).
 * @throws AmcError AMC_INVALID_ARGUMENT for a channel count or channel multiple that is not a positive integer,
 *   or a ratio outside (0, 1].
 * @example
 * keptChannelCount(64, 0.3, 8); // round(19.2) = 19, up to 24
 * keptChannelCount(10, 0.5, 8); // 5, up to 8
 * keptChannelCount(6, 0.5, 8);  // 3, up to 8, capped at 6
 */
export function keptChannelCount(channels: number, ratio: number, channelRound = 1): number {
  const op = 'keptChannelCount';
  if (!Number.isSafeInteger(channels) || channels < 1) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'channels', 'a positive integer', channels);
  }
  checkRatio(op, 'ratio', ratio);
  if (!Number.isSafeInteger(channelRound) || channelRound < 1) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'channelRound', 'a positive integer', channelRound);
  }
  const d = Math.max(1, Math.round(channels * ratio));
  return Math.min(channels, Math.ceil(d / channelRound) * channelRound);
}

/** Throws AMC_INVALID_ARGUMENT unless `ratio` is a number in (0, 1]. */
export function checkRatio(op: string, argument: string, ratio: unknown): number {
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio <= 0 || ratio > 1) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, 'a preserve ratio in (0, 1]', ratio);
  }
  return ratio;
}
