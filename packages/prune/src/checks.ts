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

/** Throws AMC_INVALID_ARGUMENT unless `value` is undefined or a plain options object; returns it or `{}`. */
export function checkOptions<T extends object>(op: string, value: unknown, known: readonly string[]): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options', 'an options object or undefined', value);
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw argumentError(ErrorCode.InvalidArgument, op, `options.${key}`, `one of ${known.join(', ')}`, key);
  }
  return value as Partial<T>;
}
