import { ErrorCode, argumentError } from '@amc/core';

/**
 * Where the channels of a {@link ChannelGroup} sit along one axis of one tensor or weight (a channel axis, a
 * dense layer's input rows, a depthwise kernel's input axis). Group channel `c` occupies the indices
 *
 * ```
 * offset + p * outerStride + c * channelStride + k      for p in [0, outer), k in [0, inner)
 * ```
 *
 * - identity (BN, ReLU, an add operand): `{ offset: 0, channelStride: 1, inner: 1, outer: 1 }`;
 * - the second operand of a channel concatenation, after a first operand of 16 channels: `offset: 16`;
 * - the output of a depthwise conv with multiplier m: `channelStride: m, inner: m` (output `c * m + k` reads input `c`);
 * - a dense layer's input rows after `Flatten` of a `[7, 7, 64]` map: `outer: 49, outerStride: 64` (row `p * 64 + c`).
 *
 * The form is closed under these four steps, in any order, so any chain of them keeps an exact mapping.
 *
 * @example
 * // Flatten of [2, 2, 3] then Dense: group channel 1 is dense input rows 1, 4, 7, 10.
 * mapIndices({ channels: 3, axisLength: 12, offset: 0, channelStride: 1, inner: 1, outer: 4, outerStride: 3 }, [1]);
 */
export interface IndexMap {
  /** Channels of the group. */
  readonly channels: number;
  /** Length of the axis the indices fall in. */
  readonly axisLength: number;
  readonly offset: number;
  readonly channelStride: number;
  readonly inner: number;
  readonly outer: number;
  readonly outerStride: number;
}

/** The map of a tensor whose channel axis is exactly the group's `channels` channels. */
export function identityMap(channels: number): IndexMap {
  return { channels, axisLength: channels, offset: 0, channelStride: 1, inner: 1, outer: 1, outerStride: channels };
}

/** True for {@link identityMap}-like maps (index = channel). */
export function isIdentityMap(map: IndexMap): boolean {
  return map.offset === 0 && map.channelStride === 1 && map.inner === 1 && map.outer === 1 && map.axisLength === map.channels;
}

/** The map after the axis is placed at `offset` of a concatenation of total length `axisLength`. */
export function shiftMap(map: IndexMap, offset: number, axisLength: number): IndexMap {
  return { ...map, offset: map.offset + offset, axisLength };
}

/** The map after a depthwise conv with multiplier `m` (index `i` becomes `i * m .. i * m + m - 1`). */
export function repeatMap(map: IndexMap, m: number): IndexMap {
  return {
    ...map,
    offset: map.offset * m,
    channelStride: map.channelStride * m,
    inner: map.inner * m,
    outerStride: map.outerStride * m,
    axisLength: map.axisLength * m,
  };
}

/**
 * The map after a channels-last flatten of `positions` spatial positions (index `i` of the channel axis becomes
 * `p * axisLength + i`), or undefined when the map already repeats over an outer axis (not representable; such a
 * flatten needs a reshape the importer does not produce).
 */
export function flattenMap(map: IndexMap, positions: number): IndexMap | undefined {
  if (positions === 1) return map;
  if (map.outer !== 1) return undefined;
  return { ...map, outer: positions, outerStride: map.axisLength, axisLength: positions * map.axisLength };
}

/** Whether two maps place the channels identically. */
export function mapsEqual(a: IndexMap, b: IndexMap): boolean {
  return (
    a.channels === b.channels &&
    a.axisLength === b.axisLength &&
    a.offset === b.offset &&
    a.channelStride === b.channelStride &&
    a.inner === b.inner &&
    a.outer === b.outer &&
    a.outerStride === b.outerStride
  );
}

/**
 * The indices of the axis that the group channels `channels` occupy, ascending. Pruning keeps
 * `mapIndices(map, kept)` along the axis (and removes the complement).
 *
 * @throws AmcError AMC_INDEX_OUT_OF_RANGE for a channel outside [0, map.channels) or not an integer.
 */
export function mapIndices(map: IndexMap, channels: Iterable<number>): number[] {
  const indices: number[] = [];
  for (const c of channels) {
    if (!Number.isInteger(c) || c < 0 || c >= map.channels) {
      throw argumentError(ErrorCode.IndexOutOfRange, 'mapIndices', 'channels', `integers in [0, ${map.channels})`, c);
    }
    for (let p = 0; p < map.outer; p++) {
      const base = map.offset + p * map.outerStride + c * map.channelStride;
      for (let k = 0; k < map.inner; k++) indices.push(base + k);
    }
  }
  return indices.sort((a, b) => a - b);
}
