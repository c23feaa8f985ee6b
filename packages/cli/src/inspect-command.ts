/**
 * `amc inspect`: the pre-flight report of a model before compression: layers with their MACs / params share,
 * the coupled-channel groups AMC decides on, and what cannot be pruned and why.
 */
import { ErrorCode, argumentError } from '@amc/core';
import { type Graph, formatInspectReport, importModel, inspectGraph, loadGraph } from '@amc/graph';
import { MODEL_NAMES, type ModelName, createModel, isModelName } from '@amc/zoo';
import type { CliIo } from './io.js';

export const INSPECT_HELP = `amc inspect: pre-flight report of a model (layers, MACs, params, prunable channel groups)

Usage: amc inspect <model> [options]

  <model>               zoo model (${MODEL_NAMES.join(', ')}) or a tfjs model.json / folder
  --alpha <x>           width multiplier of mobilenetV1 / mobilenetV2
  --freeze-residual     treat residual streams as not prunable
`;

/** Parsed options of `amc inspect`. */
export interface InspectCommandOptions {
  model: string;
  alpha?: number;
  freezeResidual: boolean;
}

/** Runs `amc inspect`. Returns the exit code. */
export async function runInspect(o: InspectCommandOptions, io: CliIo): Promise<number> {
  let graph: Graph;
  if (isModelName(o.model)) {
    const model = createModel(o.model as ModelName, o.alpha === undefined ? {} : { alpha: o.alpha });
    graph = importModel(model);
    model.dispose();
  } else {
    if (o.alpha !== undefined) throw argumentError(ErrorCode.InvalidArgument, 'inspect', '--alpha', 'a zoo model (not a model.json)', o.model);
    graph = await loadGraph(o.model);
  }
  io.out(formatInspectReport(inspectGraph(graph, { freezeResidual: o.freezeResidual })));
  return 0;
}
