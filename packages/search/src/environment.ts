/**
 * The compression environment of the AMC search (AMC-SPEC sections 1-5): the search units in order, their layer
 * embeddings, the resource models of the budget wall, and `apply(policy)`: prune the original model with one
 * preserve ratio (channel) or density (fine-grained) per unit, reconstruct (channel), and measure.
 */
import { ErrorCode, argumentError } from '@amc/core';
import { findGroups, mapIndices, type ChannelGroup, type Graph, type GraphNode } from '@amc/graph';
import { fineGrainedUnits, keptChannelCount, pruneChannels, pruneFineGrained } from '@amc/prune';
import { type ResourceModel, resourceOf } from '@amc/rewards';
import { compile } from '@amc/runtime';
import { type CachedReconstruction, type ConsumerFactor, buildCalibrationCache, inputSizeOf, reconstructFromCache } from './calibration.js';
import { type ResourceName, channelResourceModel, fineGrainedResourceModel } from './resource-model.js';

/** Pruning method: `channel` (preserve ratio of a coupled-channel group, for speed) or `fine-grained` (kernel density, for size). */
export type PruneMethod = 'channel' | 'fine-grained';

/** One decision of an episode. */
export interface SearchUnit {
  /** Index in decision order. */
  index: number;
  /** Group id (channel) or node id (fine-grained). */
  id: number;
  /** The layers the decision prunes (producers of the group, or the layer). */
  layers: string[];
  /** Channels of the group (channel) or kernel elements (fine-grained). */
  size: number;
  /** Whether the group is a residual stream (channel). */
  residual: boolean;
}

/** Labelled images (NHWC floats, normalised as for the model). */
export interface LabelledImages {
  images: Float32Array;
  labels: ArrayLike<number>;
  count: number;
}

/** Options of {@link CompressionEnvironment}. */
export interface EnvironmentOptions {
  method: PruneMethod;
  /** Images to compute the calibration features from (channel). Ignored by fine-grained. */
  calibration: { images: Float32Array; count: number };
  /** The held-out images the reward's accuracy is measured on. */
  validation: LabelledImages;
  /** Seed of the calibration sampling. */
  seed: number;
  /** Round kept channels up to a multiple of this (channel). Default 1. */
  channelRound?: number;
  /** Keep residual streams whole (channel). Default false: they are searched like any group. */
  freezeResidual?: boolean;
  /** Reconstruct consumers by least squares (channel). Default true. */
  reconstruct?: boolean;
  /** Positions per calibration image (channel). Default 10. */
  positionsPerImage?: number;
  /**
   * How a channel group's kept channels are chosen (channel): `l1` (AMC-SPEC 4.1: L1 norm of the consumers'
   * weights) or `energy` (each channel's share of its consumers' output energy on the calibration data, from the
   * cached factors; groups with a consumer the cache lacks fall back to L1). Default `l1`.
   */
  selection?: 'l1' | 'energy';
  /** Batch size of the evaluation. Default 256. */
  batchSize?: number;
  /** Threads of the runtime. Default: the pool as it is. */
  numThreads?: number;
}

/** What {@link CompressionEnvironment.apply} measured. */
export interface ApplyResult {
  graph: Graph;
  macs: number;
  /** Parameters (channel: all; fine-grained: nonzero). */
  params: number;
  reconstructed: CachedReconstruction[];
  /** Milliseconds spent pruning + reconstructing. */
  pruneMs: number;
}

const STATIC_FEATURES = ['index', 'channels', 'inChannels', 'height', 'width', 'stride', 'kernel', 'macs', 'residual', 'dense'] as const;

/**
 * The layer embedding's column names (AMC-SPEC section 2, the paper's set plus two type columns): 10 static
 * columns min-max normalised over the units, then `reduced` (fraction of the original MACs removed by the
 * decisions so far), `rest` (the units after this one: their share of the summed MACs of all units, which overlap
 * since a conv belongs to its input and its output group) and `previousAction`.
 */
export const EMBEDDING_FEATURES: readonly string[] = Object.freeze([...STATIC_FEATURES, 'reduced', 'rest', 'previousAction']);

function geometry(node: GraphNode | undefined): { inChannels: number; height: number; width: number; stride: number; kernel: number; dense: number } {
  const input = node?.inputShapes[0] ?? [1];
  if (node === undefined) return { inChannels: 0, height: 0, width: 0, stride: 1, kernel: 1, dense: 0 };
  const dense = node.kind === 'dense' ? 1 : 0;
  const attrs = node.attrs as { strides?: [number, number]; kernelSize?: [number, number] };
  return {
    inChannels: input.at(-1) ?? 0,
    height: dense ? 1 : (input[0] ?? 1),
    width: dense ? 1 : (input[1] ?? 1),
    stride: attrs.strides?.[0] ?? 1,
    kernel: attrs.kernelSize?.[0] ?? 1,
    dense,
  };
}

function checkEnvironmentOptions(graph: Graph, options: EnvironmentOptions): void {
  const op = 'CompressionEnvironment';
  if (typeof graph !== 'object' || graph === null || typeof (graph as Graph).clone !== 'function') {
    throw argumentError(ErrorCode.InvalidArgument, op, 'graph', 'a Graph of @amc/graph', graph);
  }
  if (typeof options !== 'object' || options === null) throw argumentError(ErrorCode.InvalidArgument, op, 'options', 'an options object', options);
  if (options.method !== 'channel' && options.method !== 'fine-grained') {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.method', "'channel' or 'fine-grained'", options.method);
  }
  if (graph.inputs.length !== 1) throw argumentError(ErrorCode.Unsupported, op, 'graph.inputs', 'a single-input model', graph.inputs.length);
  const size = inputSizeOf(graph);
  const sets: [string, { images?: unknown; count?: unknown; labels?: unknown } | undefined, boolean][] = [
    ['options.calibration', options.calibration, options.method === 'channel' && options.reconstruct !== false],
    ['options.validation', options.validation, true],
  ];
  for (const [name, set, required] of sets) {
    if (!required && set === undefined) continue;
    if (typeof set !== 'object' || set === null || !(set.images instanceof Float32Array)) {
      throw argumentError(ErrorCode.InvalidArgument, op, name, '{ images: Float32Array, count }', set);
    }
    const count = set.count;
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1 || count * size > set.images.length) {
      throw argumentError(ErrorCode.InvalidArgument, op, `${name}.count`, `an integer in [1, ${Math.floor(set.images.length / size)}] (images of ${size} floats)`, count);
    }
    if (name === 'options.validation') {
      const labels = set.labels as ArrayLike<number> | undefined;
      if (typeof labels !== 'object' || labels === null || typeof labels.length !== 'number' || labels.length < count) {
        throw argumentError(ErrorCode.InvalidArgument, op, `${name}.labels`, `at least ${count} labels`, labels);
      }
    }
  }
  if (options.selection !== undefined && options.selection !== 'l1' && options.selection !== 'energy') {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.selection', "'l1' or 'energy'", options.selection);
  }
  const round = options.channelRound ?? 1;
  if (!Number.isSafeInteger(round) || round < 1) throw argumentError(ErrorCode.InvalidArgument, op, 'options.channelRound', 'a positive integer', options.channelRound);
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) throw argumentError(ErrorCode.InvalidArgument, op, 'options.seed', 'a non-negative integer', options.seed);
}

/** Min-max normalises each column of `rows` in place (a constant column becomes 0). */
function normaliseColumns(rows: number[][]): void {
  const width = rows[0]?.length ?? 0;
  for (let c = 0; c < width; c++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of rows) {
      lo = Math.min(lo, r[c] as number);
      hi = Math.max(hi, r[c] as number);
    }
    for (const r of rows) r[c] = hi > lo ? ((r[c] as number) - lo) / (hi - lo) : 0;
  }
}

/**
 * The environment: built once per search (it finds the units, builds the resource models and, for channel
 * pruning, the calibration cache), then `apply` is called once per episode with the effective ratios.
 */
export class CompressionEnvironment {
  readonly method: PruneMethod;
  /** The channel selection criterion (`options.selection`, default `l1`). */
  readonly selection: 'l1' | 'energy';
  readonly original: Graph;
  readonly units: readonly SearchUnit[];
  /** MACs and parameters of the original model (channel: all params; fine-grained: nonzero kernel + all other weights). */
  readonly originalMacs: number;
  readonly originalParams: number;
  /** Resource models over the units' effective ratios. */
  readonly models: Readonly<Record<ResourceName, ResourceModel>>;
  /**
   * Per unit t: the `rest` feature, the MACs of units after t as a share of all units' MACs (unit MACs overlap: a
   * conv counts in its input and its output group, so the share is of their sum, not of the model's MACs).
   */
  private readonly restShare: number[];
  private readonly staticRows: number[][];
  private readonly groups: readonly ChannelGroup[];
  private readonly cache: Map<number, ConsumerFactor>;
  /** Per group, its channel scores (selection 'energy'), handed to every pruneChannels call as they are. */
  private readonly importance = new Map<number, Float32Array>();
  private readonly options: EnvironmentOptions;
  private readonly kernels: string[][];
  private accuracyCache: number | undefined;

  constructor(graph: Graph, options: EnvironmentOptions) {
    checkEnvironmentOptions(graph, options);
    this.original = graph;
    this.options = options;
    this.method = options.method;
    this.selection = options.selection ?? 'l1';
    const staticRows: number[][] = [];
    // Per unit: the MACs that scale with its decision (for the `rest` feature).
    const unitMacs: number[] = [];
    this.kernels = [];
    if (options.method === 'channel') {
      this.groups = findGroups(graph, { freezeResidual: options.freezeResidual ?? false });
      const searched = this.groups.filter((g) => g.prunable && g.channels > 1);
      const firstProducer = (g: ChannelGroup): number => Math.min(...g.producers.map((p) => p.node));
      searched.sort((a, b) => firstProducer(a) - firstProducer(b));
      this.units = searched.map((g, index) => ({ index, id: g.id, layers: g.producers.map((p) => p.name), size: g.channels, residual: g.isResidual }));
      for (const [index, g] of searched.entries()) {
        const main = graph.node(firstProducer(g));
        const geo = geometry(main);
        staticRows.push([index, g.channels, geo.inChannels, geo.height, geo.width, geo.stride, geo.kernel, g.macs, g.isResidual ? 1 : 0, geo.dense]);
        unitMacs.push(g.macs);
      }
      const unitGroups = searched.map((g) => g.id);
      this.models = {
        macs: channelResourceModel(graph, this.groups, unitGroups, 'macs'),
        params: channelResourceModel(graph, this.groups, unitGroups, 'params'),
      };
      const consumers = new Set<number>();
      for (const g of searched) for (const m of g.consumers) if (m.kind === 'conv2d' || m.kind === 'dense') consumers.add(m.node);
      this.cache =
        (options.reconstruct ?? true)
          ? buildCalibrationCache(graph, [...consumers], options.calibration.images, options.calibration.count, {
              seed: options.seed,
              ...(options.positionsPerImage === undefined ? {} : { positionsPerImage: options.positionsPerImage }),
            })
          : new Map();
      if (options.selection === 'energy') {
        for (const g of searched) {
          const scores = this.energyImportance(g);
          if (scores !== undefined) this.importance.set(g.id, Float32Array.from(scores));
        }
      }
    } else {
      this.groups = [];
      this.cache = new Map();
      const units = fineGrainedUnits(graph);
      this.units = units.map((u, index) => ({ index, id: u.id, layers: [u.name], size: u.size, residual: false }));
      for (const [index, u] of units.entries()) {
        const node = graph.node(u.id);
        const geo = geometry(node);
        staticRows.push([index, node.outputShape.at(-1) ?? 1, geo.inChannels, geo.height, geo.width, geo.stride, geo.kernel, u.macs, u.size, geo.dense]);
        unitMacs.push(u.macs);
        this.kernels.push(u.weights);
      }
      const nodes = units.map((u) => u.id);
      this.models = {
        macs: fineGrainedResourceModel(graph, nodes, this.kernels, 'macs'),
        params: fineGrainedResourceModel(graph, nodes, this.kernels, 'params'),
      };
    }
    if (this.units.length === 0) {
      throw argumentError(ErrorCode.Unsupported, 'CompressionEnvironment', 'graph', `a model with at least one prunable ${options.method === 'channel' ? 'channel group' : 'layer'}`, graph.name);
    }
    normaliseColumns(staticRows);
    this.staticRows = staticRows;
    const all = unitMacs.reduce((a, m) => a + m, 0);
    this.restShare = unitMacs.map((_, t) => (all > 0 ? unitMacs.slice(t + 1).reduce((a, m) => a + m, 0) / all : 0));
    const ones = this.units.map(() => 1);
    this.originalMacs = resourceOf(this.models.macs, ones);
    this.originalParams = resourceOf(this.models.params, ones);
  }

  /** Length of an embedding row. */
  get stateDim(): number {
    return EMBEDDING_FEATURES.length;
  }

  /**
   * The effective ratio of `ratio` at unit `t`: channel: `keptChannelCount(channels, ratio, channelRound) /
   * channels`; fine-grained: `round(ratio * size) / size`.
   */
  quantize(t: number, ratio: number): number {
    const unit = this.units[t] as SearchUnit;
    if (this.method === 'channel') return keptChannelCount(unit.size, Math.min(1, Math.max(ratio, 1e-9)), this.options.channelRound ?? 1) / unit.size;
    return Math.max(1, Math.round(ratio * unit.size)) / unit.size;
  }

  /**
   * The state of unit `t` given the effective ratios of units `0..t-1` and the previous action: the static
   * columns (normalised), `reduced` (MACs removed so far / original, later units counted whole), `rest` (MACs of
   * the later units / original) and the previous action.
   */
  embedding(t: number, decided: readonly number[], previousAction: number): Float64Array {
    const row = this.staticRows[t] as number[];
    const ratios = this.units.map((_, u) => (u < t ? (decided[u] as number) : 1));
    const reduced = Math.max(0, 1 - resourceOf(this.models.macs, ratios) / this.originalMacs);
    return Float64Array.from([...row, reduced, this.restShare[t] as number, previousAction]);
  }

  /** Prunes the original model with the effective `ratios` (one per unit) and reconstructs it (channel). */
  apply(ratios: readonly number[]): ApplyResult {
    const start = performance.now();
    if (this.method === 'fine-grained') {
      const decisions = new Map<string, number>();
      this.units.forEach((u, i) => {
        const r = ratios[i] as number;
        if (r < 1) decisions.set(u.layers[0] as string, r);
      });
      const result = pruneFineGrained(this.original, decisions);
      const pruneMs = performance.now() - start;
      return { graph: result.graph, macs: resourceOf(this.models.macs, ratios), params: resourceOf(this.models.params, ratios), reconstructed: [], pruneMs };
    }
    const decisions = new Map<number, number>();
    this.units.forEach((u, i) => {
      const r = ratios[i] as number;
      if (r < 1) decisions.set(u.id, r);
    });
    // Only the sliced tensors are new: the candidate shares every untouched weight array with the original.
    const pruned = pruneChannels(this.original, decisions, { groups: this.groups, shareWeights: true, ...(this.importance.size > 0 ? { importance: this.importance } : {}) });
    const reconstructed: CachedReconstruction[] = [];
    if (this.cache.size > 0 && decisions.size > 0) {
      for (const [id, factor] of this.cache) {
        const keptIn = this.keptIndices(id, factor.kind === 'conv2d' ? 2 : 0, factor.cin, pruned.kept);
        if (keptIn.length === factor.cin) continue;
        const keptOut = this.keptIndices(id, factor.kind === 'conv2d' ? 3 : 1, factor.outs, pruned.kept);
        const node = pruned.graph.node(id) as Extract<GraphNode, { kind: 'conv2d' | 'dense' }>;
        reconstructed.push(reconstructFromCache(factor, keptIn, keptOut, node.weights.kernel.data));
      }
    }
    return { graph: pruned.graph, macs: pruned.macs, params: pruned.params, reconstructed, pruneMs: performance.now() - start };
  }

  /** Floats of one input sample. */
  get inputSize(): number {
    return inputSizeOf(this.original);
  }

  /** Accuracy and loss of `graph` on the validation images, or on `set` (runtime, dense kernels: deterministic). */
  evaluate(graph: Graph, set?: LabelledImages): { accuracy: number; loss: number } {
    const v = set ?? this.options.validation;
    const compiled = compile(graph, { sparse: 'dense', ...(this.options.numThreads === undefined ? {} : { numThreads: this.options.numThreads }) });
    return compiled.evaluate(v.images.subarray(0, v.count * compiled.inputSize), Array.prototype.slice.call(v.labels, 0, v.count) as number[], this.options.batchSize ?? 256);
  }

  /** The original model's validation accuracy (computed once). */
  originalAccuracy(): number {
    this.accuracyCache ??= this.evaluate(this.original).accuracy;
    return this.accuracyCache;
  }

  /** A group's channel scores from its consumers' cached output energies, or undefined when a consumer has no factor. */
  private energyImportance(group: ChannelGroup): Float64Array | undefined {
    const scores = new Float64Array(group.channels);
    if (group.consumers.length === 0) return undefined;
    for (const m of group.consumers) {
      const factor = this.cache.get(m.node);
      if (factor === undefined) return undefined;
      const axis = factor.kind === 'conv2d' ? 2 : 0;
      for (const s of m.slices) {
        if (s.weight !== 'kernel' || s.axis !== axis) continue;
        for (let c = 0; c < group.channels; c++) for (const i of mapIndices(s.map, [c])) scores[c] = (scores[c] as number) + (factor.energy[i] as number);
      }
    }
    return scores;
  }

  /** Kept indices along `axis` of node `id`'s kernel after the groups in `kept` were pruned (ascending). */
  private keptIndices(id: number, axis: number, length: number, kept: ReadonlyMap<number, number[]>): number[] {
    const removed = new Set<number>();
    for (const [groupId, keep] of kept) {
      const group = this.groups[groupId] as ChannelGroup;
      if (keep.length === group.channels) continue;
      const all = Array.from({ length: group.channels }, (_, i) => i);
      for (const m of [...group.producers, ...group.consumers, ...group.passThrough]) {
        if (m.node !== id) continue;
        for (const s of m.slices) {
          if (s.weight !== 'kernel' || s.axis !== axis) continue;
          const keptSet = new Set(mapIndices(s.map, keep));
          for (const i of mapIndices(s.map, all)) if (!keptSet.has(i)) removed.add(i);
        }
      }
    }
    const out: number[] = [];
    for (let i = 0; i < length; i++) if (!removed.has(i)) out.push(i);
    return out;
  }
}
