/**
 * Channel pruning of coupled-channel groups (AMC-SPEC section 4.1 and 4.3): choose the kept channels of each
 * group by L1 importance and physically remove the others from every member of the group.
 */
import { AmcError, ErrorCode, argumentError } from '@amc/core';
import { findGroups, mapIndices, type ChannelGroup, type Graph, type WeightTensor } from '@amc/graph';
import { topKIndices } from '@amc/kernels';
import { checkGraph, checkOptions } from './checks.js';
import { groupImportance } from './group-importance.js';
import { checkRatio, keptChannelCount } from './kept-channel-count.js';
import { propagateShapes, sliceAxis } from './slice.js';

/** Preserve ratio per group id (the index in `findGroups(graph)`): a Map, or an object / array keyed by id. */
export type PruneDecisions = ReadonlyMap<number, number> | Readonly<Record<number, number>> | readonly number[];

/** Options of {@link pruneChannels}. */
export interface PruneChannelsOptions {
  /** Round kept counts up to a multiple of this (see {@link keptChannelCount}). Default 1 (no rounding). */
  channelRound?: number;
  /** The groups of `graph`, when already computed (`findGroups(graph)`); default: computed here. */
  groups?: readonly ChannelGroup[];
  /**
   * Share the weight arrays of the tensors pruning does not slice with `graph` instead of copying them (what a
   * search does per candidate: only the sliced tensors are new). Treat the shared arrays as read-only. Default false.
   */
  shareWeights?: boolean;
  /**
   * Channel scores per group id (`group.channels` finite numbers each; higher is kept first) that replace
   * {@link groupImportance} for those groups, e.g. a data-aware criterion computed once by a search. Groups not in
   * the map use the L1 importance.
   */
  importance?: ReadonlyMap<number, ArrayLike<number>>;
}

/** Result of {@link pruneChannels}. */
export interface PruneResult {
  /** A new, physically smaller graph; the input graph is untouched. */
  graph: Graph;
  /** For every decided group id, its kept channels (ascending group channel indices). */
  kept: Map<number, number[]>;
  /** MACs per sample of the pruned graph. */
  macs: number;
  /** Parameters of the pruned graph (batch-norm statistics included, as `graph.totals()`). */
  params: number;
}

const OPERATION = 'pruneChannels';

function decisionEntries(decisions: unknown): [number, unknown][] {
  if (decisions instanceof Map) return [...(decisions as Map<unknown, unknown>).entries()].map(([k, v]) => [k as number, v]);
  if (Array.isArray(decisions)) return decisions.map((v, i) => [i, v] as [number, unknown]).filter(([, v]) => v !== undefined);
  if (typeof decisions === 'object' && decisions !== null) {
    return Object.entries(decisions).map(([k, v]) => [/^\d+$/.test(k) ? Number(k) : (k as unknown as number), v]);
  }
  throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'decisions', 'a Map, object or array of group id -> preserve ratio', decisions);
}

function describeGroup(group: ChannelGroup): string {
  const names = (ms: { name: string }[]) => (ms.length === 0 ? '-' : ms.map((m) => m.name).join(', '));
  return `group #${group.id} (${group.channels} channels; producers: ${names(group.producers)}; consumers: ${names(group.consumers)})`;
}

/**
 * Prunes the channels of the groups named in `decisions` (group id → preserve ratio in (0, 1]). For each
 * group with ratio < 1, `d = keptChannelCount(channels, ratio, channelRound)` channels are kept: the top d by
 * {@link groupImportance} or `options.importance` (ties to the lower index), in ascending index order. Every member weight of the group is
 * sliced through its `{ weight, axis, map }`: producers' output channels and biases, batch-norm gamma / beta /
 * moving statistics, depthwise kernels and biases, consumers' input channels (dense rows after a flatten,
 * channel ranges after a concatenation). Then every node's shapes and channel attrs (`filters`, `units`) are
 * recomputed and `refreshNodeStats` is called. A ratio of 1 keeps the group as is (its kept list is every
 * channel). The consumers are not reconstructed here (see {@link reconstructConsumers}).
 *
 * @example
 * const groups = findGroups(graph);
 * const inner = groups.filter((g) => g.prunable && !g.isResidual);
 * const { graph: small, macs } = pruneChannels(graph, new Map(inner.map((g) => [g.id, 0.5])));
 * @throws AmcError AMC_INVALID_ARGUMENT (not a Graph, bad decisions / options, a ratio outside (0, 1], an
 *   unknown group id), AMC_UNSUPPORTED (a ratio < 1 for a group that is not prunable; the message names the
 *   group and the reasons), AMC_SHAPE_MISMATCH (`options.groups` do not belong to `graph`).
 */
export function pruneChannels(graph: Graph, decisions: PruneDecisions, options?: PruneChannelsOptions): PruneResult {
  checkGraph(OPERATION, 'graph', graph);
  const o = checkOptions<PruneChannelsOptions>(OPERATION, options, ['channelRound', 'groups', 'shareWeights', 'importance']);
  const channelRound = o.channelRound ?? 1;
  if (!Number.isSafeInteger(channelRound) || channelRound < 1) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'options.channelRound', 'a positive integer', o.channelRound);
  }
  if (o.groups !== undefined && !Array.isArray(o.groups)) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'options.groups', 'the array findGroups(graph) returns', o.groups);
  }
  const groups: readonly ChannelGroup[] = o.groups ?? findGroups(graph);
  if (o.importance !== undefined) {
    if (!(o.importance instanceof Map)) throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'options.importance', 'a Map from group id to channel scores', o.importance);
    for (const [id, scores] of o.importance) {
      const group = typeof id === 'number' ? groups[id] : undefined;
      if (group === undefined) throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'options.importance', `group ids in [0, ${groups.length})`, id);
      const ok = typeof scores === 'object' && scores !== null && scores.length === group.channels && Array.prototype.every.call(scores, (v: unknown) => typeof v === 'number' && Number.isFinite(v));
      if (!ok) throw argumentError(ErrorCode.InvalidArgument, OPERATION, `options.importance[${id}]`, `${group.channels} finite scores`, scores);
    }
  }

  // Validate every decision before doing any work.
  const plan: { group: ChannelGroup; ratio: number }[] = [];
  const seen = new Set<number>();
  for (const [id, ratio] of decisionEntries(decisions)) {
    const group = typeof id === 'number' && Number.isInteger(id) ? groups[id] : undefined;
    if (group === undefined) {
      throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'decisions', `group ids in [0, ${groups.length})`, id);
    }
    if (seen.has(id)) throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'decisions', 'each group id once', id);
    seen.add(id);
    checkRatio(OPERATION, `decisions[${id}]`, ratio);
    if ((ratio as number) < 1 && !group.prunable) {
      const why = group.reasons.map((r) => `${r.code} (${r.detail})`).join('; ');
      throw new AmcError(ErrorCode.Unsupported, `${OPERATION}: ${describeGroup(group)} is not prunable: ${why}; its ratio must be 1 but received ${String(ratio)}`, {
        operation: OPERATION,
        argument: `decisions[${id}]`,
        expected: '1 (the group is not prunable)',
        received: String(ratio),
      });
    }
    plan.push({ group, ratio: ratio as number });
  }

  // Indices to remove per (node, weight, axis), in the original coordinates: a weight axis may hold the
  // channels of several groups (a consumer after a concatenation), so all removals are applied at once.
  const removals = new Map<string, { node: number; weight: string; axis: number; remove: Set<number> }>();
  const kept = new Map<number, number[]>();
  for (const { group, ratio } of plan) {
    const d = keptChannelCount(group.channels, ratio, channelRound);
    if (d === group.channels) {
      kept.set(group.id, Array.from({ length: d }, (_, i) => i));
      continue;
    }
    const custom = o.importance?.get(group.id);
    const scores = custom === undefined ? groupImportance(graph, group) : custom instanceof Float32Array ? custom : Float32Array.from(custom);
    const keep = [...topKIndices(scores, d)];
    kept.set(group.id, keep);
    const dropped: number[] = [];
    const keepSet = new Set(keep);
    for (let c = 0; c < group.channels; c++) if (!keepSet.has(c)) dropped.push(c);
    for (const member of [...group.producers, ...group.passThrough, ...group.consumers]) {
      for (const slice of member.slices) {
        const key = `${member.node}/${slice.weight}/${slice.axis}`;
        let entry = removals.get(key);
        if (entry === undefined) {
          entry = { node: member.node, weight: slice.weight, axis: slice.axis, remove: new Set() };
          removals.set(key, entry);
        }
        for (const i of mapIndices(slice.map, dropped)) entry.remove.add(i);
      }
    }
  }

  const pruned = graph.clone({ shareWeights: o.shareWeights === true });
  for (const { node: id, weight, axis, remove } of removals.values()) {
    const node = pruned.node(id);
    const weights = node.weights as Record<string, WeightTensor | undefined>;
    const tensor = weights[weight];
    if (tensor === undefined || axis >= tensor.shape.length) {
      throw argumentError(ErrorCode.ShapeMismatch, OPERATION, 'options.groups', `groups of graph ${graph.name}`, `${node.name}.${weight}`);
    }
    const length = tensor.shape[axis] as number;
    const keep: number[] = [];
    for (let i = 0; i < length; i++) if (!remove.has(i)) keep.push(i);
    weights[weight] = sliceAxis(tensor, axis, keep);
  }
  propagateShapes(pruned);
  const totals = pruned.totals();
  return { graph: pruned, kept, macs: totals.macs, params: totals.params };
}
