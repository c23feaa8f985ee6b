/**
 * Additive resource models of a graph for the budget wall of @amc/rewards: MACs or parameters as a sum of
 * terms `coefficient * product of preserve ratios`, one ratio per search unit.
 *
 * Channel pruning: every weight tensor shrinks along the axes that coupled-channel groups slice (a conv kernel
 * along its input axis by the group it reads and along its output axis by the group it writes; a batch norm's
 * vectors by their group). With `r_g` the effective kept fraction of group g, a tensor of size S whose axis a is
 * shared by groups with shares `s_{g,a}` keeps `S * prod_a (sum_g s_{g,a} r_g + unsliced share)` elements. A
 * layer's MACs are its kernel size times its output positions (see `nodeMacs` of @amc/graph), so MACs and
 * parameters expand into the same kind of terms. Exact for effective ratios (kept / channels); when one group
 * slices two axes of one tensor (r^2), the term is modelled as linear in r, an over-estimate (r^2 <= r) that
 * keeps the wall on the safe side.
 *
 * Fine-grained pruning: a unit's density scales its kernel's nonzero parameters (and, nominally, its MACs)
 * linearly; everything else is a constant.
 */
import type { ChannelGroup, Graph, GraphNode, WeightTensor } from '@amc/graph';
import { mapIndices } from '@amc/graph';
import type { ResourceModel, ResourceTerm } from '@amc/rewards';

/** The resources a budget may constrain. */
export type ResourceName = 'macs' | 'params';

interface Part {
  /** Search unit index, or -1 for a group that is not searched (ratio 1). */
  unit: number;
  share: number;
}

function product(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}

/** Per weight element, the resource it stands for: 1 parameter, or the output positions of the layer's MACs. */
export function resourcePerElement(node: GraphNode, weight: string, resource: ResourceName): number {
  if (resource === 'params') return 1;
  const spatial = (node.outputShape[0] ?? 1) * (node.outputShape[1] ?? 1);
  switch (node.kind) {
    case 'conv2d':
      return weight === 'kernel' ? spatial : 0;
    case 'depthwiseConv2d':
      return weight === 'depthwiseKernel' ? spatial : 0;
    case 'separableConv2d':
      return weight === 'depthwiseKernel' || weight === 'pointwiseKernel' ? spatial : 0;
    case 'dense':
      return weight === 'kernel' ? product(node.outputShape.slice(0, -1)) : 0;
    default:
      return 0;
  }
}

/** Adds `coefficient * prod(unit ratios)` to `terms`, merging terms over the same units. */
function addTerm(terms: Map<string, ResourceTerm>, coefficient: number, units: number[]): void {
  if (coefficient === 0) return;
  const sorted = [...new Set(units)].sort((a, b) => a - b);
  const key = sorted.join(',');
  const previous = terms.get(key);
  terms.set(key, { coefficient: (previous?.coefficient ?? 0) + coefficient, units: sorted });
}

/**
 * The resource model of channel pruning: unit `u` is group `unitGroups[u]` (a group id of `groups`); the groups
 * not listed keep all their channels. `resourceOf(model, ratios)` is the graph's MACs (or parameters, batch-norm
 * statistics included, as `graph.totals()`) after `pruneChannels` with effective ratios `ratios`.
 *
 * @example
 * const model = channelResourceModel(graph, groups, [0, 1, 2], 'macs');
 * resourceOf(model, [1, 1, 1]) === graph.totals().macs;
 */
export function channelResourceModel(graph: Graph, groups: readonly ChannelGroup[], unitGroups: readonly number[], resource: ResourceName): ResourceModel {
  const unitOf = new Map(unitGroups.map((g, u) => [g, u]));
  // (node, weight, axis) -> the parts of that axis owned by groups.
  const axes = new Map<string, Part[]>();
  for (const group of groups) {
    const all = Array.from({ length: group.channels }, (_, i) => i);
    for (const member of [...group.producers, ...group.consumers, ...group.passThrough]) {
      for (const slice of member.slices) {
        const key = `${member.node}\u0000${slice.weight}\u0000${slice.axis}`;
        const count = mapIndices(slice.map, all).length;
        const list = axes.get(key) ?? [];
        list.push({ unit: unitOf.get(group.id) ?? -1, share: count });
        axes.set(key, list);
      }
    }
  }
  const terms = new Map<string, ResourceTerm>();
  for (const node of graph.nodes) {
    for (const [weight, tensor] of Object.entries(node.weights as Record<string, WeightTensor | undefined>)) {
      if (tensor === undefined) continue;
      const perElement = resourcePerElement(node, weight, resource);
      if (perElement === 0) continue;
      let partial: { coefficient: number; units: number[] }[] = [{ coefficient: perElement * product(tensor.shape), units: [] }];
      tensor.shape.forEach((dim, axis) => {
        const parts = axes.get(`${node.id}\u0000${weight}\u0000${axis}`);
        if (parts === undefined || dim === 0) return;
        let searched = 0;
        const choices: Part[] = [];
        for (const p of parts) {
          if (p.unit >= 0) {
            choices.push({ unit: p.unit, share: p.share / dim });
            searched += p.share;
          }
        }
        if (choices.length === 0) return;
        if (searched < dim) choices.push({ unit: -1, share: (dim - searched) / dim });
        const next: typeof partial = [];
        for (const term of partial) {
          for (const c of choices) next.push({ coefficient: term.coefficient * c.share, units: c.unit >= 0 ? [...term.units, c.unit] : term.units });
        }
        partial = next;
      });
      for (const term of partial) addTerm(terms, term.coefficient, term.units);
    }
  }
  return { unitCount: unitGroups.length, terms: [...terms.values()] };
}

/**
 * The resource model of fine-grained pruning: unit `u` is layer `unitNodes[u]`, whose density scales its kernel
 * weights (params: the nonzeros; macs: the multiply-accumulates a sparse kernel performs); every other weight is a
 * constant. Counts every weight element, zeros included, for the constants.
 */
export function fineGrainedResourceModel(graph: Graph, unitNodes: readonly number[], kernels: readonly (readonly string[])[], resource: ResourceName): ResourceModel {
  const unitOf = new Map(unitNodes.map((n, u) => [n, u]));
  const terms = new Map<string, ResourceTerm>();
  for (const node of graph.nodes) {
    const unit = unitOf.get(node.id);
    const pruned = unit === undefined ? [] : (kernels[unit] ?? []);
    for (const [weight, tensor] of Object.entries(node.weights as Record<string, WeightTensor | undefined>)) {
      if (tensor === undefined) continue;
      const perElement = resourcePerElement(node, weight, resource);
      addTerm(terms, perElement * tensor.data.length, unit !== undefined && pruned.includes(weight) ? [unit] : []);
    }
  }
  return { unitCount: unitNodes.length, terms: [...terms.values()] };
}
