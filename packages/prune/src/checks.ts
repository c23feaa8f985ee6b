import { ErrorCode, argumentError } from '@amc/core';
import type { Graph } from '@amc/graph';

/** Throws AMC_INVALID_ARGUMENT unless `value` looks like a Graph of @amc/graph (duck-typed, as @amc/graph does). */
export function checkGraph(op: string, argument: string, value: unknown): Graph {
  const v = value as { nodes?: unknown; clone?: unknown; node?: unknown } | null;
  if (typeof v !== 'object' || v === null || !Array.isArray(v.nodes) || typeof v.clone !== 'function' || typeof v.node !== 'function') {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, 'a Graph from importModel or loadGraph', value);
  }
  return value as Graph;
}

/** Options objects are checked by the shared @amc/core helper. */
export { checkOptions } from '@amc/core';
