/**
 * @amc/prune: channel pruning of a @amc/graph Graph (AMC-SPEC sections 3 and 4): kept-channel counts, L1 group
 * importance, physical slicing of coupled-channel groups, least-squares reconstruction of the consumers, and
 * fine-grained magnitude pruning (section 5).
 */
export { keptChannelCount } from './kept-channel-count.js';
export { groupImportance } from './group-importance.js';
export { pruneChannels } from './prune-channels.js';
export type { PruneChannelsOptions, PruneDecisions, PruneResult } from './prune-channels.js';
export { reconstructConsumers } from './reconstruct.js';
export type { Calibration, ReconstructOptions, ReconstructResult, ReconstructedLayer } from './reconstruct.js';
export { fineGrainedUnits, nonzeroParams, pruneFineGrained } from './prune-fine-grained.js';
export type { DensityDecisions, FineGrainedLayer, FineGrainedResult, FineGrainedUnit, PruneFineGrainedOptions } from './prune-fine-grained.js';
export { nodeOutput, prefixGraph } from './activations.js';
export { drawPositions, gatherRows, outputPositions, samplePositions, targetRows } from './im2col.js';
