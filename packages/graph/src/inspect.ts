import { ErrorCode, argumentError } from '@amc/core';
import { formatCount, formatPercent, formatShape, formatTable } from './format.js';
import type { Graph, GraphTotals } from './graph.js';
import { findGroups, type ChannelGroup, type FindGroupsOptions, type NotPrunableReason } from './groups.js';
import type { NodeKind } from './types.js';

/** One layer of an {@link InspectReport}. */
export interface InspectLayer {
  id: number;
  name: string;
  kind: NodeKind;
  className: string;
  /** Without the batch dimension. */
  outputShape: number[];
  macs: number;
  /** `macs / totals.macs` (0 when the model has no MACs). */
  macsShare: number;
  params: number;
}

/** One group of an {@link InspectReport} (see `ChannelGroup`). */
export interface InspectGroup {
  id: number;
  channels: number;
  isResidual: boolean;
  /** Layer names. */
  producers: string[];
  consumers: string[];
  /** Pass-through layers with weights that get sliced (batch norms, depthwise convs). */
  slicedPassThrough: string[];
  /** MACs that scale with the group's channel count, and their share of the model's MACs. */
  macs: number;
  macsShare: number;
  params: number;
  /** Empty when prunable. */
  reasons: NotPrunableReason[];
}

/** The pre-flight report of a model: what it costs, layer by layer, and what AMC can prune. */
export interface InspectReport {
  model: string;
  layers: InspectLayer[];
  totals: GraphTotals;
  /** Groups AMC decides (the units), in topological order. */
  prunable: InspectGroup[];
  /** Groups that stay whole, with their reasons. */
  notPrunable: InspectGroup[];
}

function share(part: number, total: number): number {
  return total > 0 ? part / total : 0;
}

function toInspectGroup(g: ChannelGroup, totalMacs: number): InspectGroup {
  return {
    id: g.id,
    channels: g.channels,
    isResidual: g.isResidual,
    producers: g.producers.map((m) => m.name),
    consumers: g.consumers.map((m) => m.name),
    slicedPassThrough: g.passThrough.filter((m) => m.slices.length > 0).map((m) => m.name),
    macs: g.macs,
    macsShare: share(g.macs, totalMacs),
    params: g.params,
    reasons: g.reasons,
  };
}

/**
 * Builds the pre-flight report of `graph`: its layers with their MACs and parameters, the totals, and its
 * coupled-channel groups split into prunable ones (the AMC units) and not-prunable ones with the reasons.
 *
 * @example
 * console.log(formatInspectReport(inspectGraph(importModel(createModel('resnet20')))));
 * @throws AmcError AMC_INVALID_ARGUMENT when `graph` is not a Graph (and the errors of `findGroups` for `options`).
 */
export function inspectGraph(graph: Graph, options?: FindGroupsOptions): InspectReport {
  if (typeof graph !== 'object' || graph === null || typeof (graph as { totals?: unknown }).totals !== 'function') {
    throw argumentError(ErrorCode.InvalidArgument, 'inspectGraph', 'graph', 'a Graph from importModel or loadGraph', graph);
  }
  const totals = graph.totals();
  const groups = findGroups(graph, options);
  return {
    model: graph.name,
    layers: graph.nodes.map((n) => ({
      id: n.id,
      name: n.name,
      kind: n.kind,
      className: n.className,
      outputShape: [...n.outputShape],
      macs: n.macs,
      macsShare: share(n.macs, totals.macs),
      params: n.params,
    })),
    totals,
    prunable: groups.filter((g) => g.prunable).map((g) => toInspectGroup(g, totals.macs)),
    notPrunable: groups.filter((g) => !g.prunable).map((g) => toInspectGroup(g, totals.macs)),
  };
}

/** A list of names, shortened to its first `max` and a count of the rest. */
function names(list: readonly string[], max = 6): string {
  if (list.length === 0) return '-';
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')}, ... (+${list.length - max})`;
}

function groupBlock(g: InspectGroup): string[] {
  const head = `  #${g.id}  ${g.channels} channel${g.channels === 1 ? '' : 's'}${g.isResidual ? ', residual' : ''}, ${formatCount(g.macs)} MACs (${formatPercent(
    g.macsShare,
  )}), ${formatCount(g.params)} params`;
  const lines = [head, `      producers: ${names(g.producers)}`, `      consumers: ${names(g.consumers)}`];
  if (g.slicedPassThrough.length > 0) lines.push(`      also sliced: ${names(g.slicedPassThrough)}`);
  for (const r of g.reasons) lines.push(`      not prunable (${r.code}): ${r.detail}`);
  return lines;
}

/**
 * Renders an {@link InspectReport} as text: a header with the totals, the layers table (id, name, kind, output
 * shape, MACs, share of MACs, params), then the prunable groups and the not-prunable groups, one block each
 * (channels, residual, MACs that scale with the group and their share, sliced params, producers, consumers,
 * sliced pass-through layers, reasons).
 */
export function formatInspectReport(report: InspectReport): string {
  if (typeof report !== 'object' || report === null || !Array.isArray((report as { layers?: unknown }).layers)) {
    throw argumentError(ErrorCode.InvalidArgument, 'formatInspectReport', 'report', 'an InspectReport from inspectGraph', report);
  }
  const t = report.totals;
  const residual = report.prunable.filter((g) => g.isResidual).length;
  const rows = report.layers.map((l) => [
    String(l.id),
    l.name,
    l.kind,
    formatShape(l.outputShape),
    formatCount(l.macs),
    l.macs > 0 ? formatPercent(l.macsShare) : '',
    formatCount(l.params),
  ]);
  return [
    `Model ${report.model}: ${report.layers.length} layers, ${formatCount(t.params)} params (${formatCount(t.trainableParams)} trainable), ` +
      `${formatCount(t.macs)} MACs per sample`,
    '',
    formatTable(['id', 'layer', 'kind', 'output', 'MACs', 'share', 'params'], rows, ['right', 'left', 'left', 'left', 'right', 'right', 'right']),
    '',
    `Prunable groups: ${report.prunable.length} (${residual} residual)`,
    ...report.prunable.flatMap(groupBlock),
    '',
    `Not prunable groups: ${report.notPrunable.length}`,
    ...report.notPrunable.flatMap(groupBlock),
  ].join('\n');
}
