/**
 * Least-squares reconstruction of the consumers of pruned groups (AMC-SPEC section 4.2).
 */
import { ErrorCode, Rng, argumentError } from '@amc/core';
import { findGroups, mapIndices, type ChannelGroup, type Conv2dNode, type DenseNode, type Graph, type SeparableConv2dNode } from '@amc/graph';
import { leastSquares } from '@amc/kernels';
import { nodeOutput } from './activations.js';
import { drawPositions, gatherRows, outputPositions, targetRows } from './im2col.js';
import { checkGraph, checkOptions } from './checks.js';

/** Calibration images: `count` samples, NHWC, `count * inputSize` floats (normalised as for the model). */
export interface Calibration {
  images: Float32Array;
  count: number;
}

/** Options of {@link reconstructConsumers}. */
export interface ReconstructOptions {
  /** Output positions sampled per image for a k x k conv (and rows per sample of a dense layer on a rank > 1 input). Default 10. */
  positionsPerImage?: number;
  /** Seed of the position sampling. Default 0. */
  seed?: number;
  /** Ridge of `leastSquares` (absolute, in units of X^T X); default its relative default (1e-6 of the mean diagonal). */
  ridge?: number;
  /** The groups of `original` (`findGroups(original)`), when already computed. */
  groups?: readonly ChannelGroup[];
  /** Batch size of the forward passes. Default 64. */
  batchSize?: number;
}

/** What was refitted for one layer. */
export interface ReconstructedLayer {
  name: string;
  /** `separableConv2d`: its pointwise kernel was refitted on the depthwise outputs. */
  kind: 'conv2d' | 'dense' | 'separableConv2d';
  /** Least-squares rows (sampled positions), columns (kh * kw * kept input channels) and outputs. */
  rows: number;
  cols: number;
  outs: number;
  /** ||X W - (Y - b)||_F / ||Y - b||_F after the fit. */
  residual: number;
  solver: 'cholesky' | 'eigen';
}

/** Result of {@link reconstructConsumers}. */
export interface ReconstructResult {
  /** A new graph: `pruned` with the consumers' weights refitted (`pruned` itself is untouched). */
  graph: Graph;
  layers: ReconstructedLayer[];
  /** Consumers of pruned groups that were not refitted (depthwise-only consumers have nothing to refit), by name. */
  skipped: string[];
}

const OPERATION = 'reconstructConsumers';

function checkCount(argument: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, argument, `an integer >= ${min}`, value);
  }
  return value;
}

/**
 * A separable conv consumer: its depthwise kernel was sliced with its inputs (nothing to refit there), and its
 * pointwise kernel is refitted so that `depthwise(x_pruned) W' ~ Y - b`, X being the depthwise outputs of the
 * pruned model's input at the sampled positions (computed from the im2col rows and the pruned depthwise kernel).
 */
function refitPointwise(
  original: Graph,
  result: Graph,
  node: SeparableConv2dNode,
  groups: readonly ChannelGroup[],
  kept: ReadonlyMap<number, number[]>,
  images: Float32Array,
  count: number,
  positionsPerImage: number,
  rng: Rng,
  batchSize: number,
  ridge: number | undefined,
): ReconstructedLayer {
  const x = nodeOutput(result, node.inputs[0] as number, images, count, false, batchSize);
  const y = nodeOutput(original, node.id, images, count, true, batchSize);
  // The im2col geometry of a separable conv is its depthwise conv's: gather rows as for a conv with its attrs.
  const asConv = node as unknown as Conv2dNode;
  const positions = drawPositions(rng, asConv, count, positionsPerImage);
  const { data: patches, rows } = gatherRows(asConv, x, positions);
  const dw = node.weights.depthwiseKernel;
  const [kh, kw, cin, m] = dw.shape as [number, number, number, number];
  const cols = cin * m;
  const xRows = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < kh * kw; b++) {
      for (let c = 0; c < cin; c++) {
        const v = patches[r * kh * kw * cin + b * cin + c] as number;
        if (v === 0) continue;
        for (let k = 0; k < m; k++) xRows[r * cols + c * m + k] = (xRows[r * cols + c * m + k] as number) + v * (dw.data[(b * cin + c) * m + k] as number);
      }
    }
  }
  const fullOut = original.node(node.id).outputShape.at(-1) as number;
  const outChannels = keptOutputs(groups, kept, node.id, 3, 'pointwiseKernel') ?? Array.from({ length: node.outputShape.at(-1) as number }, (_, i) => i);
  const outs = outChannels.length;
  const yRows = targetRows(y, positions, outputPositions(asConv), fullOut, outChannels, node.weights.bias?.data);
  const fit = leastSquares({ data: xRows, shape: [rows, cols] }, { data: yRows, shape: [rows, outs] }, ridge === undefined ? {} : { ridge });
  node.weights.pointwiseKernel.data.set(fit.weights.data);
  return { name: node.name, kind: 'separableConv2d', rows, cols, outs, residual: fit.residual, solver: fit.solver };
}

/** Kept output channels of `node` (a producer of a pruned group), or undefined when its outputs are all kept. */
function keptOutputs(groups: readonly ChannelGroup[], kept: ReadonlyMap<number, number[]>, node: number, axis: number, weight = 'kernel'): number[] | undefined {
  for (const [id, keep] of kept) {
    const group = groups[id] as ChannelGroup;
    if (keep.length === group.channels) continue;
    const member = group.producers.find((m) => m.node === node);
    const slice = member?.slices.find((s) => s.weight === weight && s.axis === axis);
    if (slice !== undefined) return mapIndices(slice.map, keep);
  }
  return undefined;
}

/**
 * Refits, by least squares, the weights of every conv2d / dense consumer of a pruned group so that its output
 * on the calibration images matches the original model's (AMC-SPEC section 4.2). For each consumer, in
 * topological order (so a later layer sees the already reconstructed earlier ones):
 *
 * - X: the consumer's input in the **pruned** model (only kept channels exist there): for a k x k conv the
 *   im2col rows (order kh, kw, cin: the kernel's own layout, zero padding included) at `positionsPerImage`
 *   distinct output positions per image drawn from a seeded RNG (all of them when there are fewer); for a dense layer the input features;
 * - Y: the **original** model's output of the same layer at the same positions, before its activation (and
 *   before the batch norm that follows it), restricted to the layer's kept output channels;
 * - fit `min ||X W - (Y - b)||` with no intercept, b the layer's (unchanged) bias, so the bias is counted
 *   once; solved by `leastSquares` of @amc/kernels (ridge Cholesky in double, eigen fallback: never NaN).
 *
 * @param original the unpruned graph `pruned` was made from.
 * @param pruned the result of `pruneChannels(original, ...)`.
 * @param kept its `kept` map.
 * @throws AmcError AMC_INVALID_ARGUMENT (not graphs, graphs of different structure, bad kept map, calibration
 *   or options), AMC_SHAPE_MISMATCH (calibration length), and the errors of `leastSquares`.
 * @example
 * const p = pruneChannels(graph, decisions);
 * const { graph: refit } = reconstructConsumers(graph, p.graph, p.kept, { images, count: 256 });
 */
export function reconstructConsumers(
  original: Graph,
  pruned: Graph,
  kept: ReadonlyMap<number, number[]>,
  calibration: Calibration,
  options?: ReconstructOptions,
): ReconstructResult {
  checkGraph(OPERATION, 'original', original);
  checkGraph(OPERATION, 'pruned', pruned);
  if (original.nodes.length !== pruned.nodes.length || original.nodes.some((n, i) => pruned.nodes[i]?.name !== n.name || pruned.nodes[i]?.kind !== n.kind)) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'pruned', `a pruned copy of ${original.name} (same nodes)`, pruned.name);
  }
  const o = checkOptions<ReconstructOptions>(OPERATION, options, ['positionsPerImage', 'seed', 'ridge', 'groups', 'batchSize']);
  const positionsPerImage = checkCount('options.positionsPerImage', o.positionsPerImage ?? 10, 1);
  const seed = checkCount('options.seed', o.seed ?? 0, 0);
  const batchSize = checkCount('options.batchSize', o.batchSize ?? 64, 1);
  if (o.ridge !== undefined && (typeof o.ridge !== 'number' || !(o.ridge >= 0) || !Number.isFinite(o.ridge))) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'options.ridge', 'a finite number >= 0', o.ridge);
  }
  if (o.groups !== undefined && !Array.isArray(o.groups)) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'options.groups', 'the array findGroups(original) returns', o.groups);
  }
  const groups: readonly ChannelGroup[] = o.groups ?? findGroups(original);
  if (!(kept instanceof Map)) throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'kept', 'the kept Map of pruneChannels', kept);
  for (const [id, keep] of kept) {
    const group = groups[id];
    if (group === undefined || !Array.isArray(keep) || keep.some((c) => !Number.isInteger(c) || c < 0 || c >= group.channels)) {
      throw argumentError(ErrorCode.InvalidArgument, OPERATION, `kept[${String(id)}]`, 'channel lists of the groups of original', keep);
    }
  }
  if (typeof calibration !== 'object' || calibration === null || !(calibration.images instanceof Float32Array)) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'calibration', '{ images: Float32Array, count }', calibration);
  }
  const count = checkCount('calibration.count', calibration.count, 1);
  const inputNode = original.node(original.inputs[0] as number);
  const inputSize = inputNode.outputShape.reduce((a, b) => a * b, 1);
  if (calibration.images.length !== count * inputSize) {
    throw argumentError(ErrorCode.ShapeMismatch, OPERATION, 'calibration.images', `${count} * ${inputSize} floats`, calibration.images.length);
  }

  const targets = new Set<number>();
  const skipped = new Set<string>();
  for (const [id, keep] of kept) {
    const group = groups[id] as ChannelGroup;
    if (keep.length === group.channels) continue;
    for (const m of group.consumers) {
      if (m.kind === 'conv2d' || m.kind === 'dense' || m.kind === 'separableConv2d') targets.add(m.node);
      else skipped.add(m.name);
    }
  }

  const result = pruned.clone();
  const rng = new Rng(seed);
  const layers: ReconstructedLayer[] = [];
  for (const id of [...targets].sort((a, b) => a - b)) {
    const target = result.node(id);
    if (target.kind === 'separableConv2d') {
      layers.push(refitPointwise(original, result, target, groups, kept, calibration.images, count, positionsPerImage, rng, batchSize, o.ridge));
      continue;
    }
    const node = target as Conv2dNode | DenseNode;
    const source = node.inputs[0] as number;
    const x = nodeOutput(result, source, calibration.images, count, false, batchSize);
    const y = nodeOutput(original, id, calibration.images, count, true, batchSize);
    const outAxis = node.kind === 'conv2d' ? 3 : 1;
    const outChannels = keptOutputs(groups, kept, id, outAxis) ?? Array.from({ length: node.outputShape.at(-1) as number }, (_, i) => i);
    const fullOut = original.node(id).outputShape.at(-1) as number;
    const bias = node.weights.bias?.data;
    const outs = outChannels.length;

    const positions = drawPositions(rng, node, count, positionsPerImage);
    const { data: xRows, rows, cols } = gatherRows(node, x, positions);
    // Y at the same positions: the conv's output pixel, or the dense layer's output row.
    const yRows = targetRows(y, positions, outputPositions(node), fullOut, outChannels, bias);
    const fit = leastSquares({ data: xRows, shape: [rows, cols] }, { data: yRows, shape: [rows, outs] }, o.ridge === undefined ? {} : { ridge: o.ridge });
    // [cols, outs] row-major is the kernel's own layout ([kh, kw, cin, cout] or [in, units]).
    node.weights.kernel.data.set(fit.weights.data);
    layers.push({ name: node.name, kind: node.kind, rows, cols, outs, residual: fit.residual, solver: fit.solver });
  }
  return { graph: result, layers, skipped: [...skipped] };
}
