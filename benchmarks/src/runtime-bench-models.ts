/**
 * The model variants of the `@amc/runtime` inference suite: unpruned ResNet-20 (the shipped pretrained checkpoint
 * when present), channel-pruned ResNet-20 at about half its MACs, and fine-grained-sparse models (MobileNet with
 * sparse 1x1 convs and dense layer, ResNet-20 sparse everywhere).
 */
import { type Graph, findGroups, importModel } from '@amc/graph';
import { fineGrainedUnits, pruneChannels, pruneFineGrained } from '@amc/prune';
import { createModel, listPretrained, loadPretrained } from '@amc/zoo';
import type * as tfl from '@tensorflow/tfjs-layers';
import { BENCH_SEED } from './data.js';
import { type VariantInfo, closestRatio } from './runtime-bench-report.js';

/** A variant and its graph. */
export interface Variant extends VariantInfo {
  graph: Graph;
}

/**
 * Kept channels of the uniformly pruned ResNet-20 are rounded up to a multiple of this (`channelRound`): odd counts
 * (11, 23, 45 at ratio 0.71) leave the 8-wide AVX2 microkernels' last vector mostly empty, so a deployment prunes to
 * multiples of 4 or 8 (the AMC reference rounds to 8; 8 is too coarse for 16-channel stages).
 */
export const CHANNEL_ROUND = 4;

/** The uniform preserve ratios tried for the ~50%-MACs channel-pruned ResNet-20. */
export const PRESERVE_RATIO_CANDIDATES: readonly number[] = Array.from({ length: 46 }, (_, i) => Math.round((0.5 + i * 0.01) * 100) / 100);

/** The unpruned ResNet-20: the shipped pretrained checkpoint when there is one, else `createModel` with the bench seed. */
export async function resnet20Variant(): Promise<{ variant: Variant; pretrained: boolean }> {
  const pretrained = (await listPretrained()).some((p) => p.name === 'resnet20');
  const model: tfl.LayersModel = pretrained ? await loadPretrained('resnet20') : createModel('resnet20', { seed: BENCH_SEED });
  try {
    const graph = importModel(model);
    const t = graph.totals();
    const description = pretrained ? 'pretrained checkpoint (loadPretrained)' : `createModel seed ${BENCH_SEED}`;
    return { variant: { id: 'resnet20', description, macs: t.macs, params: t.params, graph }, pretrained };
  } finally {
    model.dispose();
  }
}

/**
 * ResNet-20 channel-pruned with one uniform preserve ratio over every prunable group (inner and residual), the
 * kept counts rounded up to a multiple of {@link CHANNEL_ROUND}, the ratio among {@link PRESERVE_RATIO_CANDIDATES} whose MACs are closest to `goal` of the original's (no
 * reconstruction: it changes the weights, not the cost).
 */
export function channelPrunedVariant(base: Variant, goal: number): { variant: Variant; ratio: number; macsRatio: number } {
  const groups = findGroups(base.graph);
  const prunable = groups.filter((g) => g.prunable);
  const macsOf = (ratio: number): number => pruneChannels(base.graph, new Map(prunable.map((g) => [g.id, ratio])), { groups, channelRound: CHANNEL_ROUND }).macs / base.macs;
  const { ratio, macsRatio } = closestRatio(PRESERVE_RATIO_CANDIDATES, PRESERVE_RATIO_CANDIDATES.map(macsOf), goal);
  const pruned = pruneChannels(base.graph, new Map(prunable.map((g) => [g.id, ratio])), { groups, channelRound: CHANNEL_ROUND });
  const t = pruned.graph.totals();
  return {
    variant: {
      id: 'resnet20-pruned',
      description: `pruneChannels: preserve ratio ${ratio} on all ${prunable.length} prunable groups (inner and residual), kept channels rounded up to a multiple of ${CHANNEL_ROUND}, MACs ${(macsRatio * 100).toFixed(1)}% of unpruned`,
      macs: t.macs,
      params: t.params,
      graph: pruned.graph,
    },
    ratio,
    macsRatio,
  };
}

/** ResNet-20 with only the 9 inner groups (each block's conv1 -> conv2) at preserve ratio `ratio` (channel counts stay multiples of 8 at 0.5). */
export function innerPrunedVariant(base: Variant, ratio: number): Variant {
  const groups = findGroups(base.graph);
  const inner = groups.filter((g) => g.prunable && !g.isResidual);
  const pruned = pruneChannels(base.graph, new Map(inner.map((g) => [g.id, ratio])), { groups });
  const t = pruned.graph.totals();
  return {
    id: 'resnet20-inner',
    description: `pruneChannels: preserve ratio ${ratio} on the ${inner.length} inner groups only, MACs ${((t.macs / base.macs) * 100).toFixed(1)}% of unpruned`,
    macs: t.macs,
    params: t.params,
    graph: pruned.graph,
  };
}

/** Magnitude-prunes (pruneFineGrained) the units of `graph` that `select` accepts to `density`. */
export function fineGrainedVariant(id: string, graph: Graph, density: number, select: (kind: string, kernelSize: readonly number[] | undefined) => boolean, how: string): Variant {
  const units = fineGrainedUnits(graph).filter((u) => {
    const node = graph.nodes[u.id];
    const attrs = node?.attrs as { kernelSize?: [number, number] } | undefined;
    return select(u.kind, attrs?.kernelSize);
  });
  const result = pruneFineGrained(graph, new Map(units.map((u) => [u.name, density])));
  const t = result.graph.totals();
  const prunedMacs = units.reduce((s, u) => s + u.macs, 0);
  return {
    id,
    description: `pruneFineGrained density ${density} on ${units.length} ${how} (${((prunedMacs / t.macs) * 100).toFixed(1)}% of the MACs); other layers dense`,
    macs: t.macs,
    params: t.params,
    nonzeroParams: result.nonzeroParams,
    graph: result.graph,
  };
}

/** The MobileNet (zoo `createModel`, bench seed) with its 1x1 convs and dense layer at `density`. */
export function sparseMobileNetVariant(name: 'mobilenetV1' | 'mobilenetV2', alpha: number, density: number): Variant {
  const model = createModel(name, { seed: BENCH_SEED, alpha });
  let graph: Graph;
  try {
    graph = importModel(model);
  } finally {
    model.dispose();
  }
  const v = fineGrainedVariant(`${name}-sparse`, graph, density, (kind, k) => kind === 'dense' || (kind === 'conv2d' && k?.[0] === 1 && k[1] === 1), '1x1 convs and dense layers');
  return { ...v, description: `${name} alpha ${alpha} (createModel seed ${BENCH_SEED}); ${v.description}` };
}

/** ResNet-20 with every conv and the dense layer at `density`. */
export function sparseResNetVariant(base: Variant, density: number): Variant {
  const v = fineGrainedVariant('resnet20-sparse', base.graph, density, (kind) => kind === 'conv2d' || kind === 'dense', 'convs and dense layers (all)');
  return { ...v, description: `${base.description}; ${v.description}` };
}
