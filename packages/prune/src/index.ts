/**
 * @amc/prune: channel pruning of a @amc/graph Graph (AMC-SPEC sections 3 and 4): kept-channel counts, L1 group
 * importance, physical slicing of coupled-channel groups, and least-squares reconstruction of the consumers.
 */
export { keptChannelCount } from './kept-channel-count.js';
export { groupImportance } from './group-importance.js';
export { pruneChannels } from './prune-channels.js';
export type { PruneChannelsOptions, PruneDecisions, PruneResult } from './prune-channels.js';
export { reconstructConsumers } from './reconstruct.js';
export type { Calibration, ReconstructOptions, ReconstructResult, ReconstructedLayer } from './reconstruct.js';
