/**
 * Fine-grained (unstructured) pruning, AMC-SPEC section 5: per layer, zero the smallest-|w| fraction of its
 * kernel so that `density` of it survives. The graph keeps its shapes; the zeros are what `@amc/runtime` turns
 * into CSR / block-CSR kernels (where that is measured to be faster) and what `saveSparseModel` stores compactly.
 */
import { ErrorCode, argumentError } from '@amc/core';
import type { Graph, GraphNode, WeightTensor } from '@amc/graph';
import { magnitudePrune } from '@amc/kernels';
import { checkGraph, checkOptions } from './checks.js';

/** A layer that fine-grained pruning can sparsify: its kernels and their sizes. */
export interface FineGrainedUnit {
  /** Layer name. */
  name: string;
  /** Node id in the graph. */
  id: number;
  /** `conv2d`, `depthwiseConv2d`, `separableConv2d` or `dense`. */
  kind: GraphNode['kind'];
  /** Names of the pruned weight tensors (`kernel`; `depthwiseKernel` and `pointwiseKernel` of a separable conv). */
  weights: string[];
  /** Elements of those tensors together (what a density is a fraction of). */
  size: number;
  /** Multiply-accumulates per sample of the layer when dense. */
  macs: number;
  /** Nonzero kernel weights now (biases are not counted). */
  nonzeros: number;
}

/** Density per layer name: a Map or a plain object. */
export type DensityDecisions = ReadonlyMap<string, number> | Readonly<Record<string, number>>;

/** Options of {@link pruneFineGrained}. */
export interface PruneFineGrainedOptions {
  /**
   * Skip layers whose kernel has fewer elements than this (AMC prunes every layer; tiny first convs mostly cost
   * accuracy). Applies only to layers named in the decisions. Default 0.
   */
  minSize?: number;
}

/** One pruned layer in a {@link FineGrainedResult}. */
export interface FineGrainedLayer {
  name: string;
  /** The density asked for. */
  density: number;
  /** Kernel elements kept (nonzero after pruning, or kept by rank when the original had zeros). */
  kept: number;
  /** Kernel elements in total. */
  size: number;
}

/** Result of {@link pruneFineGrained}. */
export interface FineGrainedResult {
  /** A new graph with the pruned kernels; the input graph is untouched. */
  graph: Graph;
  /** The layers that were pruned. */
  layers: FineGrainedLayer[];
  /** Nonzero parameters of the new graph: every weight tensor's nonzeros (batch-norm statistics included). */
  nonzeroParams: number;
  /** All parameters (`graph.totals().params`), for the compression ratio `params / nonzeroParams`. */
  params: number;
}

const OPERATION = 'pruneFineGrained';

function kernelNames(node: GraphNode): string[] | undefined {
  switch (node.kind) {
    case 'conv2d':
    case 'dense':
      return ['kernel'];
    case 'depthwiseConv2d':
      return ['depthwiseKernel'];
    case 'separableConv2d':
      return ['depthwiseKernel', 'pointwiseKernel'];
    default:
      return undefined;
  }
}

function tensorOf(node: GraphNode, name: string): WeightTensor {
  return (node.weights as unknown as Record<string, WeightTensor>)[name] as WeightTensor;
}

function countNonzeros(data: Float32Array): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) n++;
  return n;
}

/**
 * The layers of `graph` that fine-grained pruning can sparsify (convolutions, depthwise and separable
 * convolutions, dense layers), in graph order, with their kernel sizes, MACs and current nonzeros.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT when `graph` is not a Graph.
 * @example
 * const units = fineGrainedUnits(graph); // resnet20: 19 convs + 1 dense
 */
export function fineGrainedUnits(graph: Graph): FineGrainedUnit[] {
  checkGraph('fineGrainedUnits', 'graph', graph);
  const units: FineGrainedUnit[] = [];
  for (const node of graph.nodes) {
    const weights = kernelNames(node);
    if (weights === undefined) continue;
    let size = 0;
    let nonzeros = 0;
    for (const w of weights) {
      const t = tensorOf(node, w);
      size += t.data.length;
      nonzeros += countNonzeros(t.data);
    }
    units.push({ name: node.name, id: node.id, kind: node.kind, weights, size, macs: node.macs, nonzeros });
  }
  return units;
}

function decisionEntries(decisions: unknown): [string, unknown][] {
  if (decisions instanceof Map) return [...(decisions as Map<unknown, unknown>).entries()].map(([k, v]) => [k as string, v]);
  if (typeof decisions === 'object' && decisions !== null && !Array.isArray(decisions)) return Object.entries(decisions);
  throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'decisions', 'a Map or object of layer name -> density', decisions);
}

/** Nonzero weights of every tensor of every node. */
export function nonzeroParams(graph: Graph): number {
  let n = 0;
  for (const node of graph.nodes) {
    for (const t of Object.values(node.weights as Record<string, WeightTensor | undefined>)) if (t !== undefined) n += countNonzeros(t.data);
  }
  return n;
}

/**
 * Magnitude-prunes the kernels of the layers named in `decisions` (layer name → density in (0, 1], the fraction of
 * the kernel's weights that survive): the `size - round(density * size)` smallest-|w| weights of each kernel
 * become 0 (ties: the lower index is kept; `magnitudePrune` of @amc/kernels). A separable conv's two kernels are
 * pruned separately at the same density. Density 1 leaves a layer as it is. Biases and batch norms are never
 * pruned. Shapes do not change, so the result exports and runs anywhere; `@amc/runtime` executes the sparse
 * kernels in CSR or block CSR where that is faster.
 *
 * @example
 * const { graph: sparse, nonzeroParams, params } = pruneFineGrained(graph, { conv2: 0.2, dense: 0.1 });
 * @throws AmcError AMC_INVALID_ARGUMENT (not a Graph, bad decisions or options, a density outside (0, 1], a layer
 *   that does not exist or has no prunable kernel).
 */
export function pruneFineGrained(graph: Graph, decisions: DensityDecisions, options?: PruneFineGrainedOptions): FineGrainedResult {
  checkGraph(OPERATION, 'graph', graph);
  const o = checkOptions<PruneFineGrainedOptions>(OPERATION, options, ['minSize']);
  const minSize = o.minSize ?? 0;
  if (typeof minSize !== 'number' || !Number.isSafeInteger(minSize) || minSize < 0) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'options.minSize', 'a non-negative integer', o.minSize);
  }
  const entries = decisionEntries(decisions);
  for (const [name, density] of entries) {
    if (typeof density !== 'number' || !(density > 0 && density <= 1)) {
      throw argumentError(ErrorCode.InvalidArgument, OPERATION, `decisions[${JSON.stringify(name)}]`, 'a density in (0, 1]', density);
    }
    if (typeof name !== 'string' || !graph.has(name)) {
      throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'decisions', `layer names of the graph (no layer ${String(name)})`, name);
    }
    const node = graph.node(name);
    if (kernelNames(node) === undefined) {
      throw argumentError(ErrorCode.InvalidArgument, OPERATION, `decisions[${JSON.stringify(name)}]`, 'a conv2d, depthwise, separable or dense layer', node.className);
    }
  }
  const pruned = graph.clone();
  const layers: FineGrainedLayer[] = [];
  for (const [name, value] of entries) {
    const density = value as number;
    const node = pruned.node(name);
    const names = kernelNames(node) as string[];
    let size = 0;
    let kept = 0;
    for (const w of names) {
      const t = tensorOf(node, w);
      size += t.data.length;
      if (density >= 1 || t.data.length < minSize) {
        kept += t.data.length;
        continue;
      }
      magnitudePrune(t.data, density, { out: t.data });
      kept += Math.round(density * t.data.length);
    }
    layers.push({ name, density, kept, size });
  }
  return { graph: pruned, layers, nonzeroParams: nonzeroParams(pruned), params: pruned.totals().params };
}
