/**
 * @amc/graph: the model-graph layer of amc. Imports a TensorFlow.js layers model into a channel-level IR
 * ({@link Graph}), finds the coupled-channel groups AMC prunes as one unit ({@link findGroups}) and builds the
 * pre-flight report ({@link inspectGraph}).
 */
export { Graph } from './graph.js';
export type { GraphInit, GraphTotals } from './graph.js';
export { importModel } from './import-model.js';
export { loadGraph } from './load-graph.js';
export { exportModel, saveGraph } from './export-model.js';
export type { ExportModelOptions } from './export-model.js';
export { computeNodeStats, depthwiseMacs, nodeMacs, pointwiseMacs, refreshNodeStats } from './stats.js';
export { CROSS_CHANNEL_ACTIVATIONS, SUPPORTED_LAYER_CLASSES, TFJS_ACTIVATION_IDENTIFIERS, weightEntries } from './types.js';
export type {
  ActivationAttrs,
  ActivationName,
  ActivationNode,
  AddNode,
  BatchNormAttrs,
  BatchNormNode,
  BatchNormWeights,
  ConcatAttrs,
  ConcatNode,
  Conv2dAttrs,
  Conv2dNode,
  Conv2dWeights,
  DenseAttrs,
  DenseNode,
  DenseWeights,
  DepthwiseConv2dAttrs,
  DepthwiseConv2dNode,
  DepthwiseConv2dWeights,
  DropoutAttrs,
  DropoutNode,
  FlattenNode,
  GlobalPool2dAttrs,
  GlobalPool2dNode,
  GraphNode,
  InputNode,
  NodeBase,
  NodeKind,
  NodeStats,
  NoWeights,
  PaddingMode,
  Pool2dAttrs,
  Pool2dNode,
  ReshapeAttrs,
  ReshapeNode,
  SeparableConv2dAttrs,
  SeparableConv2dNode,
  SeparableConv2dWeights,
  WeightTensor,
  WindowAttrs,
  ZeroPadding2dAttrs,
  ZeroPadding2dNode,
} from './types.js';
export { flattenMap, identityMap, isIdentityMap, mapIndices, mapsEqual, repeatMap, shiftMap } from './index-map.js';
export type { IndexMap } from './index-map.js';
export { findGroups } from './groups.js';
export type { ChannelGroup, FindGroupsOptions, GroupMember, MemberRole, NotPrunableCode, NotPrunableReason, WeightSlice } from './groups.js';
export { formatInspectReport, inspectGraph } from './inspect.js';
export type { InspectGroup, InspectLayer, InspectReport } from './inspect.js';
export { SPARSE_WEIGHTS_FILE, decodeSparseWeights, encodeSparseWeights } from './sparse-weights.js';
export type { EncodeSparseOptions, SparseTensorEntry, WeightSpec } from './sparse-weights.js';
export { loadSparseModel, saveSparseModel } from './sparse-model.js';
export type { SaveSparseModelOptions, SaveSparseModelResult } from './sparse-model.js';
