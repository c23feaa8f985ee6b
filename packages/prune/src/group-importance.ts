import { ErrorCode, argumentError } from '@amc/core';
import { mapIndices, type ChannelGroup, type Graph, type GroupMember, type WeightTensor } from '@amc/graph';
import { channelImportance } from '@amc/kernels';
import { checkGraph } from './checks.js';

/**
 * The L1 importance of every channel of `group` (AMC-SPEC section 4.1): for channel `c`, the sum over the
 * group's consumers of |w| over the consumer's input slice of that channel, i.e. for a conv consumer
 * `sum over (kh, kw, out) of |W[kh, kw, c, out]|`; after a flatten, every dense input row that belongs to `c`;
 * for a separable consumer its depthwise and pointwise slices. Each consumer member's `slices`
 * (`{ weight, axis, map }`) say where the channel sits; the per-index L1 norms come from the native
 * `channelImportance` (accumulated in double) and are summed over `mapIndices(map, [c])`.
 *
 * A group without consumers (its channels only flow into an add, say) is scored by its producers' output slices.
 *
 * @returns `group.channels` scores.
 * @throws AmcError AMC_INVALID_ARGUMENT when `graph` is not a Graph or `group` is not one of its groups
 *   (a member or weight that the graph lacks).
 * @example
 * const group = findGroups(graph).find((g) => g.prunable)!;
 * const kept = topKIndices(groupImportance(graph, group), 8);
 */
export function groupImportance(graph: Graph, group: ChannelGroup): Float32Array {
  const op = 'groupImportance';
  checkGraph(op, 'graph', graph);
  if (typeof group !== 'object' || group === null || !Number.isSafeInteger(group.channels) || !Array.isArray(group.consumers)) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'group', 'a ChannelGroup from findGroups', group);
  }
  const hasSlices = (members: GroupMember[]) => members.some((m) => m.slices.length > 0);
  const members = hasSlices(group.consumers) ? group.consumers : group.producers;
  const scores = new Float64Array(group.channels);
  for (const member of members) {
    const node = graph.nodes[member.node];
    if (node === undefined || node.name !== member.name) {
      throw argumentError(ErrorCode.InvalidArgument, op, 'group', `a group of graph ${graph.name}`, member.name);
    }
    for (const slice of member.slices) {
      const weight = (node.weights as Record<string, WeightTensor | undefined>)[slice.weight];
      if (weight === undefined || weight.shape[slice.axis] !== slice.map.axisLength || slice.map.channels !== group.channels) {
        throw argumentError(ErrorCode.InvalidArgument, op, 'group', `a group of graph ${graph.name} (weight ${member.name}.${slice.weight})`, slice.weight);
      }
      const perIndex = channelImportance({ data: weight.data, shape: weight.shape }, slice.axis);
      for (let c = 0; c < group.channels; c++) {
        for (const i of mapIndices(slice.map, [c])) scores[c] = (scores[c] as number) + (perIndex[i] as number);
      }
    }
  }
  return Float32Array.from(scores);
}
