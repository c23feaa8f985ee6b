/**
 * @amc/runtime: runs a graph of @amc/graph on the native kernels of @amc/kernels (no tfjs at run time).
 */
export { CompiledModel, compile } from './compiled-model.js';
export type { CompileOptions, EvaluateResult, StepSummary } from './compiled-model.js';
