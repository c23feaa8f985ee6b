/**
 * Coupled-channel groups: the units AMC decides once. Channels are traced through the graph as "channel spaces"
 * (the output channels of one producer or one model input); pass-through layers carry them with an
 * {@link IndexMap}, and layers that force two spaces to be equal channel by channel (add, concatenation on a
 * non-channel axis) join them in a union-find.
 */
import { ErrorCode, argumentError } from '@amc/core';
import type { Graph } from './graph.js';
import { flattenMap, identityMap, mapsEqual, repeatMap, shiftMap, type IndexMap } from './index-map.js';
import { pointwiseMacs } from './stats.js';
import { CROSS_CHANNEL_ACTIVATIONS, weightEntries, type GraphNode, type NodeKind } from './types.js';

/** Why a group may not be pruned. */
export type NotPrunableCode =
  /** It holds the channels of a model input (the image is never pruned). */
  | 'modelInput'
  /** Its channels reach a model output (the logits, or any other output). */
  | 'modelOutput'
  /** A producer or pass-through mixes its channels (a softmax across channels). */
  | 'crossChannelOp'
  /** Its spaces are coupled through layouts that do not line up channel by channel (e.g. an add of a concatenation and a conv output). */
  | 'unmappableCoupling'
  /** It has a single channel: there is nothing to decide. */
  | 'singleChannel'
  /** It is a residual stream and `freezeResidual` is set. */
  | 'residualFrozen';

/** One reason a group is not prunable: a stable code and a sentence naming the layer involved. */
export interface NotPrunableReason {
  code: NotPrunableCode;
  detail: string;
}

/**
 * How a member touches the group: a `producer`'s output channels are the group's channels (pruning removes
 * them); a `consumer` reads them as input channels (its input slices are removed, then its weights
 * reconstructed); a `passThrough` carries them from input to output (batch norm, activation, depthwise conv,
 * pool, padding, dropout, flatten, reshape, add, concatenation) and has its per-channel weights sliced.
 */
export type MemberRole = 'producer' | 'consumer' | 'passThrough';

/** One weight axis to slice when the group is pruned: keep `mapIndices(map, keptChannels)` along `axis` of `weights[weight]`. */
export interface WeightSlice {
  weight: string;
  axis: number;
  map: IndexMap;
}

/** One layer's part in a group. A layer may be both producer and consumer of one group (a conv inside a residual stream's add). */
export interface GroupMember {
  /** Node id. */
  node: number;
  /** Layer name. */
  name: string;
  kind: NodeKind;
  role: MemberRole;
  /** Where the group sits in the operands (operand index, map of its channel axis); empty for producers. */
  inputMaps: { operand: number; map: IndexMap }[];
  /** Where the group sits in the output's channel axis; empty for consumers. */
  outputMaps: IndexMap[];
  /** The weight axes to slice. */
  slices: WeightSlice[];
}

/**
 * A set of channels that must be pruned together: the unit of one AMC decision.
 *
 * @example
 * // conv1 (16) -> bn1 -> relu1 -> conv2 in a ResNet block:
 * // { channels: 16, producers: [conv1: kernel axis 3], passThrough: [bn1: gamma/beta/mean/variance axis 0, relu1],
 * //   consumers: [conv2: kernel axis 2], prunable: true, isResidual: false }
 * // A residual stream: producers [stem.conv, block0.conv2, block1.conv2, ...], passThrough [... adds ...],
 * //   isResidual: true, and its channels are removed from every one of them at once.
 */
export interface ChannelGroup {
  /** Index in the array {@link findGroups} returns. */
  id: number;
  /** Number of channels (the size of every space in the group). */
  channels: number;
  /** Layers whose output channels define the group, by node id. */
  producers: GroupMember[];
  /** Layers that read the group as input channels, by node id. */
  consumers: GroupMember[];
  /** Layers that carry the group's channels through, by node id. */
  passThrough: GroupMember[];
  prunable: boolean;
  /** Empty when prunable. */
  reasons: NotPrunableReason[];
  /** Whether an add joins its channels (a residual stream). */
  isResidual: boolean;
  /**
   * MACs of one sample that scale linearly with the group's channel count: the full MACs of every producer,
   * consumer and depthwise pass-through (only the pointwise part of a separable conv that produces it but does
   * not consume it). A conv counts in both its input and its output group.
   */
  macs: number;
  /** Elements of the weights that get sliced (see `slices`). */
  params: number;
}

/** Options of {@link findGroups}. */
export interface FindGroupsOptions {
  /** Mark residual streams not prunable (`residualFrozen`), as the AMC reference code does for MobileNet-V2. Default false. */
  freezeResidual?: boolean;
}

interface Segment {
  space: number;
  map: IndexMap;
}

interface Entry {
  node: number;
  role: MemberRole;
  space: number;
  side: 'input' | 'output';
  operand: number;
  map: IndexMap;
  slices: WeightSlice[];
}

const OPERATION = 'findGroups';

function last(shape: readonly number[]): number {
  return shape[shape.length - 1] ?? 0;
}

/** Walks the graph once and records channel spaces, unions, member entries and taints. */
class Tracer {
  readonly size: number[] = [];
  readonly origin: number[] = [];
  private readonly parent: number[] = [];
  readonly entries: Entry[] = [];
  readonly taints: { space: number; reason: NotPrunableReason }[] = [];
  readonly segments: Segment[][] = [];


  newSpace(size: number, origin: number): number {
    const id = this.size.length;
    this.size.push(size);
    this.origin.push(origin);
    this.parent.push(id);
    return id;
  }

  find(space: number): number {
    let root = space;
    while (this.parent[root] !== root) root = this.parent[root] as number;
    let s = space;
    while (this.parent[s] !== root) {
      const next = this.parent[s] as number;
      this.parent[s] = root;
      s = next;
    }
    return root;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    // The earlier space becomes the root, so a group's size is that of its first space.
    if (ra < rb) this.parent[rb] = ra;
    else this.parent[ra] = rb;
  }

  taint(space: number, code: NotPrunableCode, detail: string): void {
    this.taints.push({ space, reason: { code, detail } });
  }

  entry(node: GraphNode, role: MemberRole, side: 'input' | 'output', operand: number, seg: Segment, slices: WeightSlice[] = []): void {
    this.entries.push({ node: node.id, role, space: seg.space, side, operand, map: seg.map, slices });
  }

  /** Existing weight names only (a missing bias is not sliced). */
  slices(node: GraphNode, axes: readonly (readonly [string, number])[], map: IndexMap): WeightSlice[] {
    const weights = node.weights as Record<string, unknown>;
    return axes.filter(([name]) => weights[name] !== undefined).map(([weight, axis]) => ({ weight, axis, map }));
  }

  operand(node: GraphNode, i: number): Segment[] {
    const id = node.inputs[i] as number;
    return this.segments[id] ?? [];
  }

  /** Every operand, input-side entries only; returns the first operand's segments. */
  passThrough(node: GraphNode, inputSlices: (seg: Segment) => WeightSlice[] = () => []): Segment[] {
    node.inputs.forEach((_, i) => {
      for (const seg of this.operand(node, i)) this.entry(node, 'passThrough', 'input', i, seg, inputSlices(seg));
    });
    return this.operand(node, 0);
  }

  output(node: GraphNode, segments: Segment[], outputSlices: (seg: Segment) => WeightSlice[] = () => []): void {
    for (const seg of segments) this.entry(node, 'passThrough', 'output', 0, seg, outputSlices(seg));
    this.segments[node.id] = segments;
  }

  consume(node: GraphNode, slices: (seg: Segment) => WeightSlice[]): void {
    for (const seg of this.operand(node, 0)) this.entry(node, 'consumer', 'input', 0, seg, slices(seg));
  }

  produce(node: GraphNode, axes: readonly (readonly [string, number])[], activation: string): void {
    const channels = last(node.outputShape);
    const seg = { space: this.newSpace(channels, node.id), map: identityMap(channels) };
    this.entry(node, 'producer', 'output', 0, seg, this.slices(node, axes, seg.map));
    if (CROSS_CHANNEL_ACTIVATIONS.has(activation as never)) {
      this.taint(seg.space, 'crossChannelOp', `${node.name} applies ${activation} across its output channels`);
    }
    this.segments[node.id] = [seg];
  }

  /** Operands that must agree channel by channel (add, concatenation on a non-channel axis). */
  join(node: GraphNode): void {
    const lists = node.inputs.map((_, i) => this.operand(node, i));
    const first = lists[0] ?? [];
    const aligned = lists.every((l) => l.length === first.length && l.every((s, i) => mapsEqual(s.map, (first[i] as Segment).map)));
    if (aligned) {
      for (const l of lists) l.forEach((s, i) => this.union((first[i] as Segment).space, s.space));
    } else {
      const spaces = lists.flat().map((s) => s.space);
      for (const s of spaces) this.union(spaces[0] as number, s);
      if (spaces.length > 0) {
        this.taint(spaces[0] as number, 'unmappableCoupling', `${node.name} joins operands whose channels are laid out differently`);
      }
    }
    this.passThrough(node);
    this.output(node, first);
  }

  trace(node: GraphNode): void {
    const input = node.inputShapes[0] ?? [];
    switch (node.kind) {
      case 'input': {
        const channels = last(node.outputShape);
        const seg = { space: this.newSpace(channels, node.id), map: identityMap(channels) };
        this.taint(seg.space, 'modelInput', `${node.name} is a model input`);
        this.output(node, [seg]);
        return;
      }
      case 'conv2d':
        this.consume(node, (seg) => this.slices(node, [['kernel', 2]], seg.map));
        this.produce(node, [['kernel', 3], ['bias', 0]], node.attrs.activation);
        return;
      case 'dense':
        this.consume(node, (seg) => this.slices(node, [['kernel', 0]], seg.map));
        this.produce(node, [['kernel', 1], ['bias', 0]], node.attrs.activation);
        return;
      case 'separableConv2d': {
        const m = node.attrs.depthMultiplier;
        this.consume(node, (seg) => [
          ...this.slices(node, [['depthwiseKernel', 2]], seg.map),
          ...this.slices(node, [['pointwiseKernel', 2]], repeatMap(seg.map, m)),
        ]);
        this.produce(node, [['pointwiseKernel', 3], ['bias', 0]], node.attrs.activation);
        return;
      }
      case 'depthwiseConv2d': {
        const m = node.attrs.depthMultiplier;
        const outs = this.passThrough(node, (seg) => this.slices(node, [['depthwiseKernel', 2]], seg.map)).map((seg) => ({
          space: seg.space,
          map: repeatMap(seg.map, m),
        }));
        this.output(node, outs, (seg) => this.slices(node, [['bias', 0]], seg.map));
        if (CROSS_CHANNEL_ACTIVATIONS.has(node.attrs.activation)) {
          for (const seg of outs) this.taint(seg.space, 'crossChannelOp', `${node.name} applies ${node.attrs.activation} across channels`);
        }
        return;
      }
      case 'batchNorm': {
        const axes = [['gamma', 0], ['beta', 0], ['movingMean', 0], ['movingVariance', 0]] as const;
        this.output(node, this.passThrough(node, (seg) => this.slices(node, axes, seg.map)));
        return;
      }
      case 'activation': {
        const segs = this.passThrough(node);
        if (CROSS_CHANNEL_ACTIVATIONS.has(node.attrs.activation)) {
          for (const seg of segs) this.taint(seg.space, 'crossChannelOp', `${node.name} applies ${node.attrs.activation} across channels`);
        }
        this.output(node, segs);
        return;
      }
      case 'pool2d':
      case 'globalPool2d':
      case 'zeroPadding2d':
      case 'dropout':
      case 'reshape':
        this.output(node, this.passThrough(node));
        return;
      case 'flatten': {
        const positions = input.slice(0, -1).reduce((a, b) => a * b, 1);
        const outs: Segment[] = [];
        for (const seg of this.passThrough(node)) {
          const map = flattenMap(seg.map, positions);
          if (map === undefined) this.taint(seg.space, 'unmappableCoupling', `${node.name} flattens channels that are already spread over positions`);
          else outs.push({ space: seg.space, map });
        }
        this.output(node, outs);
        return;
      }
      case 'concat': {
        if (!node.attrs.onChannels) {
          this.join(node);
          return;
        }
        const total = last(node.outputShape);
        const outs: Segment[] = [];
        let offset = 0;
        node.inputs.forEach((_, i) => {
          for (const seg of this.operand(node, i)) outs.push({ space: seg.space, map: shiftMap(seg.map, offset, total) });
          offset += last(node.inputShapes[i] ?? []);
        });
        this.passThrough(node);
        this.output(node, outs);
        return;
      }
      case 'add':
        this.join(node);
        return;
    }
  }
}

function byNode(a: GroupMember, b: GroupMember): number {
  return a.node - b.node;
}

/**
 * Finds the coupled-channel groups of `graph` (see {@link ChannelGroup}), ordered by their first producer in
 * topological order (a group without producers, a model input's, by its first node). Rules:
 *
 * - conv2d / dense / separableConv2d start a new group with their output channels and consume the groups of
 *   their input (a dense input row `p * C + c` after a flatten belongs to channel `c`);
 * - batch norm, activations, pools, global pools, zero padding, dropout, flatten and reshape carry channels
 *   through unchanged; a depthwise conv with multiplier m maps input channel `c` to outputs `c * m .. c * m + m - 1`;
 * - a concatenation on the channel axis maps each operand's groups into its range of the output; on another
 *   axis, and an add, make all operands one group (a residual stream when it is an add).
 *
 * @example
 * const groups = findGroups(importModel(createModel('resnet20')));
 * groups.filter((g) => g.prunable).length; // 12: nine inner convs and three residual streams
 * @throws AmcError AMC_INVALID_ARGUMENT when `graph` is not a Graph or `options` is not an options object.
 */
export function findGroups(graph: Graph, options: FindGroupsOptions = {}): ChannelGroup[] {
  if (typeof graph !== 'object' || graph === null || !Array.isArray((graph as { nodes?: unknown }).nodes)) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'graph', 'a Graph from importModel or loadGraph', graph);
  }
  if (typeof options !== 'object' || options === null) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'options', 'an options object or undefined', options);
  }
  const freeze = options.freezeResidual ?? false;
  if (typeof freeze !== 'boolean') {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'options.freezeResidual', 'a boolean or undefined', freeze);
  }

  const tracer = new Tracer();
  for (const node of graph.nodes) tracer.trace(node);
  for (const id of graph.outputs) {
    const name = graph.node(id).name;
    for (const seg of tracer.segments[id] ?? []) tracer.taint(seg.space, 'modelOutput', `reaches the model output ${name}`);
  }

  // Gather entries into members per (group root, node, role).
  const groups = new Map<number, { members: Map<string, GroupMember>; reasons: NotPrunableReason[] }>();
  const groupOf = (space: number) => {
    const root = tracer.find(space);
    let g = groups.get(root);
    if (g === undefined) {
      g = { members: new Map(), reasons: [] };
      groups.set(root, g);
    }
    return g;
  };
  for (let space = 0; space < tracer.size.length; space++) groupOf(space);
  for (const e of tracer.entries) {
    const g = groupOf(e.space);
    const key = `${e.node}:${e.role}`;
    let member = g.members.get(key);
    if (member === undefined) {
      const node = graph.node(e.node);
      member = { node: e.node, name: node.name, kind: node.kind, role: e.role, inputMaps: [], outputMaps: [], slices: [] };
      g.members.set(key, member);
    }
    if (e.side === 'input') member.inputMaps.push({ operand: e.operand, map: e.map });
    else member.outputMaps.push(e.map);
    member.slices.push(...e.slices);
  }
  for (const { space, reason } of tracer.taints) {
    const g = groupOf(space);
    if (!g.reasons.some((r) => r.code === reason.code)) g.reasons.push(reason);
  }

  const result: ChannelGroup[] = [];
  const firstNode: number[] = [];
  for (const [root, g] of groups) {
    const members = [...g.members.values()];
    const producers = members.filter((m) => m.role === 'producer').sort(byNode);
    const consumers = members.filter((m) => m.role === 'consumer').sort(byNode);
    const passThrough = members.filter((m) => m.role === 'passThrough').sort(byNode);
    const channels = tracer.size[root] as number;
    const isResidual = passThrough.some((m) => m.kind === 'add');
    const reasons = [...g.reasons];
    if (channels < 2) reasons.push({ code: 'singleChannel', detail: `only ${channels} channel, nothing to prune` });
    if (freeze && isResidual) reasons.push({ code: 'residualFrozen', detail: 'a residual stream, and freezeResidual is set' });
    const rank: Record<NotPrunableCode, number> = {
      modelInput: 0,
      modelOutput: 1,
      crossChannelOp: 2,
      unmappableCoupling: 3,
      singleChannel: 4,
      residualFrozen: 5,
    };
    reasons.sort((a, b) => rank[a.code] - rank[b.code]);

    // MACs and sliced weights that scale with the group, each node once (a node may have two roles).
    let macs = 0;
    let params = 0;
    const rolesOf = new Map<number, { roles: Set<MemberRole>; weights: Set<string> }>();
    for (const m of members) {
      const entry = rolesOf.get(m.node) ?? { roles: new Set<MemberRole>(), weights: new Set<string>() };
      entry.roles.add(m.role);
      for (const s of m.slices) entry.weights.add(s.weight);
      rolesOf.set(m.node, entry);
    }
    for (const [id, { roles, weights }] of rolesOf) {
      const node = graph.node(id);
      macs += node.kind === 'separableConv2d' && !roles.has('consumer') ? pointwiseMacs(node) : node.macs;
      for (const [name, tensor] of weightEntries(node)) if (weights.has(name)) params += tensor.data.length;
    }

    result.push({
      id: -1,
      channels,
      producers,
      consumers,
      passThrough,
      prunable: reasons.length === 0,
      reasons,
      isResidual,
      macs,
      params,
    });
    // The root is the group's earliest space (union keeps the smaller id; spaces are created in topological
    // order), so its origin is the group's first producer, or the model input.
    firstNode.push(tracer.origin[root] as number);
  }
  const order = result.map((_, i) => i).sort((a, b) => (firstNode[a] as number) - (firstNode[b] as number));
  return order.map((i, id) => ({ ...(result[i] as ChannelGroup), id }));
}
